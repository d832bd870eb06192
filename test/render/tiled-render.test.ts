// Tiled inference in the render path: with the tile threshold made tiny, a small random-weight look
// model run tile by tile matches the whole-frame run within 1/255 (invisible in 8-bit frames), and
// a tiled shot render writes the same frames as an untiled one to within one 8-bit level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { initProduction, addShot, addShotPass } from '../../src/store/index.js';
import { makeConfig, inputChannels } from '../../src/models/look/config.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import { saveLookModel, loadLookModel } from '../../src/models/look/model-file.js';
import { stylizeTensor } from '../../src/models/look/stylize.js';
import { renderShotFrames } from '../../src/render/render-shot.js';
import { planTiles } from '../../src/image/tiles.js';

const dir = mkdtempSync(join(tmpdir(), 'atelier-tiled-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const W = 150, H = 102; // not multiples of 4: the padding path too

/** Detail everywhere (so tile edges would show): a moving disc over stripes and a gradient. */
async function writeShot(n: number): Promise<string> {
  const d = join(dir, 'shot');
  mkdirSync(d, { recursive: true });
  for (let i = 0; i < n; i++) {
    const rgb = Buffer.alloc(W * H * 3), nrm = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const k = (y * W + x) * 3;
      const inside = (x - 30 - 4 * i) ** 2 + (y - 50) ** 2 < 300;
      const stripe = ((x + 2 * y) >> 3) & 1;
      rgb[k] = inside ? 220 : 40 + x; rgb[k + 1] = inside ? 80 : 60 + 120 * stripe; rgb[k + 2] = inside ? 60 : 100 + y;
      nrm[k] = 128 + 60 * stripe; nrm[k + 1] = inside ? 200 : 128; nrm[k + 2] = 255;
    }
    const f = String(i).padStart(4, '0');
    await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(d, `rough.${f}.png`));
    await sharp(nrm, { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(d, `normal.${f}.png`));
  }
  return d;
}

const prod = await initProduction(join(dir, 'prod'));
const shotDir = await writeShot(3);
await addShot(prod, 'sh1', join(shotDir, 'rough.####.png'), { fps: 24 });
await addShotPass(prod, 'sh1', 'normal', join(shotDir, 'normal.####.png'));
E.manualSeed(5);
const config = makeConfig([{ name: 'normal', channels: 3 }], { arch: { baseChannels: 4, resBlocks: 1, discChannels: 4 } });
const g = new LookGenerator(inputChannels(config), config.arch);
saveLookModel(join(dir, 'model.safetensors'), config, g.stateDict());
g.dispose();
const model = loadLookModel(join(dir, 'model.safetensors'));

// This model reads ~20 px of context (1 residual block at 1/4 resolution); overlap 96 leaves 24 px
// of each overlap edge to one tile, as the default overlap does for the 4-block production model.
const tiling = { tileAbove: 0, tile: 128, overlap: 96 };

test('tiled stylize equals the whole frame within 1/255; a too-small overlap would not', async () => {
  const d = join(dir, 'shot');
  const rough = (await sharp(join(d, 'rough.0001.png')).raw().toBuffer({ resolveWithObject: true }));
  const toTensor = (b: Buffer) => E.tensor(Float32Array.from(b, (v) => v / 255), [H, W, 3]).permute([2, 0, 1]).unsqueeze(0).contiguous();
  const r = toTensor(rough.data);
  const n = toTensor((await sharp(join(d, 'normal.0001.png')).raw().toBuffer()));
  const passes = new Map([['normal', n]]);
  assert.ok(planTiles(H, W, tiling).tiles >= 2, 'the frame is really split');
  const whole = stylizeTensor(model, r, passes, { tileAbove: Infinity });
  const tiled = stylizeTensor(model, r, passes, tiling);
  const seamy = stylizeTensor(model, r, passes, { tileAbove: 0, tile: 64, overlap: 4 });
  try {
    assert.deepEqual(tiled.shape, [1, 3, H, W]);
    const diff = tiled.sub(whole).abs().max().item();
    assert.ok(diff < 1 / 255, `tiled vs whole: max abs diff ${diff}`);
    const seam = seamy.sub(whole).abs().max().item();
    assert.ok(seam > 1e-6, `a 4 px overlap differs from the whole frame beyond float rounding (${seam}): the tiling option reaches the generator`);
  } finally {
    E.disposeAll([r, n, whole, tiled, seamy]);
  }
});

test('a tiled shot render matches the untiled one to within one 8-bit level', async () => {
  const a = await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'whole') });
  const b = await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'tiled'), tiling });
  assert.equal(a.frames.length, 3);
  assert.equal(b.frames.length, 3);
  for (const name of readdirSync(join(dir, 'whole')).filter((x) => x.endsWith('.png'))) {
    const p = await sharp(join(dir, 'whole', name)).raw().toBuffer();
    const q = await sharp(join(dir, 'tiled', name)).raw().toBuffer();
    assert.equal(p.length, q.length);
    let worst = 0;
    for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i]! - q[i]!));
    assert.ok(worst <= 1, `${name}: tiled and whole differ by ${worst} levels`);
  }
});
