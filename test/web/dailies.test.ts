// The review app as a supervisor uses it, in Debian's Chromium (playwright-core): the right shot's
// frames when moving between shots and after sign-in, a version that does not exist and a frame
// that is missing said plainly, long notes that wrap, verdicts in the version menu at once, held
// refine requests that do not poll, version labels people use, and sign-out that ends the session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, closeWebTest, webReady, webSkip } from './browser.js';
import { buildServer, type AtelierServer } from '../../src/server/app.js';
import { addSecondShot, addVersion, makeFixture, W, H, type Fixture } from '../server/fixture.js';
import { getRenderedFrame } from '../../src/store/index.js';

const ready = webReady;
const skip = webSkip;

let fx: Fixture;
let srv: AtelierServer;
let base: string;
let browser: BrowserContext;
let page: Page;
let profile: string;
let v2: number;      // sh010's second version (blue frames)
let sh020v: number;  // sh020's only version (green frames)
const errors: string[] = [];
const notFound: string[] = [];

before(async () => {
  if (!ready) return;
  fx = await makeFixture();
  await addSecondShot(fx);
  v2 = await addVersion(fx, 'sh010', 'v1-final', [0, 0, 150]);
  sh020v = await addVersion(fx, 'sh020', 'v1', [0, 150, -80]);
  const jobs = new URL('../server/jobs-fixture.js', import.meta.url);
  srv = await buildServer({ production: fx.prod, jobThreads: 1, extraJobs: { refine: { module: jobs, export: 'fakeRefineJob' } } });
  base = await srv.app.listen({ port: 0, host: '127.0.0.1' });
  ({ browser, page, profile } = await launchBrowser(errors));
  page.on('response', (r) => { if (r.status() === 404) notFound.push(r.url()); });
});

after(async () => {
  if (!ready) return;
  await closeWebTest({ browser, srv, prod: fx?.prod, profile, fixtureDir: fx?.dir });
});

/** RGB of a canvas at a fraction of its width and height. */
const pixel = (testId: string, x: number, y: number) => page.evaluate(([id, fx_, fy]) => {
  const c = document.querySelector(`[data-testid=${id}]`) as HTMLCanvasElement;
  return [...c.getContext('2d')!.getImageData(Math.floor(c.width * (fx_ as number)), Math.floor(c.height * (fy as number)), 1, 1).data].slice(0, 3);
}, [testId, x, y] as const);
const selected = () => page.inputValue('[data-testid=version-select]');
const finalBlue = async () => (await pixel('player-canvas', 0.95, 0.9))[2]!;
const loadedPlayer = () => page.waitForSelector('[data-testid=player][data-loaded="1"]');

test('right after sign-in, #/shots/sh010/<v1> stays on v1 (not the newest version)', { skip }, async () => {
  await page.goto(`${base}/#/shots/sh010/${fx.versionId}`);
  await page.fill('[data-testid=token]', fx.tokens.supervisor);
  await page.click('[data-testid=sign-in]');
  await loadedPlayer();
  await page.waitForTimeout(300); // any late redirect would have happened by now
  assert.equal(await page.evaluate(() => location.hash), `#/shots/sh010/${fx.versionId}`);
  assert.equal(await selected(), String(fx.versionId));
  assert.ok(await finalBlue() < 40, 'the wipe\'s final half is v1 (blue ≈ 30), not v2 (≈ 240)');
});

test('clicking another shot shows that shot\'s own newest version, never the last shot\'s id', { skip }, async () => {
  notFound.length = 0;
  await page.click('[data-testid=shot-sh020]');
  await page.waitForFunction((id) => location.hash === `#/shots/sh020/${id}`, sh020v);
  await page.waitForFunction((id) => (document.querySelector('[data-testid=version-select]') as HTMLSelectElement | null)?.value === String(id), sh020v);
  await loadedPlayer();
  const px = await pixel('player-canvas', 0.95, 0.9);
  assert.ok(px[1]! > 230 && px[2]! < 30, `sh020's own render on the final side: ${px}`);
  // And back: sh010 opens on its newest version (v2), and clicks do not chain.
  await page.click('[data-testid=shot-sh010]');
  await page.waitForFunction((id) => location.hash === `#/shots/sh010/${id}`, v2);
  await page.click('[data-testid=shot-sh020]');
  await page.waitForFunction((id) => location.hash === `#/shots/sh020/${id}`, sh020v);
  await page.click('[data-testid=shot-sh010]');
  await page.waitForFunction((id) => location.hash === `#/shots/sh010/${id}`, v2);
  await loadedPlayer();
  assert.ok(await finalBlue() > 200, 'sh010 v2\'s frames');
  assert.deepEqual(notFound, [], 'no request for a version of the wrong shot');
});

test('a version that does not exist says so; no player shows another version under its name', { skip }, async () => {
  await page.goto(`${base}/#/shots/sh010/99999`);
  await page.waitForSelector('[data-testid=version-error]');
  assert.match(await page.textContent('[data-testid=version-error]') ?? '', /no version 99999/);
  assert.equal(await selected(), '99999');
  assert.match(await page.locator('[data-testid=version-select] option:checked').textContent() ?? '', /no version 99999/);
  assert.equal(await page.locator('[data-testid=player]').count(), 0);
});

test('a missing rendered frame is named on the page and drawn as missing, not black', { skip }, async () => {
  const v = (await srv.app.inject({ method: 'GET', url: `/api/shots/sh020/versions/${sh020v}`, headers: { authorization: `Bearer ${fx.tokens.viewer}` } })).json();
  const gone = await getRenderedFrame(fx.prod, v.frames[1].renderId);
  rmSync(gone.path);
  await page.goto(`${base}/#/shots/sh020/${sh020v}`);
  await page.reload(); // a fresh page: the frame was in this page's image cache from the earlier test
  await loadedPlayer();
  await page.waitForSelector('[data-testid=frames-missing]');
  assert.match(await page.textContent('[data-testid=frames-missing]') ?? '', /1 final frame could not be loaded.*: 2/);
  await page.locator('[data-testid=scrub]').fill('1');
  await page.selectOption('[data-testid=view-mode]', 'final');
  const px = await pixel('player-canvas', 0.1, 0.1);
  assert.ok(px[0]! > 40 && px[0]! > px[2]! + 20, `the missing frame is drawn as missing (dark red), not black: ${px}`);
  assert.match(await page.textContent('[data-testid=frames-missing]') ?? '', /this frame is one of them/);
  await page.selectOption('[data-testid=view-mode]', 'wipe');
});

test('a 4000-character note without spaces wraps inside the panel; the page does not widen', { skip }, async () => {
  await page.goto(`${base}/#/shots/sh010/${fx.versionId}`);
  await loadedPlayer();
  await page.fill('[data-testid=note-text]', 'x'.repeat(4000));
  await page.click('[data-testid=add-note]');
  await page.waitForFunction(() => (document.querySelector('[data-testid=notes] .note-text')?.textContent ?? '').length === 4000);
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  assert.ok(scroll <= inner, `page is ${scroll} px wide in a ${inner} px window`);
});

test('a verdict shows in the version menu at once, without a reload', { skip }, async () => {
  const option = () => page.locator(`[data-testid=version-select] option[value="${fx.versionId}"]`).textContent();
  assert.doesNotMatch(await option() ?? '', /approved/);
  await page.fill('[data-testid=note-text]', 'good to go');
  await page.click('[data-testid=approve]');
  await page.waitForFunction((id) => /approved/.test(document.querySelector(`[data-testid=version-select] option[value="${id}"]`)?.textContent ?? ''), fx.versionId);
  await page.fill('[data-testid=note-text]', 'on second look, no');
  await page.click('[data-testid=needs-work]');
  await page.waitForFunction((id) => /needs work/.test(document.querySelector(`[data-testid=version-select] option[value="${id}"]`)?.textContent ?? ''), fx.versionId);
});

test('a held refine request (run: false) says so and is not polled; started, it runs and its version is named by number', { skip }, async () => {
  const raw = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) for (let x = W / 2; x < W; x++) raw[y * W + x] = 255;
  const mask = (await sharp(raw, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer()).toString('base64');
  const res = await srv.app.inject({ method: 'POST', url: `/api/shots/sh010/versions/${fx.versionId}/refine`, headers: { authorization: `Bearer ${fx.tokens.supervisor}` }, payload: { frame: 2, maskPng: mask, run: false } });
  assert.equal(res.statusCode, 201, res.body);
  let polls = 0;
  const count = (r: { url(): string }) => { if (r.url().includes('/reviews')) polls++; };
  await page.reload();
  await page.waitForSelector('[data-testid=refine-status]');
  assert.equal(await page.textContent('[data-testid=refine-status]'), 'held (not started)');
  page.on('request', count);
  await page.waitForTimeout(4500);
  page.off('request', count);
  assert.equal(polls, 0, 'no polling for a request no job will change');
  await page.click('[data-testid=start-refine]');
  await page.waitForSelector('[data-testid=refines] li[data-status=done]', { timeout: 30000 });
  // The new version's menu entry: its number, quality, and "refine of v1" (not an internal id).
  const done = await srv.ctx.db.selectFrom('refine_requests').selectAll().where('status', '=', 'done').executeTakeFirstOrThrow();
  await page.waitForFunction((id) => !!document.querySelector(`[data-testid=version-select] option[value="${id}"]`), done.result_version_id);
  const label = await page.locator(`[data-testid=version-select] option[value="${done.result_version_id}"]`).textContent();
  assert.match(label ?? '', /^v3 · preview · model #\d+ · refine of v1$/);
  assert.doesNotMatch(label ?? '', new RegExp(`refine of ${fx.versionId}\\b`));
  await page.click('[data-testid=open-result]');
  // Its folder on disk is named from its number, as the menu says.
  await page.waitForFunction(() => document.querySelector('[data-testid=version-folder]')?.textContent === 'folder v003');
});

test('version against version: wipe, side by side and difference of v2 against v1, and against another shot', { skip }, async () => {
  await page.goto(`${base}/#/shots/sh010/${fx.versionId}`);
  await loadedPlayer();
  await page.selectOption('[data-testid=compare-select]', `v:${v2}`);
  await page.selectOption('[data-testid=view-mode]', 'wipe');
  await page.locator('[data-testid=wipe]').fill('0.5');
  await page.waitForFunction(() => document.querySelector('[data-testid=label-a]')?.textContent === 'v2');
  await loadedPlayer();
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid=player-canvas]') as HTMLCanvasElement;
    return c.getContext('2d')!.getImageData(2, c.height - 3, 1, 1).data[2]! > 200;
  });
  assert.ok((await pixel('player-canvas', 0.05, 0.9))[2]! > 200, 'left of the wipe: v2 (blue ≈ 240)');
  assert.ok((await pixel('player-canvas', 0.95, 0.9))[2]! < 40, 'right of the wipe: v1 (blue ≈ 30)');
  assert.equal(await page.textContent('[data-testid=label-b]'), 'v1');
  await page.selectOption('[data-testid=view-mode]', 'side');
  assert.ok((await pixel('player-canvas', 0.5, 0.9))[2]! > 200);
  assert.ok((await pixel('player-canvas-b', 0.5, 0.9))[2]! < 40);
  await page.selectOption('[data-testid=view-mode]', 'diff');
  const d = await pixel('player-canvas', 0.95, 0.9);
  assert.ok(Math.abs(d[2]! - 210) <= 3 && Math.abs(d[0]! - 100) <= 3 && Math.abs(d[1]! - 50) <= 3, `|v2 − v1| = (100, 50, 210) in the background: ${d}`);
  await page.screenshot({ path: join(process.cwd(), 'out', 'screenshots', 'shots-difference.png') }).catch(() => undefined);
  // Against another shot's newest version, frame by frame in order.
  await page.selectOption('[data-testid=compare-select]', 's:sh020');
  await page.selectOption('[data-testid=view-mode]', 'rough');
  await page.waitForFunction(() => document.querySelector('[data-testid=view-mode] option[value=rough]')?.textContent === 'A: sh020 v1');
  await loadedPlayer();
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid=player-canvas]') as HTMLCanvasElement;
    return c.getContext('2d')!.getImageData(c.width - 3, c.height - 3, 1, 1).data[1]! > 230;
  });
  await page.selectOption('[data-testid=compare-select]', '');
  await page.selectOption('[data-testid=view-mode]', 'wipe');
});

test('viewer basics: J/K/L and Home/End anywhere on the page (not while typing), timecode and burn-in, note markers that jump to their frame', { skip }, async () => {
  const post = await srv.app.inject({ method: 'POST', url: `/api/shots/sh010/versions/${fx.versionId}/reviews`, headers: { authorization: `Bearer ${fx.tokens.supervisor}` }, payload: { note: 'ear pops here', frame: 4 } });
  assert.equal(post.statusCode, 201);
  await page.goto(`${base}/#/shots/sh010/${fx.versionId}`);
  await page.reload();
  await loadedPlayer();
  const attr = (a: string) => page.getAttribute('[data-testid=player]', a);
  await page.click('h2'); // focus on the page, not the player
  await page.keyboard.press('End');
  assert.equal(await attr('data-frame'), '6');
  await page.keyboard.press('Home');
  assert.equal(await attr('data-frame'), '1');
  assert.match(await page.textContent('[data-testid=frame-counter]') ?? '', /00:00:00:01/);
  await page.keyboard.press('l');
  assert.deepEqual([await attr('data-playing'), await attr('data-dir')], ['1', '1']);
  await page.keyboard.press('k');
  assert.equal(await attr('data-playing'), '0');
  await page.keyboard.press('End');
  await page.keyboard.press('j');
  assert.deepEqual([await attr('data-playing'), await attr('data-dir')], ['1', '-1']);
  await page.keyboard.press('k');
  // Typing a note never drives the player.
  await page.click('[data-testid=note-text]');
  await page.keyboard.type('look at this');
  await page.keyboard.press('End');
  assert.equal(await attr('data-playing'), '0');
  assert.equal(await page.inputValue('[data-testid=note-text]'), 'look at this');
  await page.fill('[data-testid=note-text]', '');
  // Burn-in: the frame number and timecode drawn on the picture's bottom-left corner.
  await page.click('h2');
  await page.keyboard.press('Home');
  await page.selectOption('[data-testid=view-mode]', 'final');
  const before = await pixel('player-canvas', 0.02, 0.97);
  await page.check('[data-testid=burn-in]');
  const after = await pixel('player-canvas', 0.02, 0.97);
  assert.notDeepEqual(after, before, 'the burn-in box covers the corner');
  await page.uncheck('[data-testid=burn-in]');
  await page.selectOption('[data-testid=view-mode]', 'wipe');
  // The note on frame 4 marks the timeline; clicking it jumps there.
  await page.waitForSelector('[data-testid=note-marker][data-frame="4"]');
  await page.click('[data-testid=frame-note]');
  await page.waitForFunction(() => document.querySelector('[data-testid=player]')?.getAttribute('data-frame') === '4', undefined, { timeout: 3000 });
});

test('sign-out ends the session: the old cookie no longer opens the API', { skip }, async () => {
  const cookie = (await browser.cookies()).find((c) => c.name === 'atelier_session')!;
  assert.match(cookie.value, /^ses_/);
  assert.equal(cookie.httpOnly, true);
  await page.getByText('Sign out').click();
  await page.waitForSelector('[data-testid=token]');
  const res = await srv.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `atelier_session=${cookie.value}` } });
  assert.equal(res.statusCode, 401);
  assert.deepEqual(errors, [], 'no errors in the page');
});
