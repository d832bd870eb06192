// Dailies show EXR renders: GET /api/renders/:id/file answers an EXR frame as a display-referred
// PNG through the production's OCIO view (the built-in config: sRGB - Display / Standard), so the
// frame looks as the PNG it was made from (within half rounding); alpha straight in RGBA; PNG
// frames are still sent as stored, byte for byte. An EXR asset (an EXR shot's rough frame) has a
// preview and a full-size view (/api/assets/:id/view, the player's rough side) through the same view.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { loadImage, saveImage } from '../../src/data/image-io.js';
import { convertTensor } from '../../src/data/working-space.js';
import { saveExr } from '../../src/data/exr-writer.js';
import { productionColour } from '../../src/store/colour-settings.js';
import { buildServer } from '../../src/server/app.js';
import { makeFixture, framePng, W, H } from './fixture.js';
import { addShot } from '../../src/store/index.js';

const fx = await makeFixture();
const srv = await buildServer({ production: fx.prod, webDir: null });
after(async () => { await srv.close(); await fx.prod.close(); });
const get = (url: string) => srv.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${fx.tokens.viewer}` } });

test('an EXR frame is served as the display-referred PNG of its picture; a PNG frame as stored', async () => {
  const modelVersion = (await fx.prod.db.selectFrom('model_versions').select('id').executeTakeFirstOrThrow()).id;
  const shot = await fx.prod.shot('sh010');
  const out = join(fx.dir, 'renders', 'sh010', 'vexr');
  mkdirSync(out, { recursive: true });
  const colour = await productionColour(fx.prod);
  const src = join(out, 'src.png');
  writeFileSync(src, await framePng(3, [100, 50, -60]));
  const img = await loadImage(src, 3, { colour });
  // Frame 1 opaque (ACEScg, the default EXR space); frame 2 with a matte: left half opaque, right half at 0.5.
  const alpha = E.tidy(() => E.F.cat([E.ones([1, 1, H, W / 2]), E.full([1, 1, H, W / 2], 0.5)], 3));
  const ids: number[] = [];
  for (const [frame, a] of [[1, null], [2, alpha]] as const) {
    const path = join(out, `sh010.000${frame}.exr`);
    saveExr(path, img.tensor, { colour, alpha: a });
    ids.push(await fx.prod.recordRenderedFrame({ path, modelVersion, inputHashes: { rough: shot.frames[frame - 1]!.rough!.hash }, params: { shot: 'sh010', frame, bits: 8, format: 'exr', colorSpace: 'ACEScg' } }));
  }
  E.disposeAll([img.tensor, alpha]);
  const want = await sharp(src).raw().toBuffer();

  const opaque = await get(`/api/renders/${ids[0]}/file`);
  assert.equal(opaque.statusCode, 200);
  assert.equal(opaque.headers['content-type'], 'image/png');
  const a = await sharp(opaque.rawPayload).raw().toBuffer({ resolveWithObject: true });
  assert.equal(a.info.channels, 3);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - want[i]!));
  assert.ok(worst <= 1, `the displayed EXR differs from its PNG by ${worst} 8-bit steps`);
  // Not the raw linear values: ACEScg of a mid colour would read far darker.
  const cut = await get(`/api/renders/${ids[1]}/file`);
  const b = await sharp(cut.rawPayload).raw().toBuffer({ resolveWithObject: true });
  assert.equal(b.info.channels, 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = y * W + x;
    assert.equal(b.data[i * 4 + 3], x < W / 2 ? 255 : 128, `alpha at ${x},${y}`);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(b.data[i * 4 + c]! - want[i * 3 + c]!) <= 1, `straight colour at ${x},${y}`);
  }

  // A PNG render: the stored bytes.
  const v = await fx.prod.db.selectFrom('renders').select(['id', 'path']).where('path', 'like', '%.png').orderBy('id').executeTakeFirstOrThrow();
  const png = await get(`/api/renders/${v.id}/file`);
  assert.equal(png.statusCode, 200);
  assert.deepEqual(png.rawPayload, readFileSync(join(fx.dir, v.path.startsWith('/') ? v.path.slice(fx.dir.length + 1) : v.path)));
});

test('an EXR shot\'s rough frame has a browser preview through the view', async () => {
  const colour = await productionColour(fx.prod);
  const src = join(fx.dir, '..', 'exr-src');
  mkdirSync(src, { recursive: true });
  const png = join(src, 'f.png');
  writeFileSync(png, await framePng(2, [0, 0, 0]));
  const img = await loadImage(png, 3, { colour });
  saveExr(join(src, 'shx.0001.exr'), img.tensor, { colour, space: 'Linear Rec.709 (sRGB)' });
  img.tensor.dispose();
  const shot = (await addShot(fx.prod, 'shx', join(src, 'shx.####.exr'), { fps: 24 })).shot;
  const res = await get(`/api/assets/${shot.frames[0]!.rough!.id}/preview?size=${W}`);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'image/webp');
  const got = await sharp(res.rawPayload).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([got.info.width, got.info.height], [W, H]);
  const want = await sharp(png).raw().toBuffer();
  let sum = 0;
  for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) sum += Math.abs(got.data[i * got.info.channels + c]! - want[i * 3 + c]!);
  // WebP at quality 82 is lossy: the mean error stays small; linear values shown raw would be far off.
  assert.ok(sum / (W * H * 3) < 4, `mean difference ${(sum / (W * H * 3)).toFixed(2)} 8-bit steps`);
});

test('the player\'s rough frames: /api/assets/:id/view answers an EXR as the PNG of its picture, a PNG as stored; 401 without a token', async () => {
  const colour = await productionColour(fx.prod);
  const src = join(fx.dir, '..', 'exr-view');
  mkdirSync(src, { recursive: true });
  const png = join(src, 'f.png');
  writeFileSync(png, await framePng(4, [30, -20, 10]));
  const img = await loadImage(png, 3, { colour });
  saveExr(join(src, 'shv.0001.exr'), img.tensor, { colour, space: 'ACEScg' });
  img.tensor.dispose();
  const shot = (await addShot(fx.prod, 'shv', join(src, 'shv.####.exr'), { fps: 24 })).shot;
  const id = shot.frames[0]!.rough!.id;
  const raw = await get(`/api/assets/${id}/file`);
  assert.equal(raw.headers['content-type'], 'image/x-exr', 'the bytes route stays the bytes');
  const res = await get(`/api/assets/${id}/view`);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'image/png');
  assert.equal(res.headers['cache-control'], 'private, no-cache', 'the view follows the colour settings');
  const got = await sharp(res.rawPayload).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([got.info.width, got.info.height, got.info.channels], [W, H, 3]);
  const want = await sharp(png).raw().toBuffer();
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got.data[i]! - want[i]!));
  assert.ok(worst <= 1, `the viewed EXR differs from its PNG by ${worst} 8-bit steps`);

  const pngRough = (await fx.prod.shot('sh010')).frames[0]!.rough!;
  const same = await get(`/api/assets/${pngRough.id}/view`);
  assert.equal(same.statusCode, 200);
  assert.equal(same.headers['content-type'], 'image/png');
  assert.deepEqual(same.rawPayload, readFileSync(pngRough.path));
  assert.equal((await srv.app.inject({ method: 'GET', url: `/api/assets/${id}/view` })).statusCode, 401);
  assert.equal((await get('/api/assets/999999/view')).statusCode, 404);
});

test('a PNG frame rendered in another colour space (render --color-space) is shown through the view; one in the image space as stored', async () => {
  const modelVersion = (await fx.prod.db.selectFrom('model_versions').select('id').executeTakeFirstOrThrow()).id;
  const shot = await fx.prod.shot('sh010');
  const colour = await productionColour(fx.prod);
  const out = join(fx.dir, 'renders', 'sh010', 'vlinear');
  mkdirSync(out, { recursive: true });
  const src = join(out, 'src.png');
  writeFileSync(src, await framePng(5, [60, -30, 20]));
  const img = await loadImage(src, 3, { colour });
  const lin = convertTensor(img.tensor, colour, 'sRGB - Texture', 'Linear Rec.709 (sRGB)');
  const path = join(out, 'sh010.0001.png');
  await saveImage(path, lin, 8);
  E.disposeAll([img.tensor, lin]);
  const record = (space: string) => fx.prod.recordRenderedFrame({ path, modelVersion, inputHashes: { rough: shot.frames[0]!.rough!.hash }, params: { shot: 'sh010', frame: 1, bits: 8, format: 'png', colorSpace: space } });
  const res = await get(`/api/renders/${await record('Linear Rec.709 (sRGB)')}/file`);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'image/png');
  const got = await sharp(res.rawPayload).raw().toBuffer({ resolveWithObject: true });
  assert.equal((await sharp(res.rawPayload).metadata()).depth, 'uchar');
  // The stored linear bytes through the IEC linear -> sRGB formula (the built-in sRGB - Display / Standard view).
  const encode = (v: number) => (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055);
  const stored = await sharp(path).raw().toBuffer();
  let worst = 0, far = 0;
  const src8 = await sharp(src).raw().toBuffer();
  for (let i = 0; i < stored.length; i++) {
    worst = Math.max(worst, Math.abs(got.data[i]! - 255 * encode(stored[i]! / 255)));
    far = Math.max(far, Math.abs(stored[i]! - src8[i]!));
  }
  assert.ok(worst <= 1, `the linear PNG shown differs from the formula by ${worst.toFixed(2)} 8-bit steps`);
  assert.ok(far > 50, 'the stored bytes are linear, far from the sRGB ones');
  // Recorded in the image space (an alias of it too): the stored bytes.
  const same = await get(`/api/renders/${await record('srgb_tx')}/file`);
  assert.deepEqual(same.rawPayload, readFileSync(path));
});
