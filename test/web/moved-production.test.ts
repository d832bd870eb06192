// A production moved to another folder still serves its renders in dailies (issue 16), in Debian's
// Chromium (playwright-core): the fixture production is rendered, closed, renamed, opened at the new
// place and served; the player shows every rendered frame (no "outside the production", no 404s,
// the wipe's final half in the rendered colours, not black).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, webReady, webSkip } from './browser.js';
import { buildServer, type AtelierServer } from '../../src/server/app.js';
import { openProduction, getRenderedFrame, type Production } from '../../src/store/index.js';
import { makeFixture, FRAMES, type Fixture } from '../server/fixture.js';

const ready = webReady;
const skip = webSkip;

let fx: Fixture;
let prod: Production;
let moved: string;
let srv: AtelierServer;
let base: string;
let browser: BrowserContext;
let page: Page;
let profile: string;
const errors: string[] = [];
const failed: string[] = [];

before(async () => {
  if (!ready) return;
  fx = await makeFixture();
  await fx.prod.close();
  // Another folder name at another depth; nothing is left at the old path.
  mkdirSync(join(dirname(fx.dir), 'elsewhere'));
  moved = join(dirname(fx.dir), 'elsewhere', 'film');
  renameSync(fx.dir, moved);
  prod = await openProduction(moved);
  srv = await buildServer({ production: prod, jobThreads: 1 });
  base = await srv.app.listen({ port: 0, host: '127.0.0.1' });
  ({ browser, page, profile } = await launchBrowser(errors));
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
});

after(async () => {
  if (!ready) return;
  await browser?.close();
  await srv?.close();
  await prod?.close();
  rmSync(profile, { recursive: true, force: true });
  rmSync(dirname(fx.dir), { recursive: true, force: true });
});

const pixel = (x: number, y: number) => page.evaluate(([fx_, fy]) => {
  const c = document.querySelector('[data-testid=player-canvas]') as HTMLCanvasElement;
  return [...c.getContext('2d')!.getImageData(Math.floor(c.width * fx_!), Math.floor(c.height * fy!), 1, 1).data].slice(0, 3);
}, [x, y] as const);

// The fixture's rendered frames at (0.95, 0.9), right of the moving square: 40+100+60, 60+50+43, 90-60.
const RENDERED = [200, 153, 30];
const near = (got: number[], want: number[]) => got.every((v, i) => Math.abs(v - want[i]!) <= 20);

test('the moved production records its renders at the new place', { skip }, async () => {
  assert.ok(!existsSync(fx.dir), 'nothing is left at the old path');
  const r = await getRenderedFrame(prod, fx.versionId);
  assert.equal(dirname(dirname(dirname(r.path))), join(moved, 'renders'));
  assert.ok(existsSync(r.path));
});

test('dailies of a moved production play its rendered frames, first to last', { skip }, async () => {
  await page.goto(`${base}/#/shots/sh010/${fx.versionId}`);
  await page.fill('[data-testid=token]', fx.tokens.supervisor);
  await page.click('[data-testid=sign-in]');
  await page.waitForSelector('[data-testid=player][data-loaded="1"]');
  for (let f = 1; f <= FRAMES; f++) {
    assert.equal(Number(await page.getAttribute('[data-testid=player]', 'data-frame')), f);
    const px = await pixel(0.95, 0.9);
    assert.ok(near(px, RENDERED), `frame ${f}: the wipe's final half is ${px}, not the rendered ${RENDERED}`);
    if (f < FRAMES) await page.click('[data-testid=step-forward]');
  }
  assert.equal(await page.locator('[data-testid=frames-missing]').count(), 0, 'no frame is missing');
  assert.equal(await page.getByText('outside the production').count(), 0);
  assert.deepEqual(failed.filter((u) => u.includes('/api/renders/')), [], 'every rendered frame was served');
  assert.deepEqual(errors, []);
});
