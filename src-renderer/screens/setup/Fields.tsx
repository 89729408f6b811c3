import { useId, useState, type ReactNode } from 'react';
import type { CrmReferences, SettingsView } from '../../../src-shared/api';
import type { SecretKey } from '../../../src-shared/settings';
import { formatDateTime } from '../../i18n/format';
import { ru } from '../../i18n/ru';
import type { Field, RefBook } from './steps';

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

export interface FieldProps {
  field: Field;
  value: unknown;
  onChange(value: unknown): void;
  /** The engine's reason when it refused this field. */
  error: string | null;
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
    case 'ref': {
      const value = typeof p.value === 'string' ? p.value : '';
      const options = refOptions(p.refs, f.ref, [value]);
      return (
        <Frame id={id} label={f.label} hint={p.refs ? f.hint : t.refs.unavailable} testId={f.testId} error={p.error}>
          <select
            {...common}
            disabled={p.busy || !p.refs}
            className="setup-select"
            value={value}
            onChange={(e) => p.onChange(e.target.value === '' ? null : e.target.value)}
          >
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
  }
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
