import { utilityProcess, type UtilityProcess } from 'electron';
import { EventEmitter } from 'node:events';
import type { ApiResponse } from '../../src-shared/api.js';
import type { FromEngine, ToEngine } from '../engine/host-protocol.js';

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
  ) {
    super();
  }

  start(): Promise<void> {
    const child = utilityProcess.fork(this.entry, [], {
      serviceName: 'Prilavok engine',
      env: { ...process.env, PRILAVOK_DATA_DIR: this.dataDir },
      stdio: 'inherit',
    });
    this.child = child;
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (msg: FromEngine) => {
        if (msg.type === 'ready') {
          this.restarts = 0;
          resolve();
        } else if (msg.type === 'fatal') reject(new Error(msg.message));
        else if (msg.type === 'result') {
          this.pending.get(msg.id)?.(msg.response);
          this.pending.delete(msg.id);
        } else if (msg.type === 'event') this.emit('event', msg.event, msg.payload);
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
