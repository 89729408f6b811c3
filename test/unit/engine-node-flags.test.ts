import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ENGINE_NODE_FLAGS } from '../../src-main/engine/node-flags.js';

const root = path.resolve(import.meta.dirname, '../..');

const forks: Array<{ execArgv: string[] | undefined }> = [];
vi.mock('electron', () => ({
  utilityProcess: {
    fork: (_entry: string, _args: string[], opts: { execArgv?: string[] }) => {
      forks.push({ execArgv: opts.execArgv });
      return { on: () => undefined, once: () => undefined, postMessage: () => undefined, kill: () => undefined };
    },
  },
}));
const { EngineHost } = await import('../../src-main/shell/engine-host.js');

describe('the engine process starts with its Node options', () => {
  it('`npm run headless` passes them to node', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const command = /node ([^&]*)out\/headless\/main\.js/.exec(pkg.scripts['headless']!);
    expect(command).not.toBeNull();
    expect(command![1]!.trim().split(/\s+/)).toEqual([...ENGINE_NODE_FLAGS]);
  });

  it('the desktop app forks its engine process with them', () => {
    void new EngineHost('/app/engine.js', '/data').start().catch(() => undefined);
    expect(forks).toEqual([{ execArgv: [...ENGINE_NODE_FLAGS] }]);
  });
});
