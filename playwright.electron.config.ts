import { defineConfig } from '@playwright/test';

/**
 * The desktop app with a real Electron binary: `ELECTRON_BIN=/path/to/electron npm run test:electron`.
 * Not part of `npm test` — build machines cannot download Electron. Build first (`npm run build`).
 */
export default defineConfig({
  testDir: 'test/electron',
  outputDir: 'test-results/electron',
  timeout: 90_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
});
