import { describe, expect, it } from 'vitest';
import type { EngineStatus, SettingsView } from '../../src-shared/api.js';
import { settingsSchemas } from '../../src-shared/settings.js';

/** The descriptors as far as this test reads them (the module itself is type-checked with the window's settings). */
type Field = { kind: string; testId: string; path?: string; key?: string; when?: (values: Record<string, unknown>) => boolean; options?: Array<{ value: string; label: string; text: string }> };
type Group = { title?: string; fields: Field[] };
type Step = { id: string; kind: string; title: string; section?: string; testSystem?: string; optional?: boolean; groups?: Group[]; done(view: SettingsView, status: EngineStatus | null): boolean };

// A path in a variable: the window's modules (with JSX) stay out of the Node type-check.
const stepsModule = '../../src-renderer/screens/setup/steps.js';
const { setupSteps, visibleFields } = (await import(stepsModule)) as { setupSteps: Step[]; visibleFields(g: Group, v: Record<string, unknown>): Field[] };

const tunnelStep = setupSteps.find((s) => s.id === 'tunnel')!;
const shownFor = (provider: string) => tunnelStep.groups!.flatMap((g) => visibleFields(g, { ...settingsSchemas.tunnel.parse({}), provider })).map((f) => f.testId);

function view(tunnel: Record<string, unknown>, ngrokSet = false): SettingsView {
  const values = Object.fromEntries(Object.entries(settingsSchemas).map(([k, schema]) => [k, k === 'tunnel' ? { ...schema.parse({ provider: 'none' }), ...tunnel } : schema.parse({})]));
  return { values, secrets: { 'tunnel.ngrokAuthtoken': { set: ngrokSet, updatedAt: null } } } as unknown as SettingsView;
}
function status(tunnel: Partial<EngineStatus['tunnel']>): EngineStatus {
  return { tunnel: { provider: 'none', state: 'off', url: null, error: null, since: 0, ...tunnel } } as EngineStatus;
}

describe('«Доступ из интернета» in the setup wizard', () => {
  it('comes right after incoming requests and before the site form and the triggers, tests the tunnel, and is optional', () => {
    const ids = setupSteps.map((s) => s.id);
    expect(ids.slice(ids.indexOf('general'), ids.indexOf('general') + 4)).toEqual(['general', 'tunnel', 'forms', 'triggers']);
    expect(tunnelStep).toMatchObject({ kind: 'form', title: 'Доступ из интернета', section: 'tunnel', testSystem: 'tunnel', optional: true });
  });

  it('the incoming-requests step no longer asks for the public address', () => {
    const general = setupSteps.find((s) => s.id === 'general')!;
    expect(general.groups!.flatMap((g) => g.fields).map((f) => f.path)).not.toContain('publicUrl');
  });

  it('offers the four ways with a sentence each, and shows only the chosen way’s fields', () => {
    const choice = tunnelStep.groups!.flatMap((g) => g.fields).find((f) => f.kind === 'cards')!;
    expect(choice.options!.map((o) => o.value)).toEqual(['none', 'own', 'ngrok', 'localtunnel']);
    expect(choice.options![0]).toMatchObject({ label: 'Без доступа из интернета', text: expect.stringMatching(/опрашивает/) });
    for (const o of choice.options!) expect(o.text.length).toBeGreaterThan(20);

    expect(shownFor('none')).toEqual(['tunnel-provider']);
    expect(shownFor('own')).toEqual(['tunnel-provider', 'tunnel-own-url']);
    expect(shownFor('ngrok')).toEqual(['tunnel-provider', 'tunnel-ngrok-token', 'tunnel-ngrok-domain']);
    expect(shownFor('localtunnel')).toEqual(['tunnel-provider', 'tunnel-lt-host', 'tunnel-lt-subdomain']);
    const token = tunnelStep.groups!.flatMap((g) => g.fields).find((f) => f.testId === 'tunnel-ngrok-token')!;
    expect(token).toMatchObject({ kind: 'secret', key: 'tunnel.ngrokAuthtoken' });
  });

  it('fields without a condition are always shown', () => {
    const group: Group = { fields: [{ kind: 'text', testId: 'a' }, { kind: 'text', testId: 'b', when: (v) => v.x === 1 }] };
    expect(visibleFields(group, { x: 2 }).map((f) => f.testId)).toEqual(['a']);
    expect(visibleFields(group, { x: 1 }).map((f) => f.testId)).toEqual(['a', 'b']);
  });

  it('is «Готово» only when the chosen way is up; without access from the internet it stays not set up', () => {
    expect(tunnelStep.done(view({ provider: 'none' }), status({}))).toBe(false);
    expect(tunnelStep.done(view({ provider: 'localtunnel' }), null)).toBe(false);
    expect(tunnelStep.done(view({ provider: 'localtunnel' }), status({ provider: 'localtunnel', state: 'connecting' }))).toBe(false);
    expect(tunnelStep.done(view({ provider: 'localtunnel' }), status({ provider: 'localtunnel', state: 'down', error: 'нет связи' }))).toBe(false);
    expect(tunnelStep.done(view({ provider: 'localtunnel' }), status({ provider: 'localtunnel', state: 'up', url: 'https://a.example' }))).toBe(true);
    expect(tunnelStep.done(view({ provider: 'own', ownUrl: 'https://shop.example' }), status({ provider: 'own', state: 'up', url: 'https://shop.example' }))).toBe(true);
    // Saved a new way the engine has not picked up yet: not done on the old one's state.
    expect(tunnelStep.done(view({ provider: 'ngrok' }, true), status({ provider: 'localtunnel', state: 'up', url: 'https://a.example' }))).toBe(false);
  });
});
