import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import type { ToEngine } from '../../src-main/engine/host-protocol.js';

/*
 * Electron's main-process API as the shell's unit tests see it (the binary is absent here). A test file mocks
 * the module with this one and reads what the shell asked Electron to do from the recorders below:
 *
 *   vi.mock('electron', () => import('../mocks/electron.js'));
 *   import { forks } from '../mocks/electron.js';
 *
 * Each test file gets its own copy of this module, so the recorders start empty per file.
 */

/** Engine processes the shell started (`utilityProcess.fork`). */
export const forks: FakeChild[] = [];
/** URLs handed to the OS browser (`shell.openExternal`). */
export const opened: string[] = [];
/** `app.on(…)` listeners: a test emits the app's events here. */
export const appEvents = new EventEmitter();
/** Native notifications shown. */
export const shownNotifications: FakeNotification[] = [];
/** Tray icons made. */
export const trays: FakeTray[] = [];
/** Windows made (the shell's hidden print windows). */
export const windows: FakeWindow[] = [];

export class FakeChild extends EventEmitter {
  /** What the shell posted to the engine. */
  sent: ToEngine[] = [];
  killed = false;
  constructor(readonly env: Record<string, string | undefined> = {}) {
    super();
  }
  postMessage(msg: ToEngine) {
    this.sent.push(msg);
  }
  kill() {
    this.killed = true;
    this.emit('exit', 9);
  }
}

export const utilityProcess = {
  fork: (_entry: string, _args?: string[], opts?: { env?: Record<string, string | undefined> }) => {
    const c = new FakeChild(opts?.env ?? {});
    forks.push(c);
    return c;
  },
};

export const app = { on: (event: string, fn: (...a: unknown[]) => void) => appEvents.on(event, fn) };
export const shell = { openExternal: (url: string) => (opened.push(url), Promise.resolve()) };
/** Tests hand their own key store to the code under test; the module only has to exist. */
export const safeStorage = {};

export class FakeNotification extends EventEmitter {
  static isSupported = () => true;
  constructor(readonly opts: { title: string; body: string }) {
    super();
  }
  show() {
    shownNotifications.push(this);
  }
}
export { FakeNotification as Notification };

export class FakeTray {
  image = '';
  tooltip = '';
  menu: unknown = null;
  listeners = new Map<string, () => void>();
  constructor(img: { path: string }) {
    this.image = img.path;
    trays.push(this);
  }
  setImage(img: { path: string }) {
    this.image = img.path;
  }
  setToolTip(t: string) {
    this.tooltip = t;
  }
  setContextMenu(m: unknown) {
    this.menu = m;
  }
  on(e: string, fn: () => void) {
    this.listeners.set(e, fn);
  }
  destroy() {}
}
export { FakeTray as Tray };
export const Menu = { buildFromTemplate: (t: unknown) => ({ template: t }) };
export const nativeImage = { createFromPath: (p: string) => ({ path: p, setTemplateImage: () => undefined }) };

/** A hidden print window: what it loaded and what it was asked to print. */
export class FakeWindow extends EventEmitter {
  loaded: { file: string; html: string } | null = null;
  destroyed = false;
  printed: unknown[] = [];
  requestFilter: ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void) | null = null;
  static nextPrintResult: [boolean, string] = [true, ''];
  printResult = FakeWindow.nextPrintResult;
  constructor(readonly opts: { show: boolean; webPreferences: Record<string, unknown> }) {
    super();
    windows.push(this);
  }
  webContents = {
    session: { webRequest: { onBeforeRequest: (fn: FakeWindow['requestFilter']) => (this.requestFilter = fn) } },
    print: (options: unknown, cb: (ok: boolean, reason: string) => void) => {
      this.printed.push(options);
      cb(...this.printResult);
    },
    printToPDF: async (options: unknown) => {
      this.printed.push(options);
      return Buffer.from('%PDF-1.4');
    },
  };
  async loadFile(file: string) {
    this.loaded = { file, html: fs.readFileSync(file, 'utf8') };
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
  }
}
export { FakeWindow as BrowserWindow };
