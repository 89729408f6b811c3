import { useCallback, useEffect, useRef, useState } from 'react';
import type { EngineStatus, SettingsView } from '../../../src-shared/api';
import { LoadFailed, Loading } from '../../components/States';
import { useEngine } from '../../hooks/useEngineStatus';
import { navigate } from '../../hooks/useNavigation';
import { ru } from '../../i18n/ru';
import { setOpenSetupOnStart, useOpenSetupOnStart } from './firstRun';
import { FormStepView } from './FormStep';
import { crmConnected, setupSteps, type SetupStep } from './steps';
import { useReferences, useSettingsView } from './useSetup';

const t = ru.setup;

function firstOpenStep(view: SettingsView, status: EngineStatus | null): string {
  return (setupSteps.find((s) => !s.done(view, status) && !s.optional && !(s.kind === 'custom' && s.info)) ?? setupSteps[0]!).id;
}

/**
 * «Настройки»: the setup wizard. The same screen serves the first run (steps in order, «Далее») and later
 * changes (any step from the list). Steps stay mounted, so what is typed survives moving between them.
 */
export function SetupScreen() {
  const { view, failure, reload, setView } = useSettingsView();

  return (
    <div className="setup" data-testid="setup">
      {view === null ? (
        <>
          <h1 className="page-title">{t.title}</h1>
          {failure ? <LoadFailed failure={failure} onRetry={() => void reload()} /> : <Loading />}
        </>
      ) : (
        <Wizard view={view} onView={setView} />
      )}
    </div>
  );
}

function Wizard({ view, onView }: { view: SettingsView; onView(view: SettingsView): void }) {
  const { status } = useEngine();
  const [current, setCurrent] = useState(() => firstOpenStep(view, status));
  const [dirty, setDirty] = useState<Record<string, boolean>>({});
  // The last «Проверить подключение» of each step in this visit: a saved but refused key is not «Готово».
  const [tested, setTested] = useState<Record<string, boolean>>({});
  const openOnStart = useOpenSetupOnStart();
  const heading = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);

  const connected = crmConnected(view);
  const connection = JSON.stringify([view.values.retailcrm, view.secrets['retailcrm.apiKey']?.updatedAt ?? null]);
  const references = useReferences(connected, connection);

  const goTo = useCallback((id: string) => {
    moved.current = true;
    setCurrent(id);
  }, []);

  // Moving between steps puts the keyboard on the new step's title (not on the first render).
  useEffect(() => {
    if (moved.current) heading.current?.focus();
  }, [current]);

  const index = Math.max(0, setupSteps.findIndex((s) => s.id === current));
  const step = setupSteps[index]!;
  const prev = setupSteps[index - 1];
  const next = setupSteps[index + 1];

  return (
    <>
      <div className="setup__head">
        <div>
          <h1 className="page-title">{connected ? t.title : t.wizardTitle}</h1>
          <p className="setup__caption">{connected ? t.settingsCaption : t.caption}</p>
        </div>
      </div>
      <div className="setup__body">
        <nav className="setup-steps" aria-label={t.stepsLabel}>
          <ol>
            {setupSteps.map((s, i) => (
              <li key={s.id}>
                <StepLink step={s} n={i + 1} view={view} status={status} current={s.id === step.id} dirty={!!dirty[s.id]} failed={tested[s.id] === false} onClick={() => goTo(s.id)} />
              </li>
            ))}
          </ol>
          <label className="setup-steps__option">
            <input type="checkbox" checked={openOnStart} onChange={(e) => setOpenSetupOnStart(e.target.checked)} data-testid="open-on-start" />
            <span>{t.openOnStart}</span>
          </label>
        </nav>
        <div className="setup-panel card">
          {setupSteps.map((s, i) => {
            const active = s.id === step.id;
            const ctx = { view, active, references, onView, goTo };
            return (
              <section key={s.id} hidden={!active} className="setup-step" data-testid={`step-${s.id}`} aria-labelledby={`setup-step-${s.id}`}>
                <header className="setup-step__head">
                  <p className="setup-step__of">{t.stepOf(i + 1, setupSteps.length)}</p>
                  <h2 className="setup-step__title" id={`setup-step-${s.id}`} tabIndex={-1} ref={active ? heading : undefined}>
                    {s.title}
                  </h2>
                  <p className="setup-step__intro">{s.intro}</p>
                </header>
                {s.kind === 'form' ? (
                  <FormStepView
                    {...ctx}
                    step={s}
                    onDirty={(d) => setDirty((m) => (m[s.id] === d ? m : { ...m, [s.id]: d }))}
                    onBack={i > 0 ? () => goTo(setupSteps[i - 1]!.id) : null}
                    onNext={i < setupSteps.length - 1 ? () => goTo(setupSteps[i + 1]!.id) : null}
                    onTested={(ok) => {
                      setTested((m) => ({ ...m, [s.id]: ok }));
                      if (ok && s.id === 'retailcrm') void references.reload(true);
                    }}
                  />
                ) : (
                  <>
                    <s.Component {...ctx} />
                    <div className="setup-actions">
                      <div className="setup-actions__main" />
                      <div className="setup-actions__nav">
                        {prev && active && (
                          <button type="button" className="btn btn--ghost" onClick={() => goTo(prev.id)}>
                            {t.back}
                          </button>
                        )}
                        {next ? (
                          <button type="button" className="btn btn--primary" onClick={() => goTo(next.id)} data-testid="next">
                            {t.next}
                          </button>
                        ) : (
                          <button type="button" className="btn btn--primary" onClick={() => navigate('overview')} data-testid="finish">
                            {t.finish}
                          </button>
                        )}
                      </div>
                    </div>
                  </>
                )}
              </section>
            );
          })}
        </div>
      </div>
    </>
  );
}

function StepLink(props: { step: SetupStep; n: number; view: SettingsView; status: EngineStatus | null; current: boolean; dirty: boolean; failed: boolean; onClick(): void }) {
  const { step } = props;
  // An instruction is never «Готово»: only the merchant knows whether the triggers were created.
  const info = step.kind === 'custom' && !!step.info;
  const done = step.done(props.view, props.status) && !props.failed && !info;
  const state = props.failed ? t.stepFailed : done ? t.stepDone : info ? t.stepInfo : t.stepTodo;
  const tone = props.failed ? ' setup-steps__item--failed' : done ? ' setup-steps__item--done' : '';
  return (
    <button
      type="button"
      className={`setup-steps__item${tone}`}
      aria-current={props.current ? 'step' : undefined}
      onClick={props.onClick}
      data-testid={`step-link-${step.id}`}
    >
      <span className="setup-steps__n" aria-hidden="true">
        {done || props.failed ? '' : props.n}
      </span>
      <span className="setup-steps__text">
        <span className="setup-steps__title">{step.title}</span>
        <span className="setup-steps__state">
          {state}
        </span>
        {props.dirty && <span className="setup-steps__dirty">{t.stepDirty}</span>}
      </span>
    </button>
  );
}
