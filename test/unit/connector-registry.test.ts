import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { measoft } from '../../src-main/engine/connectors/measoft/index.js';
import { kassa } from '../../src-main/engine/connectors/kassa/index.js';
import { ConnectorRegistry } from '../../src-main/engine/connectors/registry.js';
import { RateLimiters } from '../../src-main/engine/http/rate-limit.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { FileKeySecretBox } from '../../src-main/engine/settings/secret-box.js';
import { SecretStore, SettingsStore } from '../../src-main/engine/settings/store.js';
import { SyncError } from '../../src-main/engine/errors.js';
import path from 'node:path';
import { openCore, type Core } from './support.js';

let core: Core;
let settings: SettingsStore;
let secrets: SecretStore;
let registry: ConnectorRegistry;
let publicUrl: string | null;

beforeEach(async () => {
  core = openCore();
  settings = new SettingsStore(core.db);
  secrets = new SecretStore(core.db, new FileKeySecretBox(path.join(core.dir, 'secret.key')), core.redactor);
  await secrets.load();
  publicUrl = null;
  registry = new ConnectorRegistry({
    settings,
    secrets,
    redactor: new Redactor(),
    rateLimiters: new RateLimiters(),
    publicWebhookUrl: (source) => (publicUrl ? `${publicUrl}/hooks/${source}/s` : null),
  });
});
afterEach(async () => {
  await core.close();
});

describe('the connector registry', () => {
  it('a system that is not set up has no client: an access error in the connector\'s own words', () => {
    expect(registry.isConfigured(measoft)).toBe(false);
    let err: unknown;
    try {
      registry.client(measoft);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyncError);
    expect(err).toMatchObject({ kind: 'auth', system: 'measoft', message: measoft.notConfigured });
  });

  it('one client while the configuration stays the same; a corrected password makes a new one', async () => {
    settings.update('measoft', { extra: '8', login: 'shop' });
    await secrets.set('measoft.password', 'first');
    expect(registry.isConfigured(measoft)).toBe(true);
    const a = registry.client(measoft);
    expect(registry.client(measoft)).toBe(a);
    await secrets.set('measoft.password', 'second');
    const b = registry.client(measoft);
    expect(b).not.toBe(a);
    expect(registry.client(measoft)).toBe(b);
  });

  it('one cash-register client per profile, rebuilt when our callback address appears', async () => {
    settings.update('kassa', { login: 'atol-login' });
    await secrets.set('kassa.password', 'atol-pass');
    const shop = { id: 'shop', name: 'Магазин', version: 'v5', groupCode: 'g1', inn: '7701234567', sno: 'usn_income', email: 'a@b.ru', paymentAddress: 'shop.ru', vat: 'none' } as const;
    const cafe = { ...shop, id: 'cafe', groupCode: 'g2' };
    const s1 = registry.client(kassa, shop);
    const c1 = registry.client(kassa, cafe);
    expect(c1).not.toBe(s1);
    expect(registry.client(kassa, shop)).toBe(s1);
    publicUrl = 'https://moy.example';
    expect(registry.client(kassa, shop)).not.toBe(s1);
  });
});
