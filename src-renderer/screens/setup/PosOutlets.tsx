import { useEffect, useRef, useState } from 'react';
import type { PosOutlets, SettingsView } from '../../../src-shared/api';
import { Alert } from '../../components/Alert';
import { Loading } from '../../components/States';
import { toFailure, useApi, type Failure } from '../../hooks/useApi';
import { ru } from '../../i18n/ru';
import type { Field } from './steps';

const t = ru.setup.posOutlets;

type Map = Record<string, string>;

const reloads = new EventTarget();

/**
 * Both accounts' references as the engine matched them: read again whenever the saved connection settings change
 * (steps stay mounted, so the LIFE POS step saved a moment ago must show here), and on «Обновить».
 */
function usePosOutlets(view: SettingsView): { data: PosOutlets | null; failure: Failure | null; loading: boolean; reload(): void } {
  const api = useApi();
  const [data, setData] = useState<PosOutlets | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  // «Обновить» under one table reloads every field that shows these references.
  useEffect(() => {
    const again = () => setRound((n) => n + 1);
    reloads.addEventListener('reload', again);
    return () => reloads.removeEventListener('reload', again);
  }, []);
  const connection = JSON.stringify([view.values.lifepos, view.values.retailcrm, view.secrets['lifepos.password'], view.secrets['retailcrm.apiKey']]);
  useEffect(() => {
    let live = true;
    setLoading(true);
    api
      .call('pos.outlets', { refresh: round > 0 })
      .then((r) => live && (setData(r), setFailure(null)))
      .catch((e: unknown) => live && setFailure(toFailure(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [api, round, connection]);
  return { data, failure, loading, reload: () => reloads.dispatchEvent(new Event('reload')) };
}

interface Props {
  field: Extract<Field, { kind: 'posOutlets' | 'lpRole' }>;
  value: unknown;
  onChange(value: unknown): void;
  busy: boolean;
  view: SettingsView;
}

/**
 * The outlet each RetailCRM site (магазин) or store (склад) sells through: every site with its INN and legal
 * entity; where that legal entity has several outlets, the merchant picks one, proposed by name. A proposal the
 * merchant has not answered is filled into the draft, marked, so saving accepts it and changing it is one click.
 */
export function PosOutletsField(p: Props & { field: Extract<Field, { kind: 'posOutlets' }> }) {
  const { data, failure, loading, reload } = usePosOutlets(p.view);
  const value = (p.value && typeof p.value === 'object' ? p.value : {}) as Map;
  const proposedFrom = useRef<PosOutlets | null>(null);
  const level = p.field.level;

  useEffect(() => {
    if (!data || proposedFrom.current === data) return;
    proposedFrom.current = data;
    const rows = level === 'site' ? data.sites.map((s) => [s.site, s.proposedGuid] as const) : data.stores.map((s) => [s.store, s.proposedGuid] as const);
    const add = Object.fromEntries(rows.filter(([code, g]) => g && !value[code]));
    if (Object.keys(add).length) p.onChange({ ...value, ...add });
  }, [data, level, p, value]);

  if (loading && !data) return <Loading label={t.loading} />;
  if (failure) {
    return (
      <Alert tone="error" title={t.failed} onRetry={reload} testId="pos-outlets-failed">
        {failure.message}
      </Alert>
    );
  }
  if (!data) return null;
  const set = (code: string, guid: string) => {
    const next = { ...value };
    if (guid) next[code] = guid;
    else delete next[code];
    p.onChange(next);
  };
  const proposedMark = (guid: string | null, v: string) => (guid && v === guid ? <span className="setup-map__proposed" data-testid="proposed">{t.proposed}</span> : null);

  if (level === 'site') {
    return (
      <div className="setup-map">
        <table className="setup-map__table setup-map__table--outlets">
          <thead>
            <tr>
              <th scope="col">{t.colSite}</th>
              <th scope="col">{t.colInn}</th>
              <th scope="col">{t.colOutlet}</th>
            </tr>
          </thead>
          <tbody>
            {data.sites.map((s) => {
              const v = value[s.site] ?? '';
              return (
                <tr key={s.site} data-testid={`outlet-site-${s.site}`} className={s.outlets.length ? 'setup-map__row--set' : undefined}>
                  <th scope="row">
                    <span className="setup-map__title">{s.siteName}</span>
                    <code className="setup-map__code">{s.site}</code>
                  </th>
                  <td>
                    {s.inn ?? t.noInn}
                    {s.legalName && <span className="setup-map__legal">{s.legalName}</span>}
                  </td>
                  <td>
                    {s.outlets.length === 0 && <span className="setup-field__error">{s.problem}</span>}
                    {s.outlets.length === 1 && <span data-testid="outlet-only">{s.outlets[0]!.name}</span>}
                    {s.outlets.length > 1 && (
                      <>
                        <select className="setup-select" aria-label={t.siteAria(s.siteName)} value={v} disabled={p.busy} onChange={(e) => set(s.site, e.target.value)}>
                          <option value="">{t.byStore}</option>
                          {s.outlets.map((o) => (
                            <option key={o.guid} value={o.guid}>
                              {o.name}
                            </option>
                          ))}
                        </select>
                        {proposedMark(s.proposedGuid, v)}
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <button type="button" className="btn btn--small btn--ghost" onClick={reload} disabled={loading}>
          {t.reload}
        </button>
      </div>
    );
  }

  const multi = data.sites.filter((s) => s.outlets.length > 1);
  if (multi.length === 0) return <p className="setup-map__empty">{t.storesNotNeeded}</p>;
  const options = multi.flatMap((s) => s.outlets.map((o) => ({ guid: o.guid, label: multi.length > 1 ? `${o.name} — ${s.siteName}` : o.name })));
  return (
    <div className="setup-map">
      <table className="setup-map__table setup-map__table--outlets">
        <thead>
          <tr>
            <th scope="col">{t.colStore}</th>
            <th scope="col">{t.colOutlet}</th>
          </tr>
        </thead>
        <tbody>
          {data.stores.map((st) => {
            const v = value[st.store] ?? '';
            return (
              <tr key={st.store} data-testid={`outlet-store-${st.store}`} className={v ? 'setup-map__row--set' : undefined}>
                <th scope="row">
                  <span className="setup-map__title">{st.storeName}</span>
                  <code className="setup-map__code">{st.store}</code>
                </th>
                <td>
                  <select className="setup-select" aria-label={t.storeAria(st.storeName)} value={v} disabled={p.busy} onChange={(e) => set(st.store, e.target.value)}>
                    <option value="">{t.bySite}</option>
                    {options.map((o) => (
                      <option key={o.guid} value={o.guid}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                  {proposedMark(st.proposedGuid, v)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The role new courier employees get: one of the roles the organisation's employees have, shown with who has it. */
export function LpRoleField(p: Props & { id: string; describedBy?: string | undefined }) {
  const { data, failure, loading } = usePosOutlets(p.view);
  const value = typeof p.value === 'string' ? p.value : '';
  if (loading && !data) return <Loading label={t.loading} />;
  if (failure) return <p className="setup-field__error">{failure.message}</p>;
  const roles = data?.roles ?? [];
  const label = (r: PosOutlets['roles'][number]) => `${r.name ?? t.roleNoName} — ${t.roleHolders(r.employees.slice(0, 3).join(', '), r.employees.length)}`;
  return (
    <select id={p.id} aria-describedby={p.describedBy} className="setup-select" value={value} disabled={p.busy} onChange={(e) => p.onChange(e.target.value === '' ? null : e.target.value)}>
      <option value="">{t.roleAuto}</option>
      {roles.map((r) => (
        <option key={r.guid} value={r.guid}>
          {label(r)}
        </option>
      ))}
      {value && !roles.some((r) => r.guid === value) && <option value={value}>{t.roleMissing}</option>}
    </select>
  );
}
