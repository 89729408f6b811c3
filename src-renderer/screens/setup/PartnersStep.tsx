import { useCallback, useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import type { z } from 'zod';
import type { StatuscheckPreview } from '../../../src-shared/api';
import type { statuscheckPartnerSchema, Settings } from '../../../src-shared/settings';
import { Alert } from '../../components/Alert';
import { toFailure, useApi, type Failure } from '../../hooks/useApi';
import { ru } from '../../i18n/ru';
import { proposeStatusMap } from './partnerStatusProposal';
import type { StepContext } from './types';

const t = ru.setup.partners;

type Partner = z.output<typeof statuscheckPartnerSchema>;
type Section = Settings['statuscheck'];
type Mode = 'processing' | 'accepted' | 'range';
type Request = Partner['request'];
const MODES: Mode[] = ['processing', 'accepted', 'range'];

/** Codes typed with commas ↔ a list. */
const toList = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const fromList = (l: readonly string[]) => l.join(', ');

/** «Имя: значение» lines ↔ header pairs; «имя=значение» lines ↔ data fields. */
function toPairs(text: string, sep: ':' | '='): Array<{ name: string; value: string }> {
  return text
    .split('\n')
    .map((line) => {
      const i = line.indexOf(sep);
      return i < 0 ? { name: line.trim(), value: '' } : { name: line.slice(0, i).trim(), value: line.slice(i + 1).trim() };
    })
    .filter((p) => p.name);
}
const fromPairs = (l: ReadonlyArray<{ name: string; value: string }>, sep: ':' | '=') => l.map((p) => `${p.name}${sep === ':' ? ': ' : '='}${p.value}`).join('\n');

/** «слово = 6» / «слово = accept» lines ↔ the partner's own status words. */
function toWords(text: string): Partner['statusWords'] {
  const out: Partner['statusWords'] = {};
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf('=');
    if (i < 0) continue;
    const word = line.slice(0, i).trim();
    const v = line.slice(i + 1).trim().toLowerCase();
    if (!word) continue;
    if (v === 'accept') out[word] = 'accept';
    else if (/^\d+$/.test(v)) out[word] = Number(v);
  }
  return out;
}
const fromWords = (w: Partner['statusWords']) => Object.entries(w).map(([k, v]) => `${k} = ${v}`).join('\n');

function Field(props: { label: string; hint?: string; wide?: boolean; testId: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className={`setup-field${props.wide ? ' setup-field--wide' : ''}`} data-testid={`field-${props.testId}`}>
      <label className="setup-field__label" htmlFor={id}>
        {props.label}
      </label>
      {props.children(id)}
      {props.hint && <p className="setup-field__hint">{props.hint}</p>}
    </div>
  );
}

/**
 * A textarea that keeps exactly what is typed (blank lines, a half-typed «Имя:») and hands the parsed value up;
 * it starts from the saved value and is remounted (by key) when another partner is shown.
 */
function TextBlock(props: { id: string; value: string; onChange(v: string): void; rows?: number; mono?: boolean }) {
  const [text, setText] = useState(props.value);
  return (
    <textarea
      id={props.id}
      className={`setup-input partners__text${props.mono ? ' partners__text--mono' : ''}`}
      rows={props.rows ?? 3}
      spellCheck={false}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        props.onChange(e.target.value);
      }}
    />
  );
}

function RequestEditor(props: { value: Request; onChange(r: Request): void; testId: string }) {
  const r = props.value;
  const set = (patch: Partial<Request>) => props.onChange({ ...r, ...patch });
  return (
    <div className="setup-grid">
      <Field label={t.method} testId={`${props.testId}-method`}>
        {(id) => (
          <select id={id} className="setup-select" value={r.method} onChange={(e) => set({ method: e.target.value as Request['method'] })}>
            <option value="GET">GET</option>
            <option value="POST">POST</option>
          </select>
        )}
      </Field>
      <Field label={t.bodyFormat} testId={`${props.testId}-body-format`}>
        {(id) => (
          <select id={id} className="setup-select" value={r.bodyFormat} onChange={(e) => set({ bodyFormat: e.target.value as Request['bodyFormat'] })}>
            <option value="form">{t.bodyFormats.form}</option>
            <option value="json">{t.bodyFormats.json}</option>
          </select>
        )}
      </Field>
      <Field label={t.url} wide testId={`${props.testId}-url`}>
        {(id) => <input id={id} className="setup-input" spellCheck={false} value={r.url} onChange={(e) => set({ url: e.target.value })} />}
      </Field>
      <Field label={t.headers} wide testId={`${props.testId}-headers`}>
        {(id) => <TextBlock id={id} mono rows={2} value={fromPairs(r.headers, ':')} onChange={(v) => set({ headers: toPairs(v, ':') })} />}
      </Field>
      <Field label={t.fields} wide hint={t.macrosHint} testId={`${props.testId}-fields`}>
        {(id) => <TextBlock id={id} mono rows={3} value={fromPairs(r.fields, '=')} onChange={(v) => set({ fields: toPairs(v, '=') })} />}
      </Field>
    </div>
  );
}

/**
 * «Партнёры (проверка статусов)»: partners with their own API, each a request template with macros, a JSONata
 * mapping and status tables; «Проверить сейчас» sends one real request and shows what would change, writing
 * nothing.
 */
export function PartnersStep(props: StepContext) {
  const api = useApi();
  const saved = props.view.values.statuscheck;
  const [draft, setDraft] = useState<Section>(saved);
  const [selected, setSelected] = useState<string | null>(saved.partners[0]?.id ?? null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [state, setState] = useState<'idle' | 'saving' | 'saved'>('idle');
  const [adding, setAdding] = useState({ template: 'json' as 'json' | 'retailcrm', name: '', id: '', url: '' });
  const [secretsSet, setSecretsSet] = useState<Record<string, boolean>>({});
  const [secretDrafts, setSecretDrafts] = useState<Record<string, string>>({});
  const [mode, setMode] = useState<Mode>('processing');
  const [preview, setPreview] = useState<StatuscheckPreview | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [previewFailure, setPreviewFailure] = useState<Failure | null>(null);

  const partner = draft.partners.find((p) => p.id === selected) ?? null;
  const statuses = props.references.refs?.statuses ?? null;

  const update = (fn: (p: Partner) => Partner) => {
    setState('idle');
    setDraft((d) => ({ ...d, partners: d.partners.map((p) => (p.id === selected ? fn(p) : p)) }));
  };

  const secretNames = useMemo(() => partner?.secrets ?? [], [partner?.secrets]);
  const loadSecrets = useCallback(async () => {
    if (!partner) return;
    try {
      const r = await api.call('statuscheck.secrets', { partner: partner.id, names: [...secretNames] });
      setSecretsSet(r.set);
    } catch {
      setSecretsSet({});
    }
  }, [api, partner, secretNames]);
  useEffect(() => {
    void loadSecrets();
  }, [loadSecrets]);

  const add = async () => {
    setFailure(null);
    try {
      const r = await api.call('statuscheck.template', { template: adding.template, id: adding.id.trim(), name: adding.name.trim(), url: adding.url.trim() });
      setDraft((d) => ({ ...d, enabled: true, partners: [...d.partners.filter((p) => p.id !== r.partner.id), { ...r.partner, enabled: true }] }));
      setSelected(r.partner.id);
      setAdding({ template: adding.template, name: '', id: '', url: '' });
      setPreview(null);
    } catch (err) {
      setFailure(toFailure(err));
    }
  };

  const save = async () => {
    setFailure(null);
    setState('saving');
    try {
      props.onView(await api.call('statuscheck.save', { values: draft }));
      setState('saved');
    } catch (err) {
      setFailure(toFailure(err));
      setState('idle');
    }
  };

  const saveSecret = async (name: string) => {
    if (!partner) return;
    const value = secretDrafts[name]?.trim();
    if (!value) return;
    try {
      const r = await api.call('statuscheck.setSecret', { partner: partner.id, name, value });
      setSecretsSet((s) => ({ ...s, ...r.set }));
      setSecretDrafts((s) => ({ ...s, [name]: '' }));
    } catch (err) {
      setFailure(toFailure(err));
    }
  };

  const runPreview = async () => {
    if (!partner) return;
    setPreviewFailure(null);
    setPreview(null);
    setPreviewing(true);
    try {
      setPreview(await api.call('statuscheck.preview', { partner, mode }));
    } catch (err) {
      setPreviewFailure(toFailure(err));
    } finally {
      setPreviewing(false);
    }
  };

  return (
    <div className="setup-form partners" data-testid="partners">
      <div className="setup-field setup-field--wide setup-toggle">
        <input
          id="partners-enabled"
          type="checkbox"
          role="switch"
          className="setup-toggle__switch"
          checked={draft.enabled}
          onChange={(e) => setDraft((d) => ({ ...d, enabled: e.target.checked }))}
          data-testid="partners-enabled"
        />
        <label htmlFor="partners-enabled" className="setup-toggle__label">
          {t.enabled}
        </label>
      </div>

      <section className="setup-group" aria-label={t.list}>
        <h3 className="setup-group__title">{t.list}</h3>
        {draft.partners.length === 0 ? (
          <p className="muted">{t.empty}</p>
        ) : (
          <div className="partners__list" role="tablist" aria-label={t.list}>
            {draft.partners.map((p) => (
              <button
                key={p.id}
                type="button"
                role="tab"
                aria-selected={p.id === selected}
                className={`btn btn--small${p.id === selected ? ' btn--primary' : ''}`}
                onClick={() => {
                  setSelected(p.id);
                  setPreview(null);
                }}
                data-testid={`partner-tab-${p.id}`}
              >
                {p.name} · {p.enabled ? t.on : t.off}
              </button>
            ))}
          </div>
        )}
        <div className="setup-grid partners__add" data-testid="partner-add">
          <Field label={t.template} testId="partner-template">
            {(id) => (
              <select id={id} className="setup-select" value={adding.template} onChange={(e) => setAdding({ ...adding, template: e.target.value as 'json' | 'retailcrm' })}>
                <option value="json">{t.templates.json}</option>
                <option value="retailcrm">{t.templates.retailcrm}</option>
              </select>
            )}
          </Field>
          <Field label={t.newName} testId="partner-new-name">
            {(id) => <input id={id} className="setup-input" value={adding.name} onChange={(e) => setAdding({ ...adding, name: e.target.value })} />}
          </Field>
          <Field label={t.newCode} testId="partner-new-code">
            {(id) => <input id={id} className="setup-input" spellCheck={false} value={adding.id} onChange={(e) => setAdding({ ...adding, id: e.target.value })} />}
          </Field>
          <Field label={t.newUrl} testId="partner-new-url">
            {(id) => <input id={id} className="setup-input" spellCheck={false} value={adding.url} onChange={(e) => setAdding({ ...adding, url: e.target.value })} />}
          </Field>
          <div className="setup-field setup-field--wide">
            <button type="button" className="btn" onClick={() => void add()} disabled={!adding.name.trim() || !adding.id.trim() || !adding.url.trim()} data-testid="partner-create">
              {t.create}
            </button>
          </div>
        </div>
      </section>

      {partner && (
        <>
          <section className="setup-group" aria-label={partner.name} data-testid="partner-editor" key={partner.id}>
            <div className="setup-field setup-field--wide setup-toggle">
              <input
                id="partner-on"
                type="checkbox"
                role="switch"
                className="setup-toggle__switch"
                checked={partner.enabled}
                onChange={(e) => update((p) => ({ ...p, enabled: e.target.checked }))}
              />
              <label htmlFor="partner-on" className="setup-toggle__label">
                {t.partnerOn}
              </label>
            </div>
            <h3 className="setup-group__title">{t.groupOrders}</h3>
            <div className="setup-grid">
              <Field label={t.newName} testId="partner-name">
                {(id) => <input id={id} className="setup-input" value={partner.name} onChange={(e) => update((p) => ({ ...p, name: e.target.value }))} />}
              </Field>
              <Field label={t.timezone} hint={t.timezoneHint} testId="partner-timezone">
                {(id) => <input id={id} className="setup-input" value={partner.timezone} onChange={(e) => update((p) => ({ ...p, timezone: e.target.value }))} />}
              </Field>
              <Field label={t.sites} testId="partner-sites">
                {(id) => <input id={id} className="setup-input" value={fromList(partner.holds.sites)} onChange={(e) => update((p) => ({ ...p, holds: { ...p.holds, sites: toList(e.target.value) } }))} />}
              </Field>
              <Field label={t.orderMethods} testId="partner-order-methods">
                {(id) => <input id={id} className="setup-input" value={fromList(partner.holds.orderMethods)} onChange={(e) => update((p) => ({ ...p, holds: { ...p.holds, orderMethods: toList(e.target.value) } }))} />}
              </Field>
              <Field label={t.idSource} testId="partner-id-source">
                {(id) => (
                  <select id={id} className="setup-select" value={partner.partnerId.source} onChange={(e) => update((p) => ({ ...p, partnerId: { ...p.partnerId, source: e.target.value as Partner['partnerId']['source'] } }))}>
                    {(Object.keys(t.idSources) as Array<keyof typeof t.idSources>).map((k) => (
                      <option key={k} value={k}>
                        {t.idSources[k]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {partner.partnerId.source === 'customField' && (
                <Field label={t.idField} testId="partner-id-field">
                  {(id) => <input id={id} className="setup-input" value={partner.partnerId.field ?? ''} onChange={(e) => update((p) => ({ ...p, partnerId: { ...p.partnerId, field: e.target.value.trim() || null } }))} />}
                </Field>
              )}
            </div>

            <h3 className="setup-group__title">{t.groupModes}</h3>
            <table className="setup-map__table partners__modes">
              <tbody>
                {MODES.map((m) => (
                  <tr key={m} data-testid={`partner-mode-${m}`}>
                    <td>
                      <label className="partners__mode">
                        <input type="checkbox" checked={partner.modes[m].enabled} onChange={(e) => update((p) => ({ ...p, modes: { ...p.modes, [m]: { ...p.modes[m], enabled: e.target.checked } } }))} />
                        <span>
                          <strong>{t.modes[m]}</strong>
                          <span className="setup-field__hint">{t.modeHints[m]}</span>
                        </span>
                      </label>
                    </td>
                    <td>
                      <label className="partners__num">
                        {t.every}
                        <input type="number" className="setup-input" min={1} value={partner.modes[m].intervalMin} onChange={(e) => update((p) => ({ ...p, modes: { ...p.modes, [m]: { ...p.modes[m], intervalMin: Number(e.target.value) } } }))} />
                      </label>
                    </td>
                    <td>
                      {m === 'range' ? (
                        <label className="partners__num">
                          {t.maxDays}
                          <input type="number" className="setup-input" min={1} value={partner.modes.range.maxDays} onChange={(e) => update((p) => ({ ...p, modes: { ...p.modes, range: { ...p.modes.range, maxDays: Number(e.target.value) } } }))} />
                        </label>
                      ) : (
                        <label className="partners__num">
                          {t.batch}
                          <input type="number" className="setup-input" min={1} value={partner.modes[m].batchSize} onChange={(e) => update((p) => ({ ...p, modes: { ...p.modes, [m]: { ...p.modes[m], batchSize: Number(e.target.value) } } }))} />
                        </label>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>

            <h3 className="setup-group__title">{t.groupRequest}</h3>
            <RequestEditor testId="partner-request" value={partner.request} onChange={(request) => update((p) => ({ ...p, request }))} />
            <div className="setup-field setup-field--wide setup-toggle">
              <input
                id="partner-range-request"
                type="checkbox"
                role="switch"
                className="setup-toggle__switch"
                checked={partner.rangeRequest !== null}
                onChange={(e) => update((p) => ({ ...p, rangeRequest: e.target.checked ? { ...p.request } : null }))}
              />
              <label htmlFor="partner-range-request" className="setup-toggle__label">
                {t.rangeRequest}
              </label>
            </div>
            {partner.rangeRequest && <RequestEditor testId="partner-range" value={partner.rangeRequest} onChange={(rangeRequest) => update((p) => ({ ...p, rangeRequest }))} />}

            <h3 className="setup-group__title">{t.secrets}</h3>
            <div className="setup-grid">
              <Field label={t.secretNames} wide testId="partner-secret-names">
                {(id) => <input id={id} className="setup-input" value={fromList(partner.secrets)} onChange={(e) => update((p) => ({ ...p, secrets: toList(e.target.value) }))} />}
              </Field>
              {partner.secrets.map((name) => (
                <Field key={name} label={`{secret:${name}} — ${secretsSet[name] ? t.secretSet : t.secretNotSet}`} testId={`partner-secret-${name}`}>
                  {(id) => (
                    <span className="partners__secret">
                      <input id={id} type="password" className="setup-input" autoComplete="off" value={secretDrafts[name] ?? ''} onChange={(e) => setSecretDrafts((s) => ({ ...s, [name]: e.target.value }))} />
                      <button type="button" className="btn btn--small" onClick={() => void saveSecret(name)} disabled={!secretDrafts[name]?.trim()} data-testid={`partner-secret-save-${name}`}>
                        {t.secretSave}
                      </button>
                    </span>
                  )}
                </Field>
              ))}
            </div>

            <h3 className="setup-group__title">{t.groupAnswer}</h3>
            <div className="setup-grid">
              <Field label={t.answerFormat} testId="partner-answer-format">
                {(id) => (
                  <select id={id} className="setup-select" value={partner.answerFormat} onChange={(e) => update((p) => ({ ...p, answerFormat: e.target.value as Partner['answerFormat'] }))}>
                    {(Object.keys(t.answerFormats) as Array<keyof typeof t.answerFormats>).map((k) => (
                      <option key={k} value={k}>
                        {t.answerFormats[k]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={t.rate} testId="partner-rate">
                {(id) => <input id={id} type="number" className="setup-input" min={0.1} step={0.1} value={partner.ratePerSec} onChange={(e) => update((p) => ({ ...p, ratePerSec: Number(e.target.value) }))} />}
              </Field>
              <Field label={t.expression} wide testId="partner-expression">
                {(id) => <TextBlock id={id} mono rows={3} value={partner.expression} onChange={(v) => update((p) => ({ ...p, expression: v }))} />}
              </Field>
            </div>

            <h3 className="setup-group__title">{t.groupStatuses}</h3>
            <p className="setup-group__hint">{t.statusMapHint}</p>
            {statuses && (
              <div>
                <button
                  type="button"
                  className="btn btn--small"
                  onClick={() => update((p) => ({ ...p, ...proposeStatusMap(statuses, p.statusMap, p.approveStatus) }))}
                  data-testid="partner-status-propose"
                >
                  {t.propose}
                </button>
              </div>
            )}
            <table className="setup-map__table" data-testid="partner-status-map">
              <thead>
                <tr>
                  <th scope="col">{t.colLead}</th>
                  <th scope="col">{t.colCrm}</th>
                </tr>
              </thead>
              <tbody>
                {t.leadStatuses.map((title, i) => {
                  const key = String(i + 1);
                  const value = partner.statusMap[key] ?? '';
                  const set = (v: string) =>
                    update((p) => {
                      const map = { ...p.statusMap };
                      if (v) map[key] = v;
                      else delete map[key];
                      return { ...p, statusMap: map };
                    });
                  return (
                    <tr key={key}>
                      <td>
                        {i + 1}. {title}
                      </td>
                      <td>
                        <StatusPick statuses={statuses} value={value} onChange={set} label={`${t.colCrm}: ${title}`} />
                      </td>
                    </tr>
                  );
                })}
                <tr>
                  <td>{t.approve}</td>
                  <td>
                    <StatusPick statuses={statuses} value={partner.approveStatus ?? ''} onChange={(v) => update((p) => ({ ...p, approveStatus: v || null }))} label={t.approve} />
                  </td>
                </tr>
              </tbody>
            </table>
            <div className="setup-grid">
              <Field label={t.words} wide testId="partner-words">
                {(id) => <TextBlock id={id} mono rows={2} value={fromWords(partner.statusWords)} onChange={(v) => update((p) => ({ ...p, statusWords: toWords(v) }))} />}
              </Field>
              <Field label={t.reasonTo} testId="partner-reason-to">
                {(id) => (
                  <select id={id} className="setup-select" value={partner.reasonTo.kind} onChange={(e) => update((p) => ({ ...p, reasonTo: { ...p.reasonTo, kind: e.target.value as Partner['reasonTo']['kind'] } }))}>
                    {(Object.keys(t.reasonTos) as Array<keyof typeof t.reasonTos>).map((k) => (
                      <option key={k} value={k}>
                        {t.reasonTos[k]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {partner.reasonTo.kind === 'field' && (
                <Field label={t.reasonField} testId="partner-reason-field">
                  {(id) => <input id={id} className="setup-input" value={partner.reasonTo.field ?? ''} onChange={(e) => update((p) => ({ ...p, reasonTo: { ...p.reasonTo, field: e.target.value.trim() || null } }))} />}
                </Field>
              )}
              <Field label={t.terminal} wide testId="partner-terminal">
                {(id) => <input id={id} className="setup-input" value={fromList(partner.terminalStatuses)} onChange={(e) => update((p) => ({ ...p, terminalStatuses: toList(e.target.value) }))} />}
              </Field>
            </div>
            <label className="partners__check">
              <input type="checkbox" checked={partner.keepRawInComment} onChange={(e) => update((p) => ({ ...p, keepRawInComment: e.target.checked }))} />
              {t.keepRaw}
            </label>
            <label className="partners__check">
              <input type="checkbox" checked={partner.writeTrack} onChange={(e) => update((p) => ({ ...p, writeTrack: e.target.checked }))} />
              {t.writeTrack}
            </label>
          </section>

          <section className="setup-group" aria-label={t.previewTitle} data-testid="partner-preview">
            <h3 className="setup-group__title">{t.previewTitle}</h3>
            <div className="partners__preview-bar">
              <select className="setup-select partners__preview-mode" aria-label={t.previewMode} value={mode} onChange={(e) => setMode(e.target.value as Mode)} data-testid="partner-preview-mode">
                {MODES.map((m) => (
                  <option key={m} value={m}>
                    {t.modes[m]}
                  </option>
                ))}
              </select>
              <button type="button" className="btn" onClick={() => void runPreview()} disabled={previewing} data-testid="partner-preview-run">
                {previewing ? t.previewing : t.preview}
              </button>
            </div>
            {previewFailure && (
              <Alert tone="error" testId="partner-preview-error">
                {previewFailure.message}
              </Alert>
            )}
            {preview && <PreviewView p={preview} />}
          </section>
        </>
      )}

      {failure && (
        <Alert tone="error" testId="partners-error">
          {failure.message}
        </Alert>
      )}
      <div className="setup-actions__main">
        <button type="button" className="btn btn--primary" onClick={() => void save()} disabled={state === 'saving'} data-testid="partners-save">
          {state === 'saving' ? t.saving : t.save}
        </button>
        {state === 'saved' && (
          <span className="muted" role="status" data-testid="partners-saved">
            {t.saved}
          </span>
        )}
      </div>
    </div>
  );
}

function StatusPick(props: { statuses: ReadonlyArray<{ code: string; name: string }> | null; value: string; onChange(v: string): void; label: string }) {
  if (!props.statuses) {
    return <input className="setup-input" aria-label={props.label} value={props.value} onChange={(e) => props.onChange(e.target.value.trim())} />;
  }
  const known = props.statuses.some((s) => s.code === props.value);
  return (
    <select className="setup-select" aria-label={props.label} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      <option value="">{t.keep}</option>
      {!known && props.value && <option value={props.value}>{ru.setup.notInCrm(props.value)}</option>}
      {props.statuses.map((s) => (
        <option key={s.code} value={s.code}>
          {s.name}
        </option>
      ))}
    </select>
  );
}

function PreviewView({ p }: { p: StatuscheckPreview }) {
  return (
    <div className="partners__result" data-testid="partner-preview-result">
      <Alert tone={p.changes.some((c) => c.willEdit) ? 'info' : 'warning'} testId="partner-preview-message">
        {p.message}
      </Alert>
      {p.request && (
        <>
          <h4 className="setup-map__title">{t.previewRequest}</h4>
          <pre className="partners__pre" data-testid="partner-preview-request">
            {[`${p.request.method} ${p.request.url}`, ...Object.entries(p.request.headers).map(([k, v]) => `${k}: ${v}`), p.request.body ? `\n${p.request.body}` : ''].join('\n').trim()}
          </pre>
          <h4 className="setup-map__title">{t.previewAnswer(p.status)}</h4>
          <pre className="partners__pre" data-testid="partner-preview-answer">
            {(p.answer ?? '').slice(0, 4000)}
          </pre>
        </>
      )}
      {p.rows.length > 0 && (
        <>
          <h4 className="setup-map__title">{t.previewRows}</h4>
          <table className="setup-map__table" data-testid="partner-preview-rows">
            <thead>
              <tr>
                <th scope="col">{t.colId}</th>
                <th scope="col">{t.colStatus}</th>
                <th scope="col">{t.colReason}</th>
                <th scope="col">{t.colComment}</th>
                <th scope="col">{t.colTrack}</th>
              </tr>
            </thead>
            <tbody>
              {p.rows.slice(0, 200).map((r, i) => (
                <tr key={`${r.id}-${i}`}>
                  <td>{r.id}</td>
                  <td>{r.status}</td>
                  <td>{r.reason}</td>
                  <td>{r.comment}</td>
                  <td>{r.track}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {p.invalid.length > 0 && (
        <Alert tone="warning" title={t.previewInvalid} testId="partner-preview-invalid">
          {p.invalid.map((x) => `${x.index + 1}: ${x.message}`).join('; ')}
        </Alert>
      )}
      {p.notAsked.length > 0 && <p className="muted" data-testid="partner-preview-not-asked">{t.previewNotAsked(p.notAsked.slice(0, 20).join(', '))}</p>}
      {p.changes.length > 0 && (
        <>
          <h4 className="setup-map__title">{t.previewChanges}</h4>
          <table className="setup-map__table" data-testid="partner-preview-changes">
            <thead>
              <tr>
                <th scope="col">{t.colOrder}</th>
                <th scope="col">{t.colPartnerId}</th>
                <th scope="col">{t.colSaid}</th>
                <th scope="col">{t.colRecognized}</th>
                <th scope="col">{t.colDecision}</th>
              </tr>
            </thead>
            <tbody>
              {p.changes.map((c) => (
                <tr key={c.partnerId} data-will-edit={c.willEdit}>
                  <td>{c.number}</td>
                  <td>{c.partnerId}</td>
                  <td>{c.said}</td>
                  <td>{c.recognized}</td>
                  <td>{c.decision}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
