import Store from 'electron-store';
import { printFormIds } from '../../src-shared/api.js';
import type { PrintFormId } from '../engine/printforms/types.js';

/**
 * The desktop app's own preferences (not the engine's settings): where the window was, which printer prints
 * which form, whether Prilavok starts with the computer, where updates come from. Kept by electron-store in
 * the user-data folder; everything read back is checked, so a hand-edited file cannot break the start.
 */

export interface WindowBounds {
  x: number;
  y: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface PrefsData {
  windowBounds: WindowBounds | null;
  printers: Partial<Record<PrintFormId, string>>;
  openAtLogin: boolean;
  updateUrl: string | null;
}

export const defaultPrefs: PrefsData = { windowBounds: null, printers: {}, openAtLogin: true, updateUrl: null };

/** The two calls the preferences need from a store; electron-store and a Map both provide them. */
export interface KeyValueStore<T> {
  get<K extends keyof T>(key: K): T[K];
  set<K extends keyof T>(key: K, value: T[K]): void;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export class Prefs {
  constructor(private readonly store: KeyValueStore<PrefsData>) {}

  windowBounds(): WindowBounds | null {
    const b = this.store.get('windowBounds') as Partial<WindowBounds> | null;
    if (!b || !isNum(b.x) || !isNum(b.y) || !isNum(b.width) || !isNum(b.height) || b.width < 200 || b.height < 200) return null;
    return { x: b.x, y: b.y, width: b.width, height: b.height, maximized: b.maximized === true };
  }

  saveWindowBounds(bounds: WindowBounds): void {
    this.store.set('windowBounds', bounds);
  }

  printerFor(form: PrintFormId): string | null {
    const p = (this.store.get('printers') ?? {})[form];
    return typeof p === 'string' && p.length > 0 ? p : null;
  }

  /** Every remembered printer by form; entries a hand-edit broke (unknown form, empty name) are left out. */
  printers(): Partial<Record<PrintFormId, string>> {
    const out: Partial<Record<PrintFormId, string>> = {};
    for (const form of printFormIds) {
      const p = this.printerFor(form);
      if (p) out[form] = p;
    }
    return out;
  }

  setPrinter(form: PrintFormId, printer: string | null): void {
    if (!(printFormIds as readonly string[]).includes(form)) throw new RangeError(`unknown print form: ${form}`);
    const next = { ...(this.store.get('printers') ?? {}) };
    if (printer) next[form] = printer;
    else delete next[form];
    this.store.set('printers', next);
  }

  openAtLogin(): boolean {
    return this.store.get('openAtLogin') !== false;
  }

  setOpenAtLogin(on: boolean): void {
    this.store.set('openAtLogin', on);
  }

  /** The update feed: the environment wins over the preference; null means updates are off. */
  updateUrl(env: NodeJS.ProcessEnv = process.env): string | null {
    const fromEnv = env.PRILAVOK_UPDATE_URL?.trim();
    if (fromEnv) return fromEnv;
    const pref = this.store.get('updateUrl');
    return typeof pref === 'string' && pref.trim() ? pref.trim() : null;
  }
}

export function memoryStore<T extends object>(initial: T): KeyValueStore<T> {
  const data = new Map<keyof T, unknown>(Object.entries(initial) as Array<[keyof T, unknown]>);
  return {
    get: <K extends keyof T>(key: K) => data.get(key) as T[K],
    set: (key, value) => void data.set(key, value),
  };
}

/** Opens the preferences file in the user-data folder (main process, after the app is ready or not — either works). */
export function openPrefs(): Prefs {
  const store = new Store<PrefsData>({ name: 'prefs', defaults: defaultPrefs, clearInvalidConfig: true });
  return new Prefs(store);
}

/** A window rectangle that is at least partly on one of the displays, or null to let the OS place it. */
export function onScreen(bounds: WindowBounds | null, displays: Array<{ x: number; y: number; width: number; height: number }>): WindowBounds | null {
  if (!bounds) return null;
  const visible = displays.some(
    (d) => bounds.x + 100 <= d.x + d.width && bounds.x + bounds.width - 100 >= d.x && bounds.y >= d.y - 10 && bounds.y + 40 <= d.y + d.height,
  );
  return visible ? bounds : null;
}
