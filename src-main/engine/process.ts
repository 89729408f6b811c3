/**
 * Entry of the engine inside Electron's utility process: the tray and the window stay responsive whatever the
 * sync loop does. Plain Node code — Electron only provides `process.parentPort` at run time.
 */
import { apiEvents, type EventName } from '../../src-shared/api.js';
import { Engine } from './engine.js';
import { HOST_PDF_ENV, HOST_SECRETS_ENV, HOST_SECRETS_WARNING_ENV, type FromEngine, type ToEngine } from './host-protocol.js';
import { HostClient } from './host-services.js';

interface ParentPort {
  on(event: 'message', listener: (e: { data: ToEngine }) => void): void;
  postMessage(message: FromEngine): void;
}

const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!port) throw new Error('engine process must be started by the Prilavok shell (utilityProcess)');
const parent: ParentPort = port;

const dataDir = process.env.PRILAVOK_DATA_DIR;
if (!dataDir) throw new Error('PRILAVOK_DATA_DIR is not set');

// The OS key store and print-to-PDF live in the shell's main process; the engine asks for them over the port.
const host = new HostClient((msg) => parent.postMessage(msg));
parent.on('message', ({ data }) => void host.handle(data));

try {
  const engine = await Engine.open({
    dataDir,
    ...(process.env[HOST_SECRETS_ENV] === '1' ? { secretBox: host.secretBox(process.env[HOST_SECRETS_WARNING_ENV] || null) } : {}),
    ...(process.env[HOST_PDF_ENV] === '1' ? { pdfRenderer: host.pdfRenderer() } : {}),
  });
  for (const event of Object.keys(apiEvents) as EventName[]) {
    engine.events.on(event, (payload) => parent.postMessage({ type: 'event', event, payload }));
  }
  parent.on('message', ({ data }) => {
    if (data.type === 'call') {
      void engine.api(data.method, data.input).then((response) => parent.postMessage({ type: 'result', id: data.id, response }));
    } else if (data.type === 'stop') {
      void engine.stop().then(() => {
        parent.postMessage({ type: 'stopped' });
        process.exit(0);
      });
    }
  });
  await engine.start();
  parent.postMessage({ type: 'ready' });
} catch (err) {
  parent.postMessage({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
