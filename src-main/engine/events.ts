import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../../src-shared/api.js';

/** Signals between engine parts that are not part of the window's API. */
export interface InternalEvents {
  'queue.changed': undefined;
  'inbox.received': undefined;
  /** Something shown on the dashboard changed (a poller started or ended, pause, webhook server). */
  'status.changed': undefined;
  /** A job died because its lease expired on its last attempt: no worker is left to report it. */
  'job.gaveUp': { id: number; kind: string; orderId: number | null; attempts: number };
}

type AllEvents = { [E in EventName]: EventPayload<E> } & InternalEvents;

/** A typed emitter: API events go to the window and the tray, internal ones wake loops. */
export class EngineEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  emit<E extends keyof AllEvents>(event: E, payload: AllEvents[E]): void {
    this.emitter.emit(event, payload);
  }

  on<E extends keyof AllEvents>(event: E, listener: (payload: AllEvents[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}
