import { utilityProcess, type UtilityProcess } from 'electron';
import { EventEmitter } from 'node:events';
import type { ApiResponse } from '../../src-shared/api.js';
import {
  HOST_PDF_ENV,
  HOST_SECRETS_ENV,
  HOST_SECRETS_WARNING_ENV,
  type FromEngine,
  type HostRequest,
  type ToEngine,
} from '../engine/host-protocol.js';
import type { SecretBox } from '../engine/settings/secret-box.js';
import { ENGINE_NODE_FLAGS } from '../engine/node-flags.js';

/** What the main process does for the engine: the OS key store and Chromium's print-to-PDF. */
export interface HostServices {
  secretBox?: SecretBox;
  pdf?: (html: string, page: { widthMm: number; heightMm: number }) => Promise<Buffer>;
}

/**
 * Runs the engine in a utility process and restarts it with a growing pause if it crashes. Calls made while
 * it restarts wait for it; calls in flight when it dies fail with a Russian message.
 */
export class EngineHost extends EventEmitter {
  private child: UtilityProcess | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (r: ApiResponse<unknown>) => void>();
  private restarts = 0;
  private stopping = false;

  constructor(
    private readonly entry: string,
    private readonly dataDir: string,
    private readonly services: HostServices = {},
  ) {
    super();
  }

  start(): Promise<void> {
    const child = utilityProcess.fork(this.entry, [], {
      serviceName: 'Prilavok engine',
      execArgv: [...ENGINE_NODE_FLAGS],
      env: {
        ...process.env,
        PRILAVOK_DATA_DIR: this.dataDir,
        ...(this.services.secretBox
          ? { [HOST_SECRETS_ENV]: '1', [HOST_SECRETS_WARNING_ENV]: this.services.secretBox.warning ?? '' }
          : {}),
        ...(this.services.pdf ? { [HOST_PDF_ENV]: '1' } : {}),
      },
      stdio: 'inherit',
    });
    this.child = child;
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (msg: FromEngine) => {
        if (msg.type === 'ready') {
          this.restarts = 0;
          resolve();
          this.emit('ready');
        } else if (msg.type === 'fatal') reject(new Error(msg.message));
        else if (msg.type === 'result') {
          this.pending.get(msg.id)?.(msg.response);
          this.pending.delete(msg.id);
        } else if (msg.type === 'event') this.emit('event', msg.event, msg.payload);
        else if (msg.type === 'secret' || msg.type === 'pdf') void this.serve(msg);
      });
      child.once('exit', (code) => {
        reject(new Error(`engine exited with ${code}`));
        this.onExit(code);
      });
    });
    return this.ready;
  }

  async call(method: string, input: unknown): Promise<ApiResponse<unknown>> {
    try {
      await this.ready;
    } catch {
      return { ok: false, error: { kind: 'retryable', message: 'Движок Прилавка перезапускается, повторите через минуту.', detail: null } };
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ type: 'call', id, method, input });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, 15_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.send({ type: 'stop' });
    });
  }

  /** Answers one host request; failures go back as a message, never as an exception in the main process. */
  private async serve(req: HostRequest): Promise<void> {
    try {
      let data: string;
      if (req.type === 'secret') {
        const box = this.services.secretBox;
        if (!box) throw new Error('no secret box in this shell');
        data =
          req.op === 'encrypt'
            ? (await box.encrypt(req.data)).toString('base64')
            : await box.decrypt(Buffer.from(req.data, 'base64'));
      } else {
        if (!this.services.pdf) throw new Error('no PDF printing in this shell');
        data = (await this.services.pdf(req.html, req.page)).toString('base64');
      }
      this.send({ type: 'hostResult', id: req.id, ok: true, data });
    } catch (err) {
      this.send({ type: 'hostResult', id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) });
    }
  }

  private send(msg: ToEngine): void {
    this.child?.postMessage(msg);
  }

  private onExit(code: number): void {
    this.child = null;
    for (const resolve of this.pending.values()) {
      resolve({ ok: false, error: { kind: 'retryable', message: 'Движок Прилавка перезапустился во время операции; повторите её.', detail: `exit ${code}` } });
    }
    this.pending.clear();
    if (this.stopping) return;
    const delay = Math.min(30_000, 1000 * 2 ** this.restarts++);
    this.emit('crashed', { code, restartInMs: delay });
    setTimeout(() => void this.start().catch(() => undefined), delay);
  }
}
