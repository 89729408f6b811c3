import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { tempDir } from '../helpers/temp.js';

let engine: Engine;
let cleanup: () => void;

beforeEach(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  engine = await Engine.open({ dataDir: t.dir, webhookPort: 0 });
});

afterEach(async () => {
  await engine.stop(0);
  cleanup();
});

/** The wizard shows the Leeloo address for the merchant to copy; the secret in it is the one the route accepts. */
describe('setup.webhooks', () => {
  it('gives no address before the webhook server runs, the local one after, the public one once configured', async () => {
    expect(await engine.api('setup.webhooks', {})).toEqual({ ok: true, result: { leeloo: null, kassa: null } });

    await engine.start();
    const local = (await engine.api('setup.webhooks', {})) as { result: { leeloo: string; kassa: string } };
    expect(local.result.leeloo).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/leeloo\/[A-Za-z0-9_-]{20,}$/);
    expect(local.result.kassa).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/kassa\/[A-Za-z0-9_-]{20,}$/);
    expect(local.result.leeloo).toBe(engine.webhookUrl('leeloo'));

    // The address accepts Leeloo's batches (an empty batch is stored as nothing, and answered 200).
    const res = await fetch(local.result.leeloo, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [] }) });
    expect(res.status).toBe(200);
    // A wrong secret is refused.
    const wrong = await fetch(local.result.leeloo.replace(/[^/]+$/, 'not-the-secret'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"events":[]}' });
    expect(wrong.status).not.toBe(200);

    engine.settings.update('tunnel', { provider: 'own', ownUrl: 'https://prilavok.moy-magazin.ru/' });
    const pub = (await engine.api('setup.webhooks', {})) as { result: { leeloo: string } };
    expect(pub.result.leeloo).toBe(`https://prilavok.moy-magazin.ru/hooks/leeloo/${local.result.leeloo.split('/').pop()}`);
  });
});
