import { formatDateTime, formatRelative } from '../i18n/format';
import { useNow } from '../hooks/useNow';

/** «5 мин. назад», with the exact moment on hover and for screen readers' `datetime`. */
export function RelativeTime({ at }: { at: number }) {
  const now = useNow();
  return (
    <time dateTime={new Date(at).toISOString()} title={formatDateTime(at)}>
      {formatRelative(at, now)}
    </time>
  );
}
