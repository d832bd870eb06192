// Refine masks: the frame's size exactly (an 8192² mask is refused from its header, the server
// stays responsive), a per-user quota of stored mask bytes and unfinished requests, held requests
// (run: false) that say so and start on demand; versions name their quality, folder and source.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { buildServer, type AtelierServer } from '../../src/server/app.js';
import { makeFixture, W, H, type Fixture } from './fixture.js';
import { grey16Png } from '../store/helpers.js';
import { readMask } from '../../src/server/masks.js';

let fx: Fixture;
let srv: AtelierServer;
const jobsModule = new URL('./jobs-fixture.js', import.meta.url);

before(async () => {
  fx = await makeFixture();
  srv = await buildServer({ production: fx.prod, webDir: null, jobThreads: 1, limits: { openRefinesPerUser: 3 }, extraJobs: { refine: { module: jobsModule, export: 'fakeRefineJob' } } });
});
after(async () => {
  await srv.close();
  await fx.prod.close();
  rmSync(dirname(fx.dir), { recursive: true, force: true });
});

const post = (url: string, token: string, payload?: unknown) => srv.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload: payload as string });
const get = (url: string, token = fx.tokens.viewer) => srv.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
const refineUrl = () => `/api/shots/sh010/versions/${fx.versionId}/refine`;

async function maskPng(w: number, h: number): Promise<string> {
  const raw = Buffer.alloc(w * h);
  raw.fill(255, 0, Math.floor(w * h / 2));
  return (await sharp(raw, { raw: { width: w, height: h, channels: 1 } }).png({ compressionLevel: 9 }).toBuffer()).toString('base64');
}

test('a mask must be the frame\'s size; an 8192² mask is refused from its header while /health answers at once', async () => {
  const big = await maskPng(8192, 8192);
  assert.ok(big.length < 1_000_000, 'a huge mask is a small request');
  const t0 = performance.now();
  const [a, b, c, health] = await Promise.all([
    post(refineUrl(), fx.tokens.artist, { frame: 2, maskPng: big, run: false }),
    post(refineUrl(), fx.tokens.artist, { frame: 2, maskPng: big, run: false }),
    post(refineUrl(), fx.tokens.artist, { frame: 2, maskPng: big, run: false }),
    srv.app.inject({ method: 'GET', url: '/health' }),
  ]);
  const ms = performance.now() - t0;
  assert.equal(health.statusCode, 200);
  for (const r of [a, b, c]) {
    assert.equal(r.statusCode, 400);
    assert.match(r.json().error.message, new RegExp(`8192×8192 pixels; it must match the frame it was painted on, ${W}×${H}`));
  }
  assert.ok(ms < 1500, `three oversized masks took ${ms.toFixed(0)} ms`);
  const off = await post(refineUrl(), fx.tokens.artist, { frame: 2, maskPng: await maskPng(W + 1, H), run: false });
  assert.equal(off.statusCode, 400);
  assert.equal((await srv.ctx.db.selectFrom('refine_requests').selectAll().execute()).length, 0, 'nothing stored');
});

test('a 16-bit mask covers what its 8-bit twin covers, thresholded at half, and is kept as 8-bit grey', async () => {
  // Top half white, the next quarter mid-grey (at the threshold: counted), the next eighth just below it, the rest black.
  const png = grey16Png(W, H, (_x, y) => (y < H / 2 ? 65535 : y < (3 * H) / 4 ? 32896 : y < (7 * H) / 8 ? 30000 : 0));
  const mask = await readMask(png, { width: W, height: H });
  assert.ok(Math.abs(mask.coverage - 0.75) < 1e-9, `coverage ${mask.coverage}`);
  const kept = await sharp(mask.png).metadata();
  assert.deepEqual([kept.depth, kept.channels], ['uchar', 1]);
  const res = await post(refineUrl(), fx.tokens.supervisor, { frame: 2, maskPng: png.toString('base64'), run: false });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().params.coverage, mask.coverage);
});

test('run: false holds the request ("held", no job); its author starts it and it runs', async () => {
  const res = await post(refineUrl(), fx.tokens.artist, { frame: 2, maskPng: await maskPng(W, H), run: false });
  assert.equal(res.statusCode, 201, res.body);
  const held = res.json();
  assert.deepEqual([held.status, held.jobId], ['held', null]);
  assert.ok(Math.abs(held.params.coverage - 0.5) < 0.01, `coverage ${held.params.coverage}`);
  assert.equal((await post(`/api/refine-requests/${held.id}/start`, fx.tokens.artist2)).statusCode, 403, 'another artist may not start it');
  const started = await post(`/api/refine-requests/${held.id}/start`, fx.tokens.artist);
  assert.equal(started.statusCode, 200, started.body);
  assert.equal(started.json().status, 'pending');
  assert.ok(started.json().jobId);
  assert.equal((await post(`/api/refine-requests/${held.id}/start`, fx.tokens.artist)).statusCode, 409, 'started once only');
  const t0 = Date.now();
  let r: any;
  while (Date.now() - t0 < 20000) {
    r = (await get('/api/refine-requests')).json().refines.find((x: { id: number }) => x.id === held.id);
    if (r.status === 'done' || r.status === 'failed') break;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  assert.equal(r.status, 'done', r.error);
  // The new version names its source by number, its quality and its folder on disk.
  const shot = (await get('/api/shots/sh010')).json();
  const nv = shot.versions.find((v: { id: number }) => v.id === r.resultVersionId);
  assert.deepEqual([nv.number, nv.refine.fromNumber, nv.quality], [2, 1, 'preview']);
  assert.equal(nv.folder, 'v002', 'a refine is a version of its own, its folder named from its number');
  assert.equal(shot.versions[0].folder, `v${shot.versions[0].modelVersion}`);
});

test('per-user quota: unfinished requests and stored mask bytes (429 naming the limit); others unaffected', async () => {
  const mask = await maskPng(W, H);
  for (let i = 0; i < 3; i++) assert.equal((await post(refineUrl(), fx.tokens.artist2, { frame: 3, maskPng: mask, run: false })).statusCode, 201);
  const over = await post(refineUrl(), fx.tokens.artist2, { frame: 3, maskPng: mask, run: false });
  assert.equal(over.statusCode, 429);
  assert.equal(over.json().error.code, 'quota_exceeded');
  assert.match(over.json().error.message, /art has 3 refine requests not yet finished \(at most 3\)/);
  // Bytes: with a quota below what ana already stores, her next mask is refused; the stored ones stay.
  const before = (await get('/api/refine-requests')).json().refines.length;
  const limit = srv.ctx.limits.maskQuotaBytes;
  srv.ctx.limits.maskQuotaBytes = 100;
  try {
    const full = await post(refineUrl(), fx.tokens.artist, { frame: 2, maskPng: mask, run: false });
    assert.equal(full.statusCode, 429);
    assert.match(full.json().error.message, /ana's refine masks would take .* MB of a quota of 0\.0 MB/);
  } finally { srv.ctx.limits.maskQuotaBytes = limit; }
  assert.equal((await get('/api/refine-requests')).json().refines.length, before);
  assert.equal((await post(refineUrl(), fx.tokens.supervisor, { frame: 2, maskPng: mask, run: false })).statusCode, 201, 'another user has their own quota');
});

test('the library pages through every asset and says how many match', async () => {
  const first = (await get('/api/assets?limit=4')).json();
  assert.equal(first.total, 9);
  assert.equal(first.assets.length, 4);
  const rest = (await get('/api/assets?limit=100&offset=4')).json();
  assert.equal(rest.assets.length, 5);
  assert.deepEqual(new Set([...first.assets, ...rest.assets].map((a: { id: number }) => a.id)).size, 9);
});
