import type { ReactNode } from 'react';
import { ru } from '../i18n/ru';

type Tone = 'error' | 'warning' | 'info';

/** A message block. Errors are announced at once (`role="alert"`), the rest politely. */
export function Alert(props: {
  tone: Tone;
  title?: string;
  children: ReactNode;
  onDismiss?: () => void;
  onRetry?: () => void;
  testId?: string;
}) {
  return (
    <div className={`alert alert--${props.tone}`} role={props.tone === 'error' ? 'alert' : 'status'} data-testid={props.testId}>
      <span className="alert__icon" aria-hidden="true" />
      <div className="alert__body">
        {props.title && <strong className="alert__title">{props.title}</strong>}
        <div>{props.children}</div>
      </div>
      {(props.onRetry || props.onDismiss) && (
        <div className="alert__actions">
          {props.onRetry && (
            <button type="button" className="btn btn--small" onClick={props.onRetry}>
              {ru.state.retry}
            </button>
          )}
          {props.onDismiss && (
            <button type="button" className="btn btn--small btn--ghost" onClick={props.onDismiss}>
              {ru.state.dismiss}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
