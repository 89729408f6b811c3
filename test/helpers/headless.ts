import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ENGINE_NODE_FLAGS } from '../../src-main/engine/node-flags.js';

export interface Headless {
  child: ChildProcess;
  ui: string;
  uiPort: number;
  webhooks: string | null;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const root = path.resolve(import.meta.dirname, '../..');

/**
 * Starts headless mode in a child process and waits for its ready line. `built` runs the bundled
 * out/headless/main.js (as users do); otherwise the TypeScript source through tsx.
 */
export async function startHeadless(opts: { dataDir: string; token: string; built?: boolean; env?: Record<string, string> }): Promise<Headless> {
  // The Node options users start it with (`npm run headless`), so tests and benchmarks see the same process.
  const args = [...ENGINE_NODE_FLAGS, ...(opts.built ? ['out/headless/main.js'] : ['--import', 'tsx', 'src-main/headless/main.ts'])];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      PRILAVOK_DATA_DIR: opts.dataDir,
      PRILAVOK_TOKEN: opts.token,
      PRILAVOK_UI_PORT: '0',
      PRILAVOK_WEBHOOK_PORT: '0',
      PRILAVOK_RENDERER_DIR: process.env.PRILAVOK_RENDERER_DIR ?? path.join(root, 'out', 'renderer'),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const ready = await new Promise<{ ui: string; uiPort: number; webhooks: string | null }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`headless did not start:\n${out}`)), 30_000);
    const onData = () => {
      const m = /PRILAVOK_READY (.+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(JSON.parse(m[1]!) as { ui: string; uiPort: number; webhooks: string | null });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`headless exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    ...ready,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
