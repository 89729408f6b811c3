import { ru } from '../i18n/ru';

/** Opened without the access key (or with an old one): nothing to show but how to get in. */
export function NoAccess() {
  return (
    <main className="no-access" data-testid="no-access">
      <div className="no-access__card">
        <span className="brand__mark brand__mark--large" aria-hidden="true" />
        <p className="no-access__app">{ru.app.name}</p>
        <h1>{ru.noAccess.title}</h1>
        <p>{ru.noAccess.text}</p>
        <p className="muted">{ru.noAccess.hint}</p>
      </div>
    </main>
  );
}
