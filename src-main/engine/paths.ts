import os from 'node:os';
import path from 'node:path';

/** Where Prilavok keeps its data when nothing else is configured: the usual per-user place of each OS. */
export function defaultDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Prilavok');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Prilavok');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'prilavok');
}
