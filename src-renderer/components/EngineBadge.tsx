import type { Health } from '../../src-shared/health';

const toneClass: Record<Health['tone'], string> = {
  ok: 'badge--ok',
  warning: 'badge--warning',
  error: 'badge--error',
  muted: 'badge--muted',
};

/** The state of Prilavok as a coloured pill: «Работает» only when the facts say so. */
export function EngineBadge({ health, large = false }: { health: Health; large?: boolean }) {
  return (
    <span className={`badge ${toneClass[health.tone]}${large ? ' badge--large' : ''}`} data-testid={large ? undefined : 'header-state'} data-state={health.state}>
      <span className="badge__dot" aria-hidden="true" />
      {health.title}
    </span>
  );
}
