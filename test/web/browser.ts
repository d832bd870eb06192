// Headless Debian Chromium for the dailies' browser tests (playwright-core, no downloaded browser),
// started as the machine allows it (no sandbox as root, no background networking on a closed network).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEFAULT_WEB_DIR } from '../../src/server/app.js';

export const CHROMIUM = '/usr/bin/chromium';
export const webReady = existsSync(CHROMIUM) && existsSync(join(DEFAULT_WEB_DIR, 'index.html'));
/** node:test's skip option: false when Chromium and the built web app are there, else the reason. */
export const webSkip: false | string = webReady ? false : `needs ${CHROMIUM} and the built web app in dist/web (npm run setup)`;

/** A browser with a fresh profile folder (the caller removes it) and its first page, page errors collected. */
export async function launchBrowser(errors: string[]): Promise<{ browser: BrowserContext; page: Page; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'atelier-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] ?? await browser.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.setDefaultTimeout(30000); // generous: a wait ends as soon as the page is ready, and CI machines are shared
  return { browser, page, profile };
}

/** A browser test's teardown: the browser, the server, the production, the browser profile and the fixture's folder. */
export async function closeWebTest(t: { browser?: BrowserContext; srv?: { close(): Promise<unknown> }; prod?: { close(): Promise<unknown> }; profile?: string; fixtureDir?: string }): Promise<void> {
  await t.browser?.close();
  await t.srv?.close();
  await t.prod?.close();
  if (t.profile) rmSync(t.profile, { recursive: true, force: true });
  if (t.fixtureDir) rmSync(dirname(t.fixtureDir), { recursive: true, force: true });
}
