import { describe, expect, it } from 'vitest';
import { settingsSchemas, secretKeys } from '../../src-shared/settings.js';

/** The descriptors as far as this test reads them (the module itself is type-checked with the window's settings). */
type Field =
  | { kind: 'secret'; key: string; testId: string }
  | { kind: 'text' | 'number' | 'toggle' | 'choice'; path: string; testId: string }
  | { kind: 'ref' | 'refList'; path: string; ref: string; testId: string }
  | { kind: 'refMap'; path: string; ref: string; rows: Array<{ code: string }>; testId: string }
  | { kind: 'pick'; path: string; testId: string; choices(ctx: { draft: Record<string, unknown>; view: unknown }): Array<{ value: string; label: string }> }
  | { kind: 'records'; path: string; testId: string; idKey: string; fields: Array<{ kind: string; path: string }>; newRecord(existing: unknown[]): Record<string, unknown> }
  | { kind: 'codeMap'; path: string; testId: string; keys: { ref: string } | { typed: unknown } }
  | { kind: 'webhook'; source: string; testId: string };
type Step = { id: string; kind: 'form'; section: keyof typeof settingsSchemas; groups: Array<{ fields: Field[] }> } | { id: string; kind: 'custom' };

// A path in a variable: the window's modules (with JSX) stay out of the Node type-check.
const stepsModule = '../../src-renderer/screens/setup/steps.js';
const { setupSteps } = (await import(stepsModule)) as { setupSteps: Step[] };

/** The wizard is data: every field must point at a real setting, secret or reference book. */
describe('setup wizard steps', () => {
  const books = ['statuses', 'deliveryTypes', 'paymentTypes', 'paymentStatuses', 'stores', 'sites', 'userGroups'];

  it('have unique ids and field handles', () => {
    const ids = setupSteps.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const handles = setupSteps.flatMap((s) => (s.kind === 'form' ? s.groups.flatMap((g) => g.fields.map((f) => f.testId)) : []));
    expect(new Set(handles).size).toBe(handles.length);
  });

  it('name only settings that exist in their section, with a value of the kind the field edits', () => {
    for (const step of setupSteps) {
      if (step.kind !== 'form') continue;
      const defaults = settingsSchemas[step.section].parse({}) as Record<string, unknown>;
      for (const f of step.groups.flatMap((g) => g.fields)) {
        if (f.kind === 'secret') {
          expect(secretKeys).toContain(f.key);
          continue;
        }
        if (f.kind === 'webhook') {
          expect(['leeloo', 'kassa']).toContain(f.source);
          continue;
        }
        const parts = f.path.split('.');
        let value: unknown = defaults;
        for (const p of parts) {
          expect(value && typeof value === 'object' && p in (value as object), `${step.id}: ${f.path}`).toBe(true);
          value = (value as Record<string, unknown>)[p];
        }
        if (f.kind === 'refList') expect(Array.isArray(value), f.path).toBe(true);
        if (f.kind === 'refMap' || f.kind === 'codeMap') expect(typeof value === 'object' && !Array.isArray(value), f.path).toBe(true);
        if (f.kind === 'records') expect(Array.isArray(value), f.path).toBe(true);
        if (f.kind === 'codeMap' && 'ref' in f.keys) expect(books).toContain(f.keys.ref);
        if (f.kind === 'toggle') expect(typeof value, f.path).toBe('boolean');
        if (f.kind === 'number') expect(value === null || typeof value === 'number', f.path).toBe(true);
        if (f.kind === 'ref' || f.kind === 'refList' || f.kind === 'refMap') expect(books).toContain(f.ref);
      }
    }
  });

  it('the status map rows are codes the courier settings accept', () => {
    const courier = setupSteps.find((s) => s.id === 'courier');
    expect(courier?.kind).toBe('form');
    if (courier?.kind !== 'form') return;
    const map = courier.groups.flatMap((g) => g.fields).find((f) => f.kind === 'refMap');
    if (map?.kind !== 'refMap') throw new Error('no status map');
    const all = Object.fromEntries(map.rows.map((r) => [r.code, 'delivering']));
    expect(settingsSchemas.courier.safeParse({ statusMap: all }).success).toBe(true);
  });

  it('the cash register, Leeloo and the partners come after LIFE POS and before incoming requests', () => {
    const ids = setupSteps.map((s) => s.id);
    expect(ids.slice(ids.indexOf('pos'), ids.indexOf('general') + 1)).toEqual(['pos', 'kassa', 'leeloo', 'partners', 'general']);
  });

  it('a new cash-register profile has every field the settings know, a valid id, and becomes valid once filled', () => {
    const kassa = setupSteps.find((s) => s.id === 'kassa');
    if (kassa?.kind !== 'form') throw new Error('no cash-register step');
    const list = kassa.groups.flatMap((g) => g.fields).find((f) => f.kind === 'records');
    if (list?.kind !== 'records') throw new Error('no profile list');
    const first = list.newRecord([]);
    const second = list.newRecord([first]);
    expect(first[list.idKey]).not.toBe(second[list.idKey]);
    expect(Object.keys(first).sort()).toEqual(Object.keys(settingsSchemas.kassa.shape.profiles.unwrap().element.shape).sort());
    for (const f of list.fields) expect(first, f.path).toHaveProperty(f.path);
    // Empty as added: the engine refuses it field by field; filled in, it is accepted with its generated id.
    expect(settingsSchemas.kassa.safeParse({ profiles: [first] }).success).toBe(false);
    const filled = { ...first, id: first[list.idKey] as string, name: 'Касса', groupCode: 'g1', inn: '5544332219', email: 'kassa@shop.ru', paymentAddress: 'https://shop.ru' };
    expect(settingsSchemas.kassa.safeParse({ profiles: [filled], crmPaymentTypes: { 'bank-card': filled.id } }).success).toBe(true);
    // Profiles are offered by name wherever a profile is chosen.
    const pick = kassa.groups.flatMap((g) => g.fields).find((f) => f.kind === 'pick');
    if (pick?.kind !== 'pick') throw new Error('no COD profile choice');
    expect(pick.choices({ draft: { profiles: [filled] }, view: {} })).toEqual([{ value: filled.id, label: 'Касса' }]);
  });

  it('LIFE POS comes after the courier mapping; its sale states are codes the settings accept', () => {
    const ids = setupSteps.map((s) => s.id);
    expect(ids.slice(ids.indexOf('courier'), ids.indexOf('pos') + 1)).toEqual(['courier', 'lifepos', 'pos']);
    const pos = setupSteps.find((s) => s.id === 'pos');
    if (pos?.kind !== 'form') throw new Error('no POS step');
    expect(pos.section).toBe('pos');
    const map = pos.groups.flatMap((g) => g.fields).find((f) => f.kind === 'refMap');
    if (map?.kind !== 'refMap') throw new Error('no sale state map');
    expect(map.rows.map((r) => r.code)).toEqual(['New', 'InProgress', 'Completed', 'Cancelled']);
    const all = Object.fromEntries(map.rows.map((r) => [r.code, 'complete']));
    expect(settingsSchemas.pos.safeParse({ statusMap: all }).success).toBe(true);
  });
});
