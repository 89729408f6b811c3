import { ru } from '../i18n/ru';

/** «Работает» / «На паузе» as a coloured pill; «Нет связи» in grey when the engine cannot be reached. */
export function EngineBadge({ paused, offline = false, large = false }: { paused: boolean; offline?: boolean; large?: boolean }) {
  const tone = offline ? 'badge--muted' : paused ? 'badge--warning' : 'badge--ok';
  return (
    <span className={`badge ${tone}${large ? ' badge--large' : ''}`}>
      <span className="badge__dot" aria-hidden="true" />
      {offline ? ru.engine.offline : paused ? ru.engine.paused : ru.engine.running}
    </span>
  );
}
