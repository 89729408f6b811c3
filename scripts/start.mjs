#!/usr/bin/env node
// `npm start`: the desktop app. Electron's binary is downloaded when the package is installed; where that could
// not happen (no internet, a proxy, a blocked mirror) Electron's own error is cryptic, so this says in Russian and
// English what happened and that headless mode runs without Electron.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The Electron package directory, or null when the package itself is missing. */
function electronDir() {
  if (process.env.PRILAVOK_ELECTRON_DIR) return process.env.PRILAVOK_ELECTRON_DIR;
  try {
    return path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** The binary the package points to, if it is really there. */
function binary(dir) {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
    return fs.existsSync(p) ? p : null;
  }
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const p = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(p) ? p : null;
}

function explain(detail) {
  const lines = [
    '',
    'Прилавок: не удалось запустить окно программы — Electron не установлен.',
    'Его файлы скачиваются при «npm install», а скачать их не получилось (нет интернета, прокси или блокировка).',
    'Что можно сделать:',
    '  • запустить Прилавок без окна: npm run headless — он напечатает ссылку, которая открывает то же окно в браузере;',
    '  • или скачать Electron ещё раз, когда интернет будет: node node_modules/electron/install.js, затем npm start.',
    '',
    'Prilavok: the desktop window cannot start — Electron is not installed.',
    'Its files are downloaded by "npm install", and that download failed (no internet, a proxy or a blocked mirror).',
    'What you can do:',
    '  • run Prilavok without the window: npm run headless — it prints a link that opens the same window in a browser;',
    '  • or download Electron again once online: node node_modules/electron/install.js, then npm start.',
  ];
  if (detail) lines.push('', `Технические данные / technical detail: ${detail}`);
  console.error(lines.join('\n'));
}

const dir = electronDir();
let exe = dir ? binary(dir) : null;
if (dir && !exe && !process.env.PRILAVOK_ELECTRON_NO_DOWNLOAD) {
  // One quiet attempt to fetch it now (Electron's own installer); its output is kept for the technical line.
  console.error('Electron не найден, пробуем скачать… / Electron is missing, trying to download it…');
  const r = spawnSync(process.execPath, [path.join(dir, 'install.js')], { encoding: 'utf8', timeout: 180_000 });
  exe = binary(dir);
  if (!exe) {
    const out = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.trim().split('\n').filter(Boolean);
    const line = out.find((l) => /error|failed|ENOTFOUND|ECONN|ETIMEDOUT/i.test(l) && !/^\s+at /.test(l)) ?? out.find((l) => !/^\s+at /.test(l));
    explain(line ?? (r.error ? String(r.error) : `install.js exited with ${r.status}`));
    process.exit(1);
  }
}
if (!exe) {
  explain(dir ? 'electron/dist is missing' : 'the electron package is not installed');
  process.exit(1);
}

const child = spawn(exe, ['.', ...process.argv.slice(2)], { stdio: 'inherit', windowsHide: false });
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
