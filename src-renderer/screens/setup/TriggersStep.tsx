import { useCallback, useEffect, useRef, useState } from 'react';
import type { MethodOutput } from '../../../src-shared/api';
import { Alert } from '../../components/Alert';
import { LoadFailed, Loading } from '../../components/States';
import { toFailure, useApi, type Failure } from '../../hooks/useApi';
import { ru } from '../../i18n/ru';
import type { StepContext } from './types';

const t = ru.setup.triggers;

type Triggers = MethodOutput<'setup.triggers'>;

/** Puts text on the clipboard; where the async clipboard is refused, a selected textarea and the copy command. */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'visually-hidden';
    document.body.appendChild(area);
    area.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    } finally {
      area.remove();
    }
  }
}

/** A value to type into RetailCRM, with its own copy button that says «Скопировано». */
export function Copyable(props: { value: string; what: string; testId: string; block?: boolean }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  const copy = async () => {
    const ok = await copyText(props.value);
    setState(ok ? 'copied' : 'failed');
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), 2500);
  };
  return (
    <div className={`trigger-value${props.block ? ' trigger-value--block' : ''}`} data-testid={props.testId}>
      <code className="trigger-value__text">{props.value}</code>
      <button type="button" className="btn btn--small trigger-value__copy" aria-label={t.copyAria(props.what)} onClick={() => void copy()} data-state={state}>
        {state === 'copied' ? t.copied : t.copy}
      </button>
      {state === 'failed' && (
        <span className="trigger-value__failed" role="alert">
          {t.copyFailed}
        </span>
      )}
      <span className="visually-hidden" role="status">
        {state === 'copied' ? t.copied : ''}
      </span>
    </div>
  );
}

/** «Триггеры RetailCRM»: what to create by hand in RetailCRM, every field ready to copy. */
export function TriggersStep(props: StepContext) {
  const api = useApi();
  const [data, setData] = useState<Triggers | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);

  const load = useCallback(async () => {
    setFailure(null);
    try {
      setData(await api.call('setup.triggers', {}));
    } catch (err) {
      setFailure(toFailure(err));
    }
  }, [api]);

  // The texts depend on the courier's delivery types and the public address: read again whenever shown.
  const { active, view } = props;
  useEffect(() => {
    if (active) void load();
  }, [active, view, load]);

  if (!data) return failure ? <LoadFailed failure={failure} onRetry={() => void load()} /> : <Loading label={t.loading} />;

  const noDeliveryTypes = view.values.courier.deliveryTypes.length === 0;
  return (
    <div className="triggers" data-testid="triggers">
      {noDeliveryTypes && (
        <div className="setup-blocked">
          <Alert tone="warning">{t.noDeliveryTypes}</Alert>
          <button type="button" className="btn" onClick={() => props.goTo('courier')}>
            {t.goToCourier}
          </button>
        </div>
      )}
      {data.url === null ? (
        <div className="setup-blocked">
          <Alert tone="error" testId="triggers-no-url">
            {t.noUrl}
          </Alert>
          <button type="button" className="btn" onClick={() => props.goTo('general')}>
            {t.goToGeneral}
          </button>
        </div>
      ) : (
        <section className="triggers__address" aria-label={t.address}>
          <h3 className="setup-group__title">{t.address}</h3>
          <Copyable value={data.url} what={t.address} testId="triggers-url" block />
          {data.publicUrl === null && (
            <div className="triggers__local">
              <Alert tone="warning" testId="triggers-local">
                {t.localOnly}
              </Alert>
              <button type="button" className="btn btn--small" onClick={() => props.goTo('tunnel')}>
                {t.goToTunnel}
              </button>
            </div>
          )}
        </section>
      )}
      {data.triggers.length === 0 ? (
        <p className="muted">{t.empty}</p>
      ) : (
        <ol className="triggers__list">
          {data.triggers.map((tr, i) => (
            <li className="trigger" key={tr.name} data-testid={`trigger-${i + 1}`}>
              <h3 className="trigger__title">
                <span className="trigger__number">{t.number(i + 1)}</span>
                {tr.name}
              </h3>
              <dl className="trigger__fields">
                <dt>{t.name}</dt>
                <dd>
                  <Copyable value={tr.name} what={`${t.name}, ${t.number(i + 1)}`} testId="trigger-name" />
                </dd>
                <dt>{t.event}</dt>
                <dd>
                  <span className="trigger__plain">{tr.event}</span>
                </dd>
                <dt>{t.condition}</dt>
                <dd>
                  <Copyable value={tr.condition} what={`${t.condition}, ${t.number(i + 1)}`} testId="trigger-condition" block />
                </dd>
                <dt>{t.url}</dt>
                <dd>
                  <Copyable value={tr.url} what={`${t.url}, ${t.number(i + 1)}`} testId="trigger-url" block />
                </dd>
                <dt>{t.method}</dt>
                <dd>
                  <span className="trigger__plain">{tr.method}</span>
                </dd>
                <dt>{t.params}</dt>
                <dd>
                  <table className="trigger__params">
                    <thead>
                      <tr>
                        <th scope="col">{t.paramName}</th>
                        <th scope="col">{t.paramValue}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {tr.params.map((p) => (
                        <tr key={p.name}>
                          <td>
                            <Copyable value={p.name} what={`${t.paramName} ${p.name}`} testId={`trigger-param-name-${p.name}`} />
                          </td>
                          <td>
                            <Copyable value={p.value} what={`${t.paramValue} ${p.name}`} testId={`trigger-param-${p.name}`} block />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </dd>
              </dl>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
