import { jobStates, type EngineStatus, type JobState } from '../../src-shared/api';
import { formatNumber } from '../i18n/format';
import { ru } from '../i18n/ru';

/** The order the merchant reads them in: what is coming, what is stuck, what is done. */
const order: readonly JobState[] = ['queued', 'running', 'retrying', 'attention', 'dead', 'done'];

/** Which colour a non-zero count deserves. */
const tone: Record<JobState, 'neutral' | 'active' | 'warning' | 'error' | 'ok'> = {
  queued: 'neutral',
  running: 'active',
  retrying: 'warning',
  attention: 'warning',
  dead: 'error',
  done: 'ok',
};

export function QueueCards({ queue }: { queue: EngineStatus['queue'] }) {
  // Every state the engine knows, even one added later without a place in `order`.
  const states = [...order, ...jobStates.filter((s) => !order.includes(s))];
  return (
    <section className="section" aria-labelledby="queue-title">
      <h2 id="queue-title" className="section__title">
        {ru.queue.title}
      </h2>
      <ul className="queue">
        {states.map((state) => {
          const n = queue[state];
          return (
            <li
              key={state}
              className={`queue__card queue__card--${n > 0 ? tone[state] : 'zero'}`}
              data-testid={`queue-${state}`}
              data-count={n}
            >
              <span className="queue__count">{formatNumber(n)}</span>
              <span className="queue__label">{ru.queue.states[state]}</span>
              <span className="queue__hint">{ru.queue.hints[state]}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
