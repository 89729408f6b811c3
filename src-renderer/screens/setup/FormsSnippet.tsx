import { useEffect, useMemo, useState } from 'react';
import { buildSnippet, formsSettingsSchema } from '../../../src-shared/forms';
import { Alert } from '../../components/Alert';
import { useApi } from '../../hooks/useApi';
import { ru } from '../../i18n/ru';
import type { LiveStateProps } from './steps';
import { Copyable } from './TriggersStep';

const t = ru.setup.forms;

/**
 * The form's code for the site, built from the step's unsaved values so every change shows at once: copied
 * with one button, previewed as it will look on a page (a sandboxed frame: its script does not run here), and
 * the same address for Tilda's Webhook.
 */
export function FormsSnippet({ draft, view, dirty }: LiveStateProps) {
  const api = useApi();
  const [url, setUrl] = useState<string | null | undefined>(undefined);

  useEffect(() => {
    let live = true;
    api.call('forms.address', {}).then(
      (r) => live && setUrl(r.url),
      () => live && setUrl(null),
    );
    return () => {
      live = false;
    };
  }, [api, view]);

  const parsed = useMemo(() => formsSettingsSchema.safeParse(draft), [draft]);
  if (url === undefined) return null;
  if (url === null) return <Alert tone="warning">{t.noUrl}</Alert>;
  if (!parsed.success) return <Alert tone="warning">{t.fixFirst}</Alert>;
  const snippet = buildSnippet(parsed.data, url);
  const page = `<!doctype html><html lang="ru"><head><meta charset="utf-8"></head><body style="margin:16px">${snippet}</body></html>`;
  return (
    <div className="forms-snippet" data-testid="forms-snippet">
      <h3 className="setup-group__title">{t.snippet}</h3>
      <p className="setup-hint">{t.snippetHint}</p>
      {dirty && <Alert tone="warning">{t.unsaved}</Alert>}
      <div className="forms-snippet__code" style={{ maxHeight: 160, overflow: 'auto' }}>
        <Copyable value={snippet} what={t.snippet} testId="forms-snippet-code" block />
      </div>
      <h3 className="setup-group__title">{t.preview}</h3>
      <iframe className="forms-snippet__preview" title={t.previewTitle} sandbox="" srcDoc={page} style={{ width: '100%', height: 720, border: '1px solid #d0d5dd', borderRadius: 8, background: '#fff' }} />
      <h3 className="setup-group__title">{t.tilda}</h3>
      <p className="setup-hint">{t.tildaHint}</p>
      <Copyable value={url} what={t.tilda} testId="forms-tilda-url" block />
    </div>
  );
}
