import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../engine/engine.js';
import { defaultBackoff } from '../engine/jobs/backoff.js';
import { defaultDataDir } from '../engine/paths.js';
import { createChromiumPdfRenderer } from '../engine/printforms/pdf.js';
import { defaultWebhookLimits } from '../engine/webhooks/server.js';
import { startBridge } from './bridge.js';

/**
 * Headless mode: the engine plus the window in any browser on this computer. For machines without a display
 * or Electron, and for the browser tests.
 *
 * Environment: PRILAVOK_DATA_DIR, PRILAVOK_UI_PORT (default 47801, 0 = any), PRILAVOK_WEBHOOK_PORT,
 * PRILAVOK_TOKEN (default: generated once and kept in the data directory), PRILAVOK_LEASE_MS and
 * PRILAVOK_BACKOFF_MS (job lease and first retry wait; defaults 60 s and 2 s), PRILAVOK_HEADERS_TIMEOUT_MS and
 * PRILAVOK_REQUEST_TIMEOUT_MS (how long a sender may take over its headers and its whole request; 10 s and 30 s).
 */
async function main(): Promise<void> {
  const env = process.env;
  const dataDir = path.resolve(env.PRILAVOK_DATA_DIR ?? defaultDataDir());
  const here = path.dirname(fileURLToPath(import.meta.url));
  const staticDir = env.PRILAVOK_RENDERER_DIR ?? path.resolve(here, '../renderer');

  const slow = {
    ...(env.PRILAVOK_HEADERS_TIMEOUT_MS ? { headersTimeoutMs: Number(env.PRILAVOK_HEADERS_TIMEOUT_MS) } : {}),
    ...(env.PRILAVOK_REQUEST_TIMEOUT_MS ? { requestTimeoutMs: Number(env.PRILAVOK_REQUEST_TIMEOUT_MS) } : {}),
  };

  let engine: Engine;
  try {
    engine = await Engine.open({
      dataDir,
      ...(env.PRILAVOK_WEBHOOK_PORT ? { webhookPort: Number(env.PRILAVOK_WEBHOOK_PORT) } : {}),
      // How long a job's lease lasts before another process may take it over (after a crash); default 60 s.
      ...(env.PRILAVOK_LEASE_MS ? { runner: { leaseMs: Number(env.PRILAVOK_LEASE_MS) } } : {}),
      // First wait before a failed job is tried again (default 2 s, doubling each time).
      ...(env.PRILAVOK_BACKOFF_MS ? { backoff: { ...defaultBackoff, baseMs: Number(env.PRILAVOK_BACKOFF_MS) } } : {}),
      // Print forms to PDF through the local Chromium (PRILAVOK_CHROMIUM, else /usr/bin/chromium).
      pdfRenderer: createChromiumPdfRenderer(),
      webhookLimits: { ...defaultWebhookLimits, ...slow },
    });
  } catch (err) {
    console.error(`Прилавок не запустился: ${err instanceof Error ? err.message : String(err)}`);
    const detail = (err as { detail?: string }).detail;
    if (detail) console.error(detail);
    process.exit(1);
  }
  await engine.start();

  const token = env.PRILAVOK_TOKEN ?? loadOrCreateToken(path.join(dataDir, 'ui-token'));
  const bridge = await startBridge({ engine, token, port: Number(env.PRILAVOK_UI_PORT ?? 47801), staticDir, ...slow });

  console.log(`Прилавок работает. Данные: ${dataDir}`);
  console.log(`Окно Прилавка: ${bridge.url}`);
  console.log(`Входящие запросы: ${engine.webhooks.localUrl ?? 'порт недоступен'}`);
  // One machine-readable line for scripts and tests.
  console.log(`PRILAVOK_READY ${JSON.stringify({ ui: bridge.url, uiPort: bridge.port, webhooks: engine.webhooks.localUrl, dataDir })}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Получен ${signal}: завершаю текущие операции…`);
    await bridge.close();
    await engine.stop();
    console.log('Прилавок остановлен.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

function loadOrCreateToken(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const token = randomBytes(24).toString('base64url');
    fs.writeFileSync(file, token, { mode: 0o600 });
    return token;
  }
}

void main();
