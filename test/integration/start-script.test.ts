import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = path.resolve('scripts/start.mjs');
let dir: string;

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(env: Record<string, string>) {
  return spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
}

describe('npm start without an Electron binary', () => {
  it('says in Russian and English what happened and that «npm run headless» works, after one failed download', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prilavok-electron-'));
    // An Electron package whose binary never arrived, and whose installer fails the way an offline one does.
    fs.writeFileSync(path.join(dir, 'install.js'), "console.error('TypeError: fetch failed');\nconsole.error('    at async downloadArtifact (x.js:1:1)');\nprocess.exit(1);\n");
    const r = run({ PRILAVOK_ELECTRON_DIR: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Electron не установлен');
    expect(r.stderr).toContain('Electron is not installed');
    expect(r.stderr).toContain('npm run headless');
    expect(r.stderr).toContain('Технические данные / technical detail: TypeError: fetch failed');
    expect(r.stderr).not.toContain('downloadArtifact');
  });

  it('starts the binary that is there, passing the app directory', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prilavok-electron-'));
    fs.mkdirSync(path.join(dir, 'dist'));
    const fake = path.join(dir, 'dist', 'electron');
    fs.writeFileSync(fake, `#!${process.execPath}\nconsole.log('started with', JSON.stringify(process.argv.slice(2)));\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'path.txt'), 'electron');
    const r = run({ PRILAVOK_ELECTRON_DIR: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('started with ["."]');
  });
});
