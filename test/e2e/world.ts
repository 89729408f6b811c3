import { Engine } from '../../src-main/engine/engine.js';
import { connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { startHeadless, type Headless } from '../helpers/headless.js';
import { tempDir } from '../helpers/temp.js';

export const shots = 'test-results/screens';

export interface World {
  emu: Emulators;
  h: Headless;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A headless Prilavok (the built app, as users run it) next to local RetailCRM and MeaSoft emulators.
 * `configured`: settings and secrets saved beforehand exactly as the wizard saves them; otherwise a fresh
 * install that the wizard has to set up. `prepare` runs on the closed data directory before start (seeding).
 */
export async function startWorld(o: { configured?: boolean; prepare?: (engine: Engine, emu: Emulators) => Promise<void> | void; token?: string } = {}): Promise<World> {
  const t = tempDir();
  const emu = await startEmulators({ ms: { seed: 3 } });
  if (o.configured || o.prepare) {
    const engine = await Engine.open({ dataDir: t.dir, webhookPort: 0 });
    if (o.configured) await connectEngine(engine, emu, { historyIntervalSec: 5, pollIntervalSec: 5 });
    await o.prepare?.(engine, emu);
    await engine.stop(0);
  }
  const h = await startHeadless({ dataDir: t.dir, token: o.token ?? 'e2e-world-token', built: true });
  return {
    emu,
    h,
    dataDir: t.dir,
    close: async () => {
      await h.stop('SIGTERM');
      await emu.close();
      t.cleanup();
    },
  };
}
