// Builds the installers: `npm run dist [-- electron-builder flags, e.g. --win --x64]`.
//
// 1. builds the app (renderer, preload, shell, engine);
// 2. runs electron-builder, which rebuilds better-sqlite3 for Electron — against Electron's headers, downloaded
//    from electronjs.org (internet needed). An npm `nodedir` setting (from .npmrc or npm's environment) would make
//    node-gyp use this Node's headers instead and produce a module the app cannot load, so it is blanked here;
// 3. rebuilds better-sqlite3 for this Node again, so tests and headless mode keep working after an installer build.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** The environment for electron-builder: npm's `nodedir` blanked (it overrides Electron's headers). */
export function builderEnv(env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) if (k.toLowerCase() !== 'npm_config_nodedir') out[k] = v;
  out.npm_config_nodedir = '';
  return out;
}

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
  return r.status ?? 1;
}

function main() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  if (run(process.execPath, ['scripts/build.mjs']) !== 0) process.exit(1);
  const code = run(npx, ['electron-builder', '--config', 'electron-builder.yml', ...process.argv.slice(2)], builderEnv(process.env));
  console.log('\nbetter-sqlite3 is rebuilt for Node again (tests and headless mode use it)…');
  const back = run(npm, ['rebuild', 'better-sqlite3']);
  if (back !== 0) console.error('Could not rebuild better-sqlite3 for Node: run `npm rebuild better-sqlite3` before `npm test`.');
  process.exit(code);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
