import type { EngineStatus } from '../../../src-shared/api';
import { useEngine } from '../../hooks/useEngineStatus';
import { ru } from '../../i18n/ru';
import type { LiveStateProps } from './steps';

const t = ru.tunnel.state;

type Tone = 'ok' | 'connecting' | 'down' | 'off';

/** What the tunnel's live status says to the merchant, and its colour. */
export function tunnelStateText(tunnel: EngineStatus['tunnel']): { tone: Tone; text: string } {
  if (tunnel.provider === 'none') return { tone: 'off', text: t.none };
  switch (tunnel.state) {
    case 'up':
      return { tone: 'ok', text: tunnel.url ? t.up(tunnel.url) : t.connecting };
    case 'connecting':
      return { tone: 'connecting', text: t.connecting };
    case 'down':
      return { tone: 'down', text: tunnel.error ? t.down(tunnel.error) : t.downPlain };
    case 'off':
      return { tone: 'off', text: t.off };
  }
}

/**
 * The tunnel's state as the engine reports it, live, next to «Проверить подключение»: «Подключено: <адрес>»,
 * «Подключается…», «Нет связи: <причина>». A provider chosen but not yet saved says so instead.
 */
export function TunnelLiveState({ draft, view }: LiveStateProps) {
  const { status, connected } = useEngine();
  const chosen = draft.provider;
  let shown: { tone: Tone; text: string };
  if (!status || !connected) shown = { tone: 'off', text: t.offline };
  else if (chosen !== view.values.tunnel.provider) shown = { tone: 'off', text: t.unsaved };
  // Saved, and the engine has not reported the new way yet.
  else if (chosen !== status.tunnel.provider) shown = { tone: 'connecting', text: t.connecting };
  else shown = tunnelStateText(status.tunnel);
  return (
    <p className={`tunnel-live tunnel-live--${shown.tone}`} role="status" data-testid="tunnel-state" data-state={shown.tone}>
      <span className="tunnel-live__label">{t.label}</span>
      <span className="tunnel-live__dot" aria-hidden="true" />
      <span className="tunnel-live__text" data-testid="tunnel-state-text">
        {shown.text}
      </span>
    </p>
  );
}
