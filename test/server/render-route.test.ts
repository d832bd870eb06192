// The dailies' render route forwards every option of `atelier render` (quality, bits, format and
// colour space, coherence, tiling, upscale) and refuses bad values with a 400 naming the problem,
// before anything is queued or a version claimed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { buildServer, type AtelierServer } from '../../src/server/app.js';
import { createToken } from '../../src/server/auth.js';
import { openProduction, listShotVersionRecords, type Production } from '../../src/store/index.js';
import { renderInputOf } from '../../src/server/render-request.js';
import { makeFormatProduction } from '../render/format-fixture.js';

let dir: string, prod: Production, srv: AtelierServer, token: string, modelVersion: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-render-route-'));
  const made = await makeFormatProduction(dir);
  modelVersion = made.modelVersion;
  prod = await openProduction(made.prodDir);
  srv = await buildServer({ production: prod, webDir: null, jobThreads: 1 });
  token = (await createToken(srv.ctx.db, 'ana', 'artist')).token;
});
after(async () => {
  await srv.close();
  await prod.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits for a job to end; its record. */
async function finished(id: string) {
  for (let i = 0; i < 900; i++) {
    const j = (await srv.ctx.queue.list()).find((x) => x.id === id)!;
    if (j.status === 'failed') assert.fail(j.error ?? 'failed');
    if (j.status === 'done') return j;
    await new Promise((r) => setTimeout(r, 100));
  }
  return assert.fail(`job ${id} did not finish`);
}

const post = (body: unknown) => srv.app.inject({ method: 'POST', url: '/api/jobs/render', headers: { authorization: `Bearer ${token}` }, payload: body as object });

test('a request body becomes the job input the CLI flags make', () => {
  const range: [number, number] = [1001, 1006];
  assert.deepEqual(renderInputOf('/p', range, { shot: 'sh1' }), { productionDir: '/p', shot: 'sh1', range, shotRange: range });
  assert.deepEqual(renderInputOf('/p', range, {
    shot: 'sh1', modelVersion: 3, frameStart: 1002, quality: 'final', bits: 16, coherence: { window: 1, flow: 'motion' },
    tiling: { tile: 256, overlap: 16 }, upscale: { scale: 2, passes: 1 }, priority: 5,
  }), {
    productionDir: '/p', shot: 'sh1', range: [1002, 1006], shotRange: range, modelVersion: 3, quality: 'final', bits: 16,
    coherence: { window: 1, flow: 'motion' }, tiling: { tile: 256, tileAbove: 0, overlap: 16 }, upscale: { scale: 2, passes: 1 }, priority: 5,
  });
  assert.equal(renderInputOf('/p', range, { shot: 'sh1', coherence: false }).coherence, null);
  assert.deepEqual(renderInputOf('/p', range, { shot: 'sh1', matte: 'alpha', movie: { codec: 'prores', burnIn: true } }), { productionDir: '/p', shot: 'sh1', range, shotRange: range, matte: 'alpha', codec: 'prores', burnIn: true });
  assert.equal(renderInputOf('/p', range, { shot: 'sh1', movie: false }).movie, false);
  assert.deepEqual(renderInputOf('/p', range, { shot: 'sh1', tiling: { tile: 0 } }).tiling, { tileAbove: Number.MAX_SAFE_INTEGER });
  assert.deepEqual(renderInputOf('/p', range, { shot: 'sh1', upscale: { model: 4 } }).upscale, { model: '4', passes: 8 });
  assert.throws(() => renderInputOf('/p', range, { shot: 'sh1', tiling: { tile: 32 } }), /tiling.tile must be 0 \(never tile\) or at least 64 pixels, got 32/);
  assert.throws(() => renderInputOf('/p', range, { shot: 'sh1', tiling: { tile: 128, overlap: 64 } }), /tiling.overlap 64 must be less than half the tile \(128\)/);
  assert.throws(() => renderInputOf('/p', range, { shot: 'sh1', upscale: { passes: 1 } }), /upscale needs a scale/);
});

test('bad values are refused with a 400 naming the problem; nothing is queued, no version claimed', async () => {
  const cases: [unknown, RegExp][] = [
    [{ shot: 'sh1', modelVersion, format: 'jpeg' }, /format/],
    [{ shot: 'sh1', modelVersion, quality: 'ultra' }, /quality/],
    [{ shot: 'sh1', modelVersion, bits: 12 }, /bits/],
    [{ shot: 'sh1', modelVersion, coherence: { window: -1 } }, /window/],
    [{ shot: 'sh1', modelVersion, coherence: true }, /coherence/],
    [{ shot: 'sh1', modelVersion, upscale: { scale: 3 } }, /scale/],
    [{ shot: 'sh1', modelVersion, colorSpace: 'Nope' }, /PNG output colour space: unknown colour space "Nope"/],
    [{ shot: 'sh1', modelVersion, format: 'exr', bits: 16 }, /EXR frames are half float/],
    [{ shot: 'sh1', modelVersion, format: 'exr', colorSpace: 'Not A Space' }, /Not A Space/],
    [{ shot: 'sh1', modelVersion, coherence: { flow: 'motion' } }, /shot sh1 has no motion pass on frames 1001, 1002, 1003, 1004, 1005, 1006/],
    [{ shot: 'sh1', modelVersion, frameStart: 1000 }, /frame range 1000-1006 is outside shot sh1 \(1001-1006\)/],
    [{ shot: 'sh1', modelVersion, upscale: { scale: 2 } }, /upscal/i],
    [{ shot: 'sh1', modelVersion, tiling: { tile: 100, overlap: 50 } }, /tiling.overlap 50 must be less than half the tile \(100\)/],
    [{ shot: 'sh1', modelVersion, matte: 'nope' }, /shot sh1 has no pass "nope" to use as a matte \(its passes: normal\)/],
    [{ shot: 'sh1', modelVersion, movie: { codec: 'avi' } }, /codec|movie/],
    [{ shot: 'sh1', modelVersion, movie: true }, /movie/],
    [{ shot: 'sh1', modelVersion, tiling: { tile: 256 } }, /tiling.overlap 192 \(the default\) must be less than half the tile \(256\)/],
  ];
  for (const [body, message] of cases) {
    const res = await post(body);
    assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
    assert.match(res.json().error.message, message, JSON.stringify(body));
  }
  assert.equal((await post({ shot: 'sh9', modelVersion })).statusCode, 404);
  assert.equal((await post({ shot: 'sh1', modelVersion: 99 })).statusCode, 404);
  assert.deepEqual(await srv.ctx.queue.list(), []);
  assert.deepEqual(await listShotVersionRecords(prod, 'sh1'), []);
});

test('the options reach the render: EXR frames in the colour space asked for, the range, tiles, no blend', async () => {
  const res = await post({ shot: 'sh1', modelVersion, frameStart: 1002, frameEnd: 1003, format: 'exr', colorSpace: 'ACEScg', coherence: false, tiling: { tile: 64, overlap: 8 } });
  assert.equal(res.statusCode, 202, res.body);
  const done = await finished(res.json().id as string);
  const [v] = await listShotVersionRecords(prod, 'sh1');
  assert.deepEqual(done.result, { frames: 2, dir: v!.folder, movie: null, version: { id: v!.id, number: 1 } });
  assert.deepEqual([v?.number, v?.folder], [1, join(prod.dir, 'renders', 'sh1', 'v001')]);
  assert.deepEqual(readdirSync(v!.folder).filter((f) => !f.endsWith('.json')).sort(), ['sh1.1002.exr', 'sh1.1003.exr']);
  const frames = await prod.db.selectFrom('renders').select('params').where('version_id', '=', v!.id).orderBy('id').execute();
  const params = frames.map((f) => JSON.parse(f.params) as Record<string, unknown>);
  assert.deepEqual(params.map((p) => [p.frame, p.format, p.colorSpace, p.coherence]), [[1002, 'exr', 'ACEScg', null], [1003, 'exr', 'ACEScg', null]]);
  assert.ok(!existsSync(join(prod.dir, 'renders', 'sh1', 'v002')));
});

test('the matte and the movie options reach the render: RGBA frames cut by the pass, a ProRes movie', async () => {
  const res = await post({ shot: 'sh1', modelVersion, matte: 'normal', coherence: false, movie: { codec: 'prores' } });
  assert.equal(res.statusCode, 202, res.body);
  const done = await finished(res.json().id as string);
  const v = (await listShotVersionRecords(prod, 'sh1')).at(-1)!;
  assert.deepEqual([v.number, basename(v.folder)], [2, 'v002']);
  assert.deepEqual(done.result, { frames: 6, dir: v.folder, movie: join(v.folder, 'sh1.mov'), version: { id: v.id, number: 2 } });
  const frame = await sharp(join(v.folder, 'sh1.1001.png')).metadata();
  assert.equal(frame.channels, 4, 'the matte is the frames\' alpha');
  const params = JSON.parse((await prod.db.selectFrom('renders').select('params').where('version_id', '=', v.id).executeTakeFirstOrThrow()).params) as { matte?: string };
  assert.equal(params.matte, 'normal');
});
