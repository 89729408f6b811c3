import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { allScopes } from '../emulators/retailcrm/server.js';
import { PRILAVOK_KEY, connectEngine, startEmulators } from '../emulators/courier-world.js';
import { tempDir } from '../helpers/temp.js';

describe('the last check of a system', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a RetailCRM key without a right stays red after a restart, and green once it has its rights again', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const emu = await startEmulators();
    cleanups.push(() => emu.close());
    const retailcrm = (e: Engine) => e.status().systems.find((s) => s.id === 'retailcrm')!;

    let engine = await Engine.open({ dataDir: dir, webhookPort: 0 });
    await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
    emu.crm.setKeyScopes(PRILAVOK_KEY, allScopes.filter((s) => s !== 'order_write'));
    await engine.checks.check('retailcrm');
    expect(retailcrm(engine).lastError).toMatch(/не хватает прав/);
    await engine.stop(0);

    // Nothing checked since the restart, yet the window still says what is wrong.
    engine = await Engine.open({ dataDir: dir, webhookPort: 0 });
    expect(retailcrm(engine)).toMatchObject({ configured: true, lastError: expect.stringMatching(/не хватает прав/) });

    emu.crm.setKeyScopes(PRILAVOK_KEY, allScopes);
    await engine.checks.check('retailcrm');
    expect(retailcrm(engine).lastError).toBeNull();
    await engine.stop(0);
    engine = await Engine.open({ dataDir: dir, webhookPort: 0 });
    cleanups.push(() => engine.stop(0));
    expect(retailcrm(engine)).toMatchObject({ configured: true, lastError: null });
    expect(retailcrm(engine).lastOkAt).not.toBeNull();
  });
});
