import { expect, test } from '@playwright/test';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import config from '../../playwright.config.js';

/**
 * The desktop window loads the built renderer from a file, where no server adds a header: the page's own
 * Content-Security-Policy is all there is. Its scripts and styles must load under it, and nothing injected may run.
 */
const rendererDir = process.env.PRILAVOK_RENDERER_DIR ?? path.resolve(import.meta.dirname, '../../out/renderer');
const launch = config.use?.launchOptions ?? {};

// Electron lets a page from a file load its module scripts; plain Chromium needs to be told.
test.use({ launchOptions: { ...launch, args: [...(launch.args ?? []), '--allow-file-access-from-files'] } });

test('окно из файла: строгая политика безопасности, свои скрипты работают, внедрённый скрипт — нет', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(pathToFileURL(path.join(rendererDir, 'index.html')).href);
  // The app itself ran: React rendered (without an engine here, it says it cannot reach one).
  await expect(page.locator('#root > *').first()).toBeVisible();
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain("object-src 'none'");
  expect(violations).toEqual([]);

  // An inline script (what an injected order field would try) is refused, and so is a script from elsewhere.
  const ran = await page.evaluate(async () => {
    const w = window as unknown as { injected?: boolean };
    const inline = document.createElement('script');
    inline.textContent = 'window.injected = true';
    document.body.append(inline);
    const blocked = new Promise<string>((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true }));
    const remote = document.createElement('script');
    remote.src = 'https://example.com/x.js';
    document.body.append(remote);
    return { injected: w.injected ?? false, directive: await blocked };
  });
  expect(ran.injected).toBe(false);
  expect(ran.directive).toMatch(/^script-src/);
  expect(violations.length).toBeGreaterThan(0);
});
