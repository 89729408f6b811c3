import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiCallError, type SettingsView } from '../../../src-shared/api';
import type { SecretKey } from '../../../src-shared/settings';
import { Alert } from '../../components/Alert';
import { Loading } from '../../components/States';
import { toFailure, useApi, useTransientNotice, type Failure } from '../../hooks/useApi';
import { formatDateTime } from '../../i18n/format';
import { ru } from '../../i18n/ru';
import { FieldView } from './Fields';
import { crmConnected, visibleFields, type Field, type FormStep } from './steps';
import type { StepContext } from './types';

const t = ru.setup;

type Values = Record<string, unknown>;

function getPath(obj: Values, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Values)[k] : undefined), obj);
}

function setPath(obj: Values, path: string, value: unknown): Values {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) return { ...obj, [head]: value };
  const inner = obj[head] && typeof obj[head] === 'object' ? (obj[head] as Values) : {};
  return { ...obj, [head]: setPath(inner, rest.join('.'), value) };
}

function sectionOf(view: SettingsView, step: FormStep): Values {
  return view.values[step.section] as Values;
}

interface Issue {
  path: string;
  message: string;
}

/** What the engine refused, field by field, from the zod issues it sends as the technical detail. */
function issuesOf(failure: unknown): Issue[] {
  if (!(failure instanceof ApiCallError) || !failure.error.detail) return [];
  try {
    const issues = JSON.parse(failure.error.detail) as Array<{ path?: unknown[]; message?: unknown }>;
    if (!Array.isArray(issues)) return [];
    return issues
      .map((i) => ({ path: Array.isArray(i.path) ? i.path.join('.') : '', message: typeof i.message === 'string' ? i.message : '' }))
      .filter((i) => i.path !== '');
  } catch {
    return [];
  }
}

const noIssues: Issue[] = [];

function fieldPath(f: Field): string | null {
  return f.kind === 'secret' || f.kind === 'webhook' ? null : f.path;
}

interface TestResult {
  ok: boolean;
  message: string;
  detail: string | null;
}

/**
 * One settings section as a form. «Сохранить» writes the section and any typed secret; «Проверить подключение»
 * saves first (the engine tests what is saved) and shows the engine's own words; «Далее» saves and moves on.
 */
export function FormStepView(props: StepContext & { step: FormStep; onDirty(dirty: boolean): void; onNext: (() => void) | null; onBack: (() => void) | null; onTested(ok: boolean): void }) {
  const { step, view, onView, references } = props;
  const api = useApi();
  const [draft, setDraft] = useState<Values>(() => structuredClone(sectionOf(view, step)));
  const [secrets, setSecrets] = useState<Partial<Record<SecretKey, string | null>>>({});
  const [busy, setBusy] = useState<'save' | 'test' | 'next' | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [result, setResult] = useState<TestResult | null>(null);
  const { notice, show } = useTransientNotice();

  const fields = useMemo(() => step.groups.flatMap((g) => g.fields), [step]);
  const saved = sectionOf(view, step);
  const typedSecrets = Object.entries(secrets).filter((e): e is [SecretKey, string] => typeof e[1] === 'string' && e[1].trim() !== '');
  const dirty = JSON.stringify(draft) !== JSON.stringify(saved) || typedSecrets.length > 0;
  const { onDirty } = props;
  useEffect(() => onDirty(dirty), [dirty, onDirty]);

  const save = useCallback(async (): Promise<SettingsView | null> => {
    setFailure(null);
    setIssues([]);
    try {
      let next = view;
      if (JSON.stringify(draft) !== JSON.stringify(saved)) {
        const keys = [...new Set(fields.map(fieldPath).filter((p): p is string => p !== null).map((p) => p.split('.')[0]!))];
        next = await api.call('settings.update', { section: step.section, values: Object.fromEntries(keys.map((k) => [k, draft[k]])) });
      }
      for (const [key, value] of typedSecrets) next = await api.call('settings.setSecret', { key, value: value.trim() });
      setSecrets({});
      setDraft(structuredClone(sectionOf(next, step)));
      onView(next);
      return next;
    } catch (err) {
      setFailure(toFailure(err));
      setIssues(issuesOf(err));
      return null;
    }
  }, [api, draft, saved, fields, typedSecrets, step, view, onView]);

  const runTest = async () => {
    if (!step.testSystem) return;
    try {
      const r = await api.call('connections.test', { system: step.testSystem });
      setResult(r);
      props.onTested(r.ok);
    } catch (err) {
      setResult({ ok: false, message: toFailure(err).message, detail: null });
    }
  };

  const onSave = async () => {
    setBusy('save');
    setResult(null);
    const next = await save();
    if (next) show(t.saved);
    // Saved either way; the check after it says what is wrong, even when the other system cannot be reached.
    if (next && step.checkOnSave) {
      setBusy('test');
      await runTest();
    }
    setBusy(null);
  };

  const onTest = async () => {
    if (!step.testSystem) return;
    setBusy('test');
    setResult(null);
    const next = dirty ? await save() : view;
    if (next) await runTest();
    setBusy(null);
  };

  const onNext = async () => {
    if (!props.onNext) return;
    if (dirty) {
      setBusy('next');
      const next = await save();
      setBusy(null);
      if (!next) return;
    }
    props.onNext();
  };

  const clearSecret = async (key: SecretKey) => {
    setBusy('save');
    setFailure(null);
    try {
      onView(await api.call('settings.clearSecret', { key }));
      setResult(null);
      show(t.secret.removed);
    } catch (err) {
      setFailure(toFailure(err));
    }
    setBusy(null);
  };

  const errorOf = (f: Field): string | null => {
    const p = fieldPath(f);
    // A list of records shows its records' refusals under their own fields, only its own here.
    const own = f.kind === 'records' ? (i: Issue) => i.path === p || p!.startsWith(`${i.path}.`) : (i: Issue) => i.path === p || i.path.startsWith(`${p}.`) || p!.startsWith(`${i.path}.`);
    const hit = p === null ? undefined : issues.find(own);
    return hit ? hit.message || t.saveFailed : null;
  };
  // Stable per refusal, so a composite field notices new refusals (and only those).
  const issuesUnder = useMemo(() => {
    const m = new Map<string, Issue[]>();
    for (const f of fields) {
      const p = fieldPath(f);
      if (p !== null) m.set(f.testId, issues.filter((i) => i.path.startsWith(`${p}.`)).map((i) => ({ path: i.path.slice(p.length + 1), message: i.message })));
    }
    return m;
  }, [fields, issues]);

  // A refusal about fields the merchant has since hidden (another way chosen) is no longer shown.
  const visiblePaths = step.groups.flatMap((g) => visibleFields(g, draft)).map(fieldPath).filter((p): p is string => p !== null);
  const shownAt = (i: Issue) => visiblePaths.some((p) => i.path === p || i.path.startsWith(`${p}.`) || p.startsWith(`${i.path}.`));
  const hiddenOnly = issues.length > 0 && issues.every((i) => !shownAt(i));
  // When every refusal stands under its field, the banner need not repeat the engine's field names.
  const allUnderFields = issues.length > 0 && issues.every(shownAt);

  const blocked = step.needsCrm && !crmConnected(view);
  const needsRefs = fields.some((f) => f.kind === 'ref' || f.kind === 'refList' || f.kind === 'refMap' || (f.kind === 'codeMap' && 'ref' in f.keys));

  return (
    <form
      className="setup-form"
      data-testid={`step-form-${step.id}`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void onSave();
      }}
    >
      {blocked ? (
        <div className="setup-blocked" data-testid="needs-crm">
          <Alert tone="info" title={t.refs.needCrm}>
            {t.refs.needCrmText}
          </Alert>
          <button type="button" className="btn btn--primary" onClick={() => props.goTo('retailcrm')}>
            {t.refs.goToCrm}
          </button>
        </div>
      ) : step.needsCrm && references.loading && !references.refs ? (
        <Loading label={t.refs.loading} />
      ) : step.needsCrm && !references.refs && references.failure ? (
        <div className="setup-blocked" data-testid="refs-failed">
          <Alert tone="error" title={t.refs.failed} onRetry={() => void references.reload(true)}>
            {references.failure.message}
          </Alert>
          <button type="button" className="btn" onClick={() => props.goTo('retailcrm')}>
            {t.refs.goToCrm}
          </button>
        </div>
      ) : (
        <>
          {needsRefs && references.refs && step.needsCrm && (
            <div className="setup-refs">
              <span className="muted">{t.refs.fetchedAt(formatDateTime(references.refs.fetchedAt))}</span>
              <button type="button" className="btn btn--small btn--ghost" disabled={references.loading} onClick={() => void references.reload(true)}>
                {references.loading && <span className="spinner spinner--small" aria-hidden="true" />}
                {t.refs.refresh}
              </button>
            </div>
          )}
          {step.groups.map((g, i) => {
            const shown = visibleFields(g, draft);
            if (shown.length === 0) return null;
            return (
              <section className="setup-group" key={g.title ?? i} aria-label={g.title}>
                {g.title && <h3 className="setup-group__title">{g.title}</h3>}
                {g.hint && <p className="setup-group__hint">{g.hint}</p>}
                <div className="setup-grid">
                  {shown.map((f) => (
                    <FieldView
                      key={f.testId}
                      field={f}
                      value={fieldPath(f) ? getPath(draft, fieldPath(f)!) : undefined}
                      onChange={(v) => setDraft((d) => setPath(d, fieldPath(f)!, v))}
                      error={errorOf(f)}
                      issues={issuesUnder.get(f.testId) ?? noIssues}
                      draft={draft}
                      refs={references.refs}
                      view={view}
                      secretDraft={f.kind === 'secret' ? (secrets[f.key] ?? null) : null}
                      onSecretDraft={(v) => f.kind === 'secret' && setSecrets((s) => ({ ...s, [f.key]: v }))}
                      onSecretClear={(k) => void clearSecret(k)}
                      busy={busy !== null}
                    />
                  ))}
                </div>
              </section>
            );
          })}
        </>
      )}

      {step.Live && !blocked && <step.Live view={view} draft={draft} dirty={dirty} />}
      {failure && !hiddenOnly && (
        <Alert tone="error" testId="save-error" onDismiss={() => setFailure(null)}>
          {allUnderFields ? t.saveFailedFields : failure.message}
        </Alert>
      )}
      {result && (
        <div className={`setup-result setup-result--${result.ok ? 'ok' : 'fail'}`} role={result.ok ? 'status' : 'alert'} data-testid="test-result" data-ok={result.ok}>
          <span className="setup-result__icon" aria-hidden="true" />
          <div className="setup-result__body">
            <strong>{result.ok ? t.testOk : t.testFailed}</strong>
            <span data-testid="test-message">{result.message}</span>
            {result.detail && (
              <details className="setup-result__details">
                <summary>{t.testDetails}</summary>
                <pre className="detail">{result.detail}</pre>
              </details>
            )}
          </div>
        </div>
      )}

      <div className="setup-actions">
        <div className="setup-actions__main">
          {!blocked && (
            <button type="submit" className={`btn${dirty ? ' btn--primary' : ''}`} disabled={busy !== null || !dirty} data-testid="save">
              {busy === 'save' && <span className="spinner spinner--small" aria-hidden="true" />}
              {busy === 'save' ? t.saving : t.save}
            </button>
          )}
          {step.testSystem && (
            <button type="button" className="btn" disabled={busy !== null} onClick={() => void onTest()} data-testid="test-connection" aria-busy={busy === 'test'}>
              {busy === 'test' && <span className="spinner spinner--small" aria-hidden="true" />}
              {busy === 'test' ? t.testing : t.test}
            </button>
          )}
          <span className="setup-actions__notice" role="status">
            {notice ?? (dirty && !blocked ? <span className="muted">{t.unsaved}</span> : null)}
          </span>
        </div>
        <div className="setup-actions__nav">
          {props.onBack && (
            <button type="button" className="btn btn--ghost" onClick={props.onBack} disabled={busy !== null}>
              {t.back}
            </button>
          )}
          {props.onNext && (
            <button type="button" className={`btn${dirty ? '' : ' btn--primary'}`} onClick={() => void onNext()} disabled={busy !== null} data-testid="next">
              {busy === 'next' && <span className="spinner spinner--small" aria-hidden="true" />}
              {t.next}
            </button>
          )}
        </div>
      </div>
    </form>
  );
}
