import type { ReactNode } from 'react';
import { ru } from '../i18n/ru';
import type { Failure } from '../hooks/useApi';
import { Alert } from './Alert';

export function Loading({ label = ru.state.loading }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function LoadFailed({ failure, onRetry }: { failure: Failure; onRetry: () => void }) {
  return (
    <Alert tone="error" title={ru.state.failed} onRetry={onRetry}>
      {failure.message}
    </Alert>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <span className="empty__mark" aria-hidden="true" />
      <p className="empty__title">{title}</p>
      {children && <p className="empty__hint">{children}</p>}
    </div>
  );
}
