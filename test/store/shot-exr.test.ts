// EXR sequences as shots: multi-layer and multi-part frames written by oiiotool, numbered from
// 1001 with any padding; the beauty becomes the rough frame (in the working colour space when
// loaded), layers become render passes, a truncated frame is rejected with OpenEXR's reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { initProduction, addShot, getShot } from '../../src/store/index.js';
import { loadImage } from '../../src/data/image-io.js';
import { productionColour } from '../../src/store/colour-settings.js';
import { tempDir, writeImage } from './helpers.js';
import { writeMultiLayer, oiiotool } from '../data/exr-fixtures.js';

const encode = (v: number) => (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);

async function pixel(path: string, channels: 1 | 3, o = {}): Promise<number[]> {
  const img = await loadImage(path, channels, o);
  const v = img.tensor.data() as Float32Array;
  const n = img.width * img.height;
  img.tensor.dispose();
  return Array.from({ length: img.channels }, (_, c) => v[c * n]!);
}

test('multi-layer EXR sequence from 1001: beauty, passes by layer and channel, timecode; a truncated frame rejected', async (t) => {
  const dir = tempDir(t);
  const r = join(dir, 'r');
  mkdirSync(r);
  for (const f of [1001, 1002, 1003]) {
    writeMultiLayer(join(r, `sh010.${f}.exr`), { rgba: [0.18, 0.18 * (f - 1000), 0.05, 1], z: f - 1000, motion: [f - 1000, -1], compression: f === 1003 ? 'piz' : 'zip' });
  }
  const whole = readFileSync(join(r, 'sh010.1002.exr'));
  writeFileSync(join(r, 'sh010.1002.exr'), whole.subarray(0, whole.length - 40));
  const prod = await initProduction(join(dir, 'prod'));
  t.after(() => prod.close());
  const report = await addShot(prod, 'sh010', join(r, 'sh010.####.exr'), { layer: 'beauty', passes: { depth: 'Z', motion: 'motion' }, fps: 24, timecode: '01:00:41:17', colorSpace: 'Linear Rec.709 (sRGB)' });
  assert.deepEqual(report.shot.range, [1001, 1003]);
  assert.deepEqual(report.rejected.map((x) => [x.frame, /truncated EXR file/.test(x.reason), x.file.endsWith('sh010.1002.exr')]), [[1002, true, true]]);
  assert.equal(report.shot.timecode, '01:00:41:17');
  assert.equal(report.shot.colorSpace, 'Linear Rec.709 (sRGB)');
  assert.deepEqual(report.shot.passNames, ['depth', 'motion']);
  assert.deepEqual(report.shot.missing, [1002]);
  const f3 = report.shot.frames.find((f) => f.frame === 1003)!;
  assert.equal(f3.rough!.format, 'exr');
  // The rough frame loads in the working space (sRGB - Texture) from linear Rec.709.
  const colour = await productionColour(prod);
  const rgb = await pixel(f3.rough!.path, 3, { colour });
  [0.18, 0.54, 0.05].forEach((v, c) => assert.ok(Math.abs(rgb[c]! - encode(v)) < 2e-3, `c${c}: ${rgb[c]} vs ${encode(v)}`));
  assert.deepEqual(await pixel(f3.passes.depth!.path, 1), [3]);
  assert.deepEqual(await pixel(f3.passes.motion!.path, 3), [3, -1, 0]);
  const asset = await prod.db.selectFrom('assets').select(['original_name', 'source_path', 'color_space']).where('id', '=', f3.rough!.id).executeTakeFirstOrThrow();
  assert.equal(asset.original_name, 'sh010.1003.exr#beauty');
  assert.equal(asset.source_path, join(r, 'sh010.1003.exr'));
  assert.equal(asset.color_space, 'Linear Rec.709 (sRGB)');

  // Re-import: the split files are the same bytes, nothing new stored.
  const again = await addShot(prod, 'sh010', join(r, 'sh010.####.exr'), { layer: 'beauty', passes: { depth: 'Z', motion: 'motion' }, fps: 24, colorSpace: 'lin_srgb', replace: true });
  assert.equal(again.ingest.added, 0);
  assert.equal(again.shot.timecode, null, 'no --timecode and none in the headers');
  assert.deepEqual((await getShot(prod, 'sh010')).passNames, ['depth', 'motion']);
});

test('multi-part EXR with 5-digit padding; bad layer, colour space, timecode and non-EXR --pass are clear errors', async (t) => {
  const dir = tempDir(t);
  for (const f of [1001, 1002]) {
    oiiotool(['--pattern', `constant:color=0.25,0.5,${f - 1000}`, '6x4', '3', '--attrib', 'oiio:subimagename', 'beauty',
      '--pattern', `constant:color=${f}`, '6x4', '1', '--chnames', 'Z', '--attrib', 'oiio:subimagename', 'depth', '--siappend', '-d', 'half', '--compression', 'dwaa', '-o', join(dir, `mp.0${f}.exr`)]);
  }
  await writeImage(join(dir, 'png.1001.png'), 1);
  const prod = await initProduction(join(dir, 'prod'));
  t.after(() => prod.close());
  const ok = await addShot(prod, 'mp', join(dir, 'mp.#####.exr'), { passes: { depth: 'depth' } });
  assert.deepEqual(ok.shot.range, [1001, 1002]);
  assert.deepEqual(ok.rejected, []);
  assert.deepEqual(await pixel(ok.shot.frames[1]!.passes.depth!.path, 1), [1002]);

  // A pass that no frame has: every frame rejected, so no shot (its error names the reason).
  await assert.rejects(addShot(prod, 'bad', join(dir, 'mp.#####.exr'), { passes: { normals: 'N' } }),
    /none of its 2 frames .* could be read, so shot bad was not created: frame 1001: .*mp\.01001\.exr: no layer or channel "N" \(the file has: beauty \[R G B\], depth \[Z\]\)/);
  await assert.rejects(getShot(prod, 'bad'), /no shot named bad/);
  await assert.rejects(addShot(prod, 'cs', join(dir, 'mp.#####.exr'), { layer: 'beauty', colorSpace: 'Kodak 2383' }), /unknown colour space "Kodak 2383"/);
  await assert.rejects(addShot(prod, 'tc', join(dir, 'mp.#####.exr'), { timecode: '01:00:00:24', fps: 24 }), /frame 24 does not exist at 24 fps/);
  await assert.rejects(addShot(prod, 'png', join(dir, 'png.####.png'), { passes: { depth: 'Z' } }), /--layer and --pass need an EXR frame sequence/);
  await assert.rejects(getShot(prod, 'cs'), /no shot named cs/);
});

test('a PNG shot exported as linear EXR (passes as layers) and re-imported loads the same frames within half rounding', async (t) => {
  const dir = tempDir(t);
  const exr = join(dir, 'exr');
  mkdirSync(exr);
  const { saveExr } = await import('../../src/data/exr-writer.js');
  const pngs = new Map<number, { rough: string; depth: string }>();
  for (const f of [1001, 1002]) {
    const rough = await writeImage(join(dir, 'png', `sh.${f}.png`), f, 'png', 24, 16);
    const depth = await writeImage(join(dir, 'png', `sh.depth.${f}.png`), 100 + f, 'png', 24, 16);
    pngs.set(f, { rough, depth });
    const r = await loadImage(rough, 3), d = await loadImage(depth, 1);
    saveExr(join(exr, `sh.${f}.exr`), r.tensor, { layers: { depth: d.tensor } }); // ACEScg, half, ZIP
    r.tensor.dispose(); d.tensor.dispose();
  }
  const prod = await initProduction(join(dir, 'prod'));
  t.after(() => prod.close());
  const shot = (await addShot(prod, 'sh', join(exr, 'sh.####.exr'), { passes: { depth: 'depth' }, fps: 24 })).shot;
  const colour = await productionColour(prod);
  for (const f of shot.frames) {
    for (const [what, file, got, ch] of [['rough', pngs.get(f.frame)!.rough, f.rough!.path, 3], ['depth', pngs.get(f.frame)!.depth, f.passes.depth!.path, 1]] as const) {
      const a = await loadImage(file, ch), b = await loadImage(got, ch, { colour });
      const x = a.tensor.data() as Float32Array, y = b.tensor.data() as Float32Array;
      a.tensor.dispose(); b.tensor.dispose();
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
      // Half rounding of a saturated colour's other channels, carried through the matrix into a
      // near-black channel, is magnified 12.9x by the sRGB toe: measured 0.0023, under one 8-bit step.
      assert.ok(worst < 1 / 255, `${what} ${f.frame}: max difference ${worst} (one 8-bit step is ${1 / 255})`);
    }
  }
});

test('a grey EXR (Y, and depth.Z) split by --pass: its beauty is the Y picture, loaded as its R=G=B twin; a lone Z beauty is refused', async (t) => {
  const { writeExrFile } = await import('../../src/data/exr-file.js');
  const dir = tempDir(t);
  const y = Float32Array.from({ length: 8 * 4 }, (_, i) => 0.05 + i / 40);
  const z = new Float32Array(32).fill(3);
  for (const f of [1, 2]) {
    writeExrFile(join(dir, `g.000${f}.exr`), [{ width: 8, height: 4, compression: 'zip', channels: [{ name: 'Y', type: 'float', data: y }, { name: 'depth.Z', type: 'float', data: z }] }]);
    writeExrFile(join(dir, `c.000${f}.exr`), [{ width: 8, height: 4, compression: 'zip', channels: ['B', 'G', 'R', 'depth.Z'].map((name) => ({ name, type: 'float' as const, data: name === 'depth.Z' ? z : y })) }]);
    writeExrFile(join(dir, `z.000${f}.exr`), [{ width: 8, height: 4, compression: 'zip', channels: [{ name: 'Z', type: 'float', data: z }] }]);
  }
  const prod = await initProduction(join(dir, 'prod'));
  t.after(() => prod.close());
  const grey = await addShot(prod, 'grey', join(dir, 'g.####.exr'), { passes: { depth: 'depth' }, fps: 24 });
  const twin = await addShot(prod, 'twin', join(dir, 'c.####.exr'), { passes: { depth: 'depth' }, fps: 24 });
  assert.deepEqual([grey.rejected, grey.shot.passNames], [[], ['depth']]);
  const colour = await productionColour(prod);
  const load = async (s: typeof grey) => {
    const img = await loadImage(prod.store.pathFor(s.shot.frames[0]!.rough!.hash), 3, { colour });
    const v = Array.from(img.tensor.data() as Float32Array);
    img.tensor.dispose();
    return v;
  };
  assert.deepEqual(await load(grey), await load(twin));
  await assert.rejects(addShot(prod, 'depth-only', join(dir, 'z.####.exr'), { passes: { depth: 'Z' }, fps: 24 }), /has neither R, G, B nor Y channels \(it has Z\)/);
});
