import { SyncError } from './errors.js';
import type { HostRequest, ToEngine } from './host-protocol.js';
import type { PdfRenderer } from './printforms/pdf.js';
import type { SecretBox } from './settings/secret-box.js';

type Pending = { resolve: (data: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout };
type Request = HostRequest extends infer R ? (R extends HostRequest ? Omit<R, 'id'> : never) : never;

/**
 * The engine's side of the host requests: services only the Electron main process has (the OS key store,
 * Chromium's print-to-PDF), asked for over the utility process's port with an id and a time limit.
 */
export class HostClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly post: (msg: HostRequest) => void,
    private readonly timeouts: { secretMs?: number; pdfMs?: number } = {},
  ) {}

  /** Feeds a message from the shell; true when it was an answer to one of our requests. */
  handle(msg: ToEngine): boolean {
    if (msg.type !== 'hostResult') return false;
    const p = this.pending.get(msg.id);
    if (!p) return true;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.data);
    else p.reject(new Error(msg.message));
    return true;
  }

  request(req: Request): Promise<string> {
    const id = this.nextId++;
    // The OS may ask the user to unlock the key store, so secrets get a generous limit.
    const ms = req.type === 'pdf' ? (this.timeouts.pdfMs ?? 60_000) : (this.timeouts.secretMs ?? 120_000);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`host request ${req.type} timed out after ${ms} ms`));
      }, ms);
      this.pending.set(id, { resolve, reject, timer });
      this.post({ ...req, id } as HostRequest);
    });
  }

  /** Fails every request in flight (the shell is going away). */
  close(reason = 'host closed'): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
    }
    this.pending.clear();
  }

  secretBox(warning: string | null): SecretBox {
    return {
      warning,
      encrypt: async (plain) => Buffer.from(await this.request({ type: 'secret', op: 'encrypt', data: plain }), 'base64'),
      decrypt: (data) => this.request({ type: 'secret', op: 'decrypt', data: data.toString('base64') }),
    };
  }

  pdfRenderer(): PdfRenderer {
    return {
      pdf: async (html, page) => {
        try {
          return Buffer.from(await this.request({ type: 'pdf', html, page }), 'base64');
        } catch (err) {
          const detail = err instanceof Error ? err.message : String(err);
          throw new SyncError({
            kind: /timed out/.test(detail) ? 'retryable' : 'needsAttention',
            message: 'Не удалось сформировать PDF для печати. Попробуйте ещё раз.',
            detail,
            cause: err,
          });
        }
      },
      close: async () => undefined,
    };
  }
}
