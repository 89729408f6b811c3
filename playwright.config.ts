import { defineConfig } from '@playwright/test';

/**
 * Browser tests: headless mode (the real engine) driven through Debian's Chromium. Each test file starts its
 * own headless Prilavok on free ports with a temporary data directory.
 */
export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/playwright',
  timeout: 60_000,
  workers: 2,
  retries: 0,
  reporter: [['list'], ['json']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    locale: 'ru-RU',
    timezoneId: 'Europe/Moscow',
    launchOptions: {
      executablePath: process.env.PRILAVOK_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--lang=ru-RU',
      ],
      // Date inputs follow the browser's own language (дд.мм.гггг, not mm/dd/yyyy), not `locale` above, which is
      // only what the page is told. On Linux Chromium takes it from LANGUAGE (--lang is for Windows and macOS),
      // and only with its Russian language pack installed (Debian: chromium-l10n).
      env: { ...process.env, LANGUAGE: 'ru' },
    },
  },
});
