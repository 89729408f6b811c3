import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { CrmReferences, SettingsView } from '../../../src-shared/api';
import type { SecretKey } from '../../../src-shared/settings';
import { Alert } from '../../components/Alert';
import { Loading } from '../../components/States';
import { toFailure, useApi, type Failure } from '../../hooks/useApi';
import { formatDateTime } from '../../i18n/format';
import { ru } from '../../i18n/ru';
import type { ChoiceOption, Field, RefBook, Values } from './steps';
import { LpRoleField, PosOutletsField } from './PosOutlets';
import { Copyable } from './TriggersStep';

const t = ru.setup;

type Option = { value: string; label: string };

/** Dropdown options from a reference book; a saved code RetailCRM no longer has stays visible, marked. */
export function refOptions(refs: CrmReferences | null, book: RefBook, keep: readonly string[] = []): Option[] {
  const items = refs ? refs[book] : [];
  const options: Option[] = items.map((i) => ({ value: i.code, label: i.active ? i.name : t.inactive(i.name) }));
  for (const code of keep) {
    if (code && !options.some((o) => o.value === code)) options.push({ value: code, label: t.notInCrm(code) });
  }
  return options;
}

/** Label, control, hint: the frame of every field. */
function Frame(props: {
  id: string;
  label: string;
  hint?: string | undefined;
  wide?: boolean | undefined;
  testId: string;
  /** Why the engine refused the value, under the field. */
  error?: string | null | undefined;
  children: ReactNode;
  asGroup?: boolean;
  /** Nothing to type (a saved secret): the title is text, not a label. */
  plain?: boolean;
}) {
  const hintId = `${props.id}-hint`;
  const className = `setup-field${props.wide ? ' setup-field--wide' : ''}`;
  const hint =
    props.hint || props.error ? (
      <p className="setup-field__hint" id={hintId}>
        {props.error && (
          <span className="setup-field__error" data-testid="field-error">
            {props.error}
          </span>
        )}
        {props.hint}
      </p>
    ) : null;
  if (props.asGroup) {
    return (
      <fieldset className={`${className} setup-field--group`} data-testid={`field-${props.testId}`} aria-describedby={props.hint ? hintId : undefined}>
        <legend className="setup-field__label">{props.label}</legend>
        {hint}
        {props.children}
      </fieldset>
    );
  }
  return (
    <div className={className} data-testid={`field-${props.testId}`}>
      {props.plain ? (
        <span className="setup-field__label">{props.label}</span>
      ) : (
        <label className="setup-field__label" htmlFor={props.id}>
          {props.label}
        </label>
      )}
      {props.children}
      {hint}
    </div>
  );
}

/** What the engine refused; `path` is relative to the field that shows it. */
export interface FieldIssue {
  path: string;
  message: string;
}

export interface FieldProps {
  field: Field;
  value: unknown;
  onChange(value: unknown): void;
  /** The engine's reason when it refused this field. */
  error: string | null;
  /** Refusals inside a composite value (a record of a list), with paths relative to the field. */
  issues: readonly FieldIssue[];
  /** The step's unsaved values: choices may depend on them (a profile added above). */
  draft: Values;
  refs: CrmReferences | null;
  view: SettingsView;
  /** Typed but not yet saved secret values; `null` = the secret is not being edited. */
  secretDraft: string | null;
  onSecretDraft(value: string | null): void;
  onSecretClear(key: SecretKey): void;
  busy: boolean;
}

export function FieldView(p: FieldProps) {
  const id = useId();
  const f = p.field;
  const invalid = p.error !== null;
  const describedBy = f.hint || invalid ? `${id}-hint` : undefined;
  const common = { id, 'aria-invalid': invalid || undefined, 'aria-describedby': describedBy, disabled: p.busy };

  switch (f.kind) {
    case 'text':
      return (
        <Frame id={id} label={f.label} hint={f.hint} wide={f.wide} testId={f.testId} error={p.error}>
          <input
            {...common}
            className="setup-input"
            type={f.type ?? 'text'}
            value={typeof p.value === 'string' ? p.value : ''}
            placeholder={f.placeholder}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => p.onChange(f.nullable && e.target.value.trim() === '' ? null : e.target.value)}
          />
        </Frame>
      );
    case 'textList':
      return (
        <Frame id={id} label={f.label} hint={f.hint} wide testId={f.testId} error={p.error}>
          <input
            {...common}
            className="setup-input"
            type="text"
            value={Array.isArray(p.value) ? (p.value as unknown[]).join(', ') : typeof p.value === 'string' ? p.value : ''}
            placeholder={f.placeholder}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => p.onChange(e.target.value)}
          />
        </Frame>
      );
    case 'number':
      return (
        <Frame id={id} label={f.label} hint={f.hint} testId={f.testId} error={p.error}>
          <span className="setup-number">
            <NumberInput {...common} value={p.value} nullable={!!f.nullable} step={f.step} min={f.min} max={f.max} onChange={p.onChange} />
            {f.unit && <span className="setup-number__unit">{f.unit}</span>}
          </span>
        </Frame>
      );
    case 'toggle':
      return (
        <div className="setup-field setup-field--wide setup-toggle" data-testid={`field-${f.testId}`}>
          <input
            {...common}
            type="checkbox"
            role="switch"
            className="setup-toggle__switch"
            checked={p.value === true}
            onChange={(e) => p.onChange(e.target.checked)}
          />
          <label htmlFor={id} className="setup-toggle__label">
            {f.label}
          </label>
          {f.hint && (
            <p className="setup-field__hint setup-toggle__hint" id={`${id}-hint`}>
              {f.hint}
            </p>
          )}
        </div>
      );
    case 'choice':
      return (
        <Frame id={id} label={f.label} hint={f.hint} testId={f.testId} error={p.error}>
          <select {...common} className="setup-select" value={String(p.value ?? '')} onChange={(e) => p.onChange(e.target.value)}>
            {f.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </Frame>
      );
    case 'cards':
      return (
        <Frame id={id} label={f.label} hint={f.hint} testId={f.testId} error={p.error} wide asGroup>
          <div className="setup-cards" role="radiogroup" aria-label={f.label}>
            {f.options.map((o) => {
              const checked = p.value === o.value;
              return (
                <label key={o.value} className={`setup-card${checked ? ' setup-card--checked' : ''}`} data-testid={`option-${o.value}`}>
                  <input
                    type="radio"
                    className="setup-card__radio"
                    name={id}
                    value={o.value}
                    checked={checked}
                    disabled={p.busy}
                    aria-labelledby={`${id}-${o.value}-label`}
                    aria-describedby={`${id}-${o.value}-text`}
                    onChange={() => p.onChange(o.value)}
                  />
                  <span className="setup-card__body">
                    <span className="setup-card__label" id={`${id}-${o.value}-label`}>
                      {o.label}
                    </span>
                    <span className="setup-card__text" id={`${id}-${o.value}-text`}>
                      {o.text}
                    </span>
                  </span>
                </label>
              );
            })}
          </div>
        </Frame>
      );
    case 'ref': {
      const value = typeof p.value === 'string' ? p.value : '';
      const options = refOptions(p.refs, f.ref, [value]);
      const required = f.emptyLabel === undefined;
      return (
        <Frame id={id} label={f.label} hint={p.refs ? f.hint : t.refs.unavailable} testId={f.testId} error={p.error}>
          <select
            {...common}
            disabled={p.busy || !p.refs}
            className="setup-select"
            value={value}
            onChange={(e) => p.onChange(e.target.value === '' ? null : e.target.value)}
          >
            {!required && <option value="">{f.emptyLabel}</option>}
            {required && value === '' && <option value="" disabled />}
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </Frame>
      );
    }
    case 'refList':
      return (
        <Frame id={id} label={f.label} hint={f.hint} testId={f.testId} error={p.error} wide asGroup>
          <RefList id={id} value={Array.isArray(p.value) ? (p.value as string[]) : []} refs={p.refs} book={f.ref} label={f.label} invalid={invalid} busy={p.busy} onChange={p.onChange} />
        </Frame>
      );
    case 'refMap':
      return (
        <Frame id={id} label={f.label} hint={f.hint} testId={f.testId} error={p.error} wide asGroup>
          <RefMap value={(p.value ?? {}) as Record<string, string>} rows={f.rows} column={f.column ?? t.statusMap.colMeasoft} refs={p.refs} book={f.ref} busy={p.busy} onChange={p.onChange} />
        </Frame>
      );
    case 'secret':
      return <SecretField {...p} id={id} field={f} />;
    case 'pick': {
      const value = typeof p.value === 'string' ? p.value : '';
      const options = withMissing(f.choices({ draft: p.draft, view: p.view }), [value]);
      return (
        <Frame id={id} label={f.label} hint={f.hint} testId={f.testId} error={p.error}>
          <select {...common} className="setup-select" value={value} onChange={(e) => p.onChange(e.target.value === '' ? null : e.target.value)}>
            <option value="">{f.emptyLabel}</option>
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </Frame>
      );
    }
    case 'records':
      return (
        <Frame id={id} label={f.label} hint={f.hint} testId={f.testId} error={p.error} wide asGroup>
          <Records {...p} field={f} />
        </Frame>
      );
    case 'codeMap':
      return (
        <Frame id={id} label={f.label} hint={f.hint} testId={f.testId} error={p.error} wide asGroup>
          <CodeMap {...p} field={f} />
        </Frame>
      );
    case 'webhook':
      return <WebhookField id={id} field={f} view={p.view} />;
    case 'posOutlets':
      return (
        <Frame id={id} label={f.label} hint={f.hint} testId={f.testId} error={p.error} wide asGroup>
          <PosOutletsField field={f} value={p.value} onChange={p.onChange} busy={p.busy} view={p.view} />
        </Frame>
      );
    case 'lpRole':
      return (
        <Frame id={id} label={f.label} hint={f.hint} testId={f.testId} error={p.error}>
          <LpRoleField id={id} describedBy={describedBy} field={f} value={p.value} onChange={p.onChange} busy={p.busy} view={p.view} />
        </Frame>
      );
  }
}

/** Choices plus any saved value that is no longer among them, marked, so nothing is silently changed. */
function withMissing(options: ChoiceOption[], keep: readonly string[]): ChoiceOption[] {
  const out = [...options];
  for (const v of keep) if (v && !out.some((o) => o.value === v)) out.push({ value: v, label: t.codeMap.missing(v) });
  return out;
}

/**
 * A list of records edited in place: each shows its title and summary, «Изменить» opens its fields, «Удалить»
 * takes it out of the draft. A record the engine refused opens by itself with the reasons under its fields.
 */
function Records(p: FieldProps & { field: Extract<Field, { kind: 'records' }> }) {
  const f = p.field;
  const list = Array.isArray(p.value) ? (p.value as Values[]) : [];
  const keyOf = (rec: Values, i: number) => (typeof rec[f.idKey] === 'string' ? (rec[f.idKey] as string) : `#${i}`);
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const [seen, setSeen] = useState(p.issues);
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const issuesOf = (i: number) => p.issues.filter((x) => x.path === String(i) || x.path.startsWith(`${i}.`));

  // New refusals from the engine open the records they concern.
  if (seen !== p.issues) {
    setSeen(p.issues);
    const hit = list.filter((_, i) => issuesOf(i).length > 0).map(keyOf);
    if (hit.length) setOpen((o) => new Set([...o, ...hit]));
  }

  useEffect(() => {
    if (!focusKey) return;
    root.current?.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusKey)}"] input, [data-key="${CSS.escape(focusKey)}"] select`)?.focus();
    setFocusKey(null);
  }, [focusKey]);

  const toggle = (key: string) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(key)) n.delete(key);
      else n.add(key);
      return n;
    });
  const update = (i: number, path: string, v: unknown) => p.onChange(list.map((rec, j) => (j === i ? { ...rec, [path]: v } : rec)));
  const add = () => {
    const rec = f.newRecord(list);
    const key = keyOf(rec, list.length);
    p.onChange([...list, rec]);
    setOpen((o) => new Set(o).add(key));
    setFocusKey(key);
  };
  const remove = (i: number) => {
    p.onChange(list.filter((_, j) => j !== i));
    addButton.current?.focus();
  };

  return (
    <div className="setup-records" ref={root}>
      {list.length === 0 ? (
        <p className="setup-records__empty">{f.emptyText}</p>
      ) : (
        <ul className="setup-records__list">
          {list.map((rec, i) => {
            const key = keyOf(rec, i);
            const expanded = open.has(key);
            const title = f.title(rec);
            const summary = f.summary(rec);
            const recIssues = issuesOf(i);
            const bodyId = `${key}-fields`;
            return (
              <li key={key} className={`setup-record${recIssues.length ? ' setup-record--invalid' : ''}`} data-key={key} data-testid="record">
                <div className="setup-record__head">
                  <div className="setup-record__text">
                    <span className="setup-record__title" data-testid="record-title">
                      {title}
                    </span>
                    {summary && <span className="setup-record__summary">{summary}</span>}
                    {recIssues.length > 0 && <span className="setup-record__flag">{t.records.hasErrors}</span>}
                  </div>
                  <div className="setup-record__actions">
                    <button
                      type="button"
                      className="btn btn--small"
                      aria-expanded={expanded}
                      aria-controls={bodyId}
                      aria-label={expanded ? t.records.collapseAria(title) : t.records.editAria(title)}
                      onClick={() => toggle(key)}
                    >
                      {expanded ? t.records.collapse : t.records.edit}
                    </button>
                    <button type="button" className="btn btn--small btn--ghost setup-record__remove" aria-label={t.records.removeAria(title)} disabled={p.busy} onClick={() => remove(i)}>
                      {t.records.remove}
                    </button>
                  </div>
                </div>
                {expanded && (
                  <div className="setup-grid setup-record__fields" id={bodyId}>
                    {f.fields.map((sf) => {
                      const hit = recIssues.find((x) => x.path === `${i}.${sf.path}` || x.path.startsWith(`${i}.${sf.path}.`));
                      return (
                        <FieldView
                          key={sf.testId}
                          field={sf}
                          value={rec[sf.path]}
                          onChange={(v) => update(i, sf.path, v)}
                          error={hit ? hit.message || t.saveFailed : null}
                          issues={[]}
                          draft={p.draft}
                          refs={p.refs}
                          view={p.view}
                          secretDraft={null}
                          onSecretDraft={() => undefined}
                          onSecretClear={() => undefined}
                          busy={p.busy}
                        />
                      );
                    })}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <button type="button" className="btn btn--small setup-records__add" ref={addButton} disabled={p.busy} onClick={add} data-testid="record-add">
        <span aria-hidden="true">+</span> {f.addLabel}
      </button>
    </div>
  );
}

/**
 * Codes → a choice, as a table. Reference-book codes are all rows (empty = not mapped); typed codes are
 * added with «Добавить» and removed per row.
 */
function CodeMap(p: FieldProps & { field: Extract<Field, { kind: 'codeMap' }> }) {
  const f = p.field;
  const value = (p.value && typeof p.value === 'object' ? p.value : {}) as Record<string, string>;
  const choices = f.choices({ draft: p.draft, view: p.view });
  const options = withMissing(choices, Object.values(value));
  const typed = 'typed' in f.keys ? f.keys.typed : null;
  const rows: Array<{ code: string; title: string }> =
    'ref' in f.keys ? refOptions(p.refs, f.keys.ref, Object.keys(value)).map((o) => ({ code: o.value, title: o.label })) : Object.keys(value).map((code) => ({ code, title: code }));
  const [text, setText] = useState('');
  const [dup, setDup] = useState(false);
  const inputId = useId();

  const set = (code: string, v: string) => {
    const next = { ...value };
    if (v) next[code] = v;
    else delete next[code];
    p.onChange(next);
  };
  const add = () => {
    const code = text.trim();
    if (!code) return;
    if (code in value) {
      setDup(true);
      return;
    }
    p.onChange({ ...value, [code]: choices[0]?.value ?? '' });
    setText('');
  };

  return (
    <div className="setup-map">
      {choices.length === 0 && <p className="setup-map__note">{f.noChoices}</p>}
      {rows.length === 0 ? (
        <p className="setup-map__empty">{'ref' in f.keys && !p.refs ? t.refs.unavailable : t.codeMap.empty}</p>
      ) : (
        <table className="setup-map__table">
          <thead>
            <tr>
              <th scope="col">{f.column}</th>
              <th scope="col">{f.valueColumn}</th>
              {typed && (
                <th scope="col">
                  <span className="visually-hidden">{t.records.remove}</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const v = value[row.code] ?? '';
              return (
                <tr key={row.code} data-testid={`map-${row.code}`} className={v ? 'setup-map__row--set' : undefined}>
                  <th scope="row">
                    {typed ? (
                      <code className="setup-map__typed">{row.code}</code>
                    ) : (
                      <>
                        <span className="setup-map__title">{row.title}</span>
                        <code className="setup-map__code">{row.code}</code>
                      </>
                    )}
                  </th>
                  <td>
                    <select className="setup-select" aria-label={t.codeMap.selectAria(row.title)} value={v} disabled={p.busy} onChange={(e) => set(row.code, e.target.value)}>
                      {(!typed || v === '') && <option value="">{f.emptyLabel}</option>}
                      {options.map((o) => (
                        <option key={o.value} value={o.value}>
                          {o.label}
                        </option>
                      ))}
                    </select>
                  </td>
                  {typed && (
                    <td className="setup-map__remove">
                      <button type="button" className="btn btn--small btn--ghost" aria-label={t.codeMap.remove(row.code)} disabled={p.busy} onClick={() => set(row.code, '')}>
                        ×
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {typed && (
        <div className="setup-map__add">
          <label className="visually-hidden" htmlFor={inputId}>
            {typed.label}
          </label>
          <input
            id={inputId}
            className="setup-input"
            type="text"
            value={text}
            placeholder={typed.placeholder}
            spellCheck={false}
            autoComplete="off"
            disabled={p.busy || choices.length === 0}
            aria-invalid={dup || undefined}
            onChange={(e) => {
              setText(e.target.value);
              setDup(false);
            }}
            onKeyDown={(e) => {
              // Enter adds the code instead of submitting the form.
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
          <button type="button" className="btn btn--small" disabled={p.busy || choices.length === 0 || text.trim() === ''} onClick={add} aria-label={t.codeMap.addAria(typed.label)}>
            {t.codeMap.add}
          </button>
          {dup && (
            <span className="setup-field__error" role="alert">
              {t.codeMap.duplicate}
            </span>
          )}
        </div>
      )}
    </div>
  );
}

function isLocal(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** The address a sender posts to, read from the engine (it holds the secret in it), with a copy button. */
function WebhookField(props: { id: string; field: Extract<Field, { kind: 'webhook' }>; view: SettingsView }) {
  const api = useApi();
  const { field: f, view } = props;
  const [url, setUrl] = useState<string | null | undefined>(undefined);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [attempt, setAttempt] = useState(0);

  // Read again whenever the settings change: a new public address changes the URL.
  useEffect(() => {
    let live = true;
    api.call('setup.webhooks', {}).then(
      (r) => {
        if (!live) return;
        setUrl(r[f.source]);
        setFailure(null);
      },
      (err: unknown) => {
        if (live) setFailure(toFailure(err));
      },
    );
    return () => {
      live = false;
    };
  }, [api, f.source, view, attempt]);

  return (
    <Frame id={props.id} label={f.label} hint={url ? f.hint : undefined} testId={f.testId} wide plain>
      {failure ? (
        <Alert tone="error" title={t.webhook.failed} onRetry={() => setAttempt((a) => a + 1)}>
          {failure.message}
        </Alert>
      ) : url === undefined ? (
        <Loading label={t.webhook.loading} />
      ) : url === null ? (
        <Alert tone="warning">{t.webhook.none}</Alert>
      ) : (
        <>
          <Copyable value={url} what={f.label} testId="webhook-url" block />
          {isLocal(url) && (
            <Alert tone="warning" testId="webhook-local">
              {t.webhook.local}
            </Alert>
          )}
        </>
      )}
    </Frame>
  );
}

/** Keeps what the merchant types (a half-typed «0,» too); the draft gets a number, null, or the raw text to reject. */
function NumberInput(props: {
  id: string;
  value: unknown;
  nullable: boolean;
  step?: number | undefined;
  min?: number | undefined;
  max?: number | undefined;
  disabled: boolean;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
  onChange(v: unknown): void;
}) {
  const { value, nullable, onChange, ...rest } = props;
  const shown = typeof value === 'number' ? String(value).replace('.', ',') : typeof value === 'string' ? value : '';
  const [text, setText] = useState(shown);
  const [last, setLast] = useState(value);
  // A value from outside (saved and normalised by the engine) replaces what is typed.
  if (value !== last) {
    setLast(value);
    if (parseNumber(text) !== value) setText(shown);
  }
  return (
    <input
      {...rest}
      className="setup-input setup-input--number"
      type="text"
      inputMode="decimal"
      autoComplete="off"
      value={text}
      onChange={(e) => {
        const next = e.target.value;
        setText(next);
        const parsed = next.trim() === '' ? (nullable ? null : next) : parseNumber(next);
        const out = parsed ?? (nullable ? null : next);
        setLast(out);
        onChange(out);
      }}
    />
  );
}

function parseNumber(text: string): number | null {
  const n = Number(text.trim().replace(',', '.'));
  return text.trim() !== '' && Number.isFinite(n) ? n : null;
}

function RefList(props: {
  id: string;
  value: string[];
  refs: CrmReferences | null;
  book: RefBook;
  label: string;
  invalid: boolean;
  busy: boolean;
  onChange(v: string[]): void;
}) {
  const options = refOptions(props.refs, props.book, props.value);
  const name = (code: string) => options.find((o) => o.value === code)?.label ?? code;
  const rest = options.filter((o) => !props.value.includes(o.value));
  return (
    <div className="setup-chips" aria-invalid={props.invalid || undefined}>
      {props.value.length === 0 && <span className="setup-chips__empty">{t.list.empty}</span>}
      {props.value.map((code) => (
        <span className="setup-chip" key={code} data-code={code} data-testid="chip">
          {name(code)}
          <button
            type="button"
            className="setup-chip__remove"
            aria-label={t.list.remove(name(code))}
            disabled={props.busy}
            onClick={() => props.onChange(props.value.filter((c) => c !== code))}
          >
            ×
          </button>
        </span>
      ))}
      <select
        className="setup-select setup-chips__add"
        aria-label={`${props.label}: ${t.list.add}`}
        value=""
        disabled={props.busy || rest.length === 0}
        onChange={(e) => e.target.value && props.onChange([...props.value, e.target.value])}
      >
        <option value="">{t.list.add}</option>
        {rest.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function RefMap(props: {
  value: Record<string, string>;
  rows: ReadonlyArray<{ code: string; title: string; common: boolean }>;
  /** Heads the column of our codes. */
  column: string;
  refs: CrmReferences | null;
  book: RefBook;
  busy: boolean;
  onChange(v: Record<string, string>): void;
}) {
  const [all, setAll] = useState(false);
  const options = refOptions(props.refs, props.book, Object.values(props.value));
  const shown = props.rows.filter((r) => all || r.common || props.value[r.code]);
  const hidden = props.rows.length - shown.length;
  return (
    <div className="setup-map">
      <table className="setup-map__table">
        <thead>
          <tr>
            <th scope="col">{props.column}</th>
            <th scope="col">{t.statusMap.colCrm}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => {
            const value = props.value[row.code] ?? '';
            return (
              <tr key={row.code} data-testid={`map-${row.code}`} className={value ? 'setup-map__row--set' : undefined}>
                <th scope="row">
                  <span className="setup-map__title">{row.title}</span>
                  <code className="setup-map__code">{row.code}</code>
                </th>
                <td>
                  <select
                    className="setup-select"
                    aria-label={t.statusMap.selectAria(row.title)}
                    value={value}
                    disabled={props.busy}
                    onChange={(e) => {
                      const next = { ...props.value };
                      if (e.target.value) next[row.code] = e.target.value;
                      else delete next[row.code];
                      props.onChange(next);
                    }}
                  >
                    <option value="">{t.statusMap.keep}</option>
                    {options.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {(hidden > 0 || all) && (
        <button type="button" className="btn btn--small btn--ghost setup-map__more" onClick={() => setAll((a) => !a)}>
          {all ? t.statusMap.showCommon : t.statusMap.showAll(hidden)}
        </button>
      )}
    </div>
  );
}

/** Write-only: once saved only «ключ сохранён» is shown, with «Заменить» to type a new one. */
function SecretField(p: FieldProps & { id: string; field: Extract<Field, { kind: 'secret' }> }) {
  const f = p.field;
  const state = p.view.secrets[f.key];
  const editing = p.secretDraft !== null || !state?.set;
  return (
    <Frame id={p.id} label={f.label} hint={editing ? (f.hint ?? t.secret.hint) : undefined} testId={f.testId} error={p.error} plain={!editing}>
      {editing ? (
        <span className="setup-secret">
          <input
            id={p.id}
            className="setup-input"
            type="password"
            autoComplete="new-password"
            spellCheck={false}
            placeholder={t.secret.placeholder}
            value={p.secretDraft ?? ''}
            aria-invalid={p.error !== null || undefined}
            aria-describedby={`${p.id}-hint`}
            disabled={p.busy}
            onChange={(e) => p.onSecretDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape' && state?.set) p.onSecretDraft(null);
            }}
          />
          {state?.set && (
            <button type="button" className="btn btn--small btn--ghost" disabled={p.busy} onClick={() => p.onSecretDraft(null)}>
              {t.secret.cancel}
            </button>
          )}
        </span>
      ) : (
        <span className="setup-secret--saved" data-testid="secret-saved">
          <span className="setup-secret">
            <span className="setup-secret__state">
              <span className="setup-secret__dot" aria-hidden="true" />
              {f.savedText ?? t.secret.saved}
            </span>
            <button type="button" className="btn btn--small" disabled={p.busy} onClick={() => p.onSecretDraft('')}>
              {t.secret.replace}
            </button>
            <button type="button" className="btn btn--small btn--ghost setup-secret__remove" disabled={p.busy} onClick={() => p.onSecretClear(f.key)}>
              {t.secret.remove}
            </button>
          </span>
          {state.updatedAt !== null && <span className="setup-field__hint">{t.secret.savedAt(formatDateTime(state.updatedAt))}</span>}
        </span>
      )}
    </Frame>
  );
}
