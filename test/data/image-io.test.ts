// loadImage reads regular files only: a folder used to fail with a bare EISDIR, and a FIFO named
// like an image (stylize, compare --gt) blocked forever in open(). Each now fails at once, naming the path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadImage } from '../../src/data/image-io.js';
import { writeExrFile } from '../../src/data/exr-file.js';
import { defaultColourContext, SPACE } from '../../src/data/colour.js';
import { oiiotool } from './exr-fixtures.js';
import { tempDir } from '../store/helpers.js';

test('loadImage refuses a folder, a FIFO and a missing file, naming the path, without blocking', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const folder = join(dir, 'frame.png');
  mkdirSync(folder);
  await assert.rejects(loadImage(folder), (e: Error) => e.message === `${folder}: cannot read image (not a regular file: a folder)`);
  const fifo = join(dir, 'pipe.exr');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(loadImage(fifo), (e: Error) => e.message === `${fifo}: cannot read image (not a regular file: a pipe, socket or device)`);
  const missing = join(dir, 'gone.png');
  await assert.rejects(loadImage(missing), (e: Error) => e.message === `${missing}: cannot read image (no such file)`);
});

test('NaN and ±Inf samples of an EXR load finite (NaN 0, ±Inf ±65504): one NaN blanked a whole rendered frame', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'fireflies.exr');
  const r = Float32Array.from({ length: 8 * 4 }, (_, i) => i / 32);
  r[0] = NaN; r[1] = Infinity; r[2] = -Infinity;
  writeExrFile(path, [{ width: 8, height: 4, compression: 'zip', channels: [{ name: 'R', type: 'float', data: r }, { name: 'G', type: 'float', data: r }, { name: 'B', type: 'float', data: r }] }]);
  const img = await loadImage(path, 3, { colour: { ...defaultColourContext(), working: SPACE.linearSrgb }, from: SPACE.linearSrgb }); // as stored
  const v = img.tensor.data() as Float32Array;
  assert.ok(v.every(Number.isFinite), 'every sample finite');
  assert.deepEqual([v[0], v[1], v[2], v[3]], [0, 65504, -65504, 3 / 32]);
  img.tensor.dispose();
});

test('a luminance EXR (Y, with or without A) loads as colour, its grey in R, G and B, as its R=G=B twin does', async (t) => {
  const dir = tempDir(t);
  const ramp = Float32Array.from({ length: 8 * 2 }, (_, i) => 0.02 + i / 26);
  const alpha = new Float32Array(16).fill(1);
  writeExrFile(join(dir, 'rgb.exr'), [{ width: 8, height: 2, compression: 'zip', channels: ['R', 'G', 'B'].map((name) => ({ name, type: 'float' as const, data: ramp })) }]);
  writeExrFile(join(dir, 'y.exr'), [{ width: 8, height: 2, compression: 'zip', channels: [{ name: 'Y', type: 'float', data: ramp }] }]);
  writeExrFile(join(dir, 'ya.exr'), [{ width: 8, height: 2, compression: 'zip', channels: [{ name: 'A', type: 'float', data: alpha }, { name: 'Y', type: 'float', data: ramp }] }]);
  const rgb = await loadImage(join(dir, 'rgb.exr'), 3, { colour: defaultColourContext() });
  for (const [name, channels] of [['y.exr', 3], ['ya.exr', 'keep']] as const) {
    const y = await loadImage(join(dir, name), channels, { colour: defaultColourContext() });
    assert.equal(y.colourSpace, rgb.colourSpace, name);
    assert.equal(y.channels, channels === 3 ? 3 : 4, name);
    assert.deepEqual(Array.from(y.tensor.narrow(1, 0, 3).contiguous().data() as Float32Array), Array.from(rgb.tensor.data() as Float32Array), name);
    y.tensor.dispose();
  }
  rgb.tensor.dispose();
});

test('an EXR is its display window: a smaller data window is placed in it (zero outside), overscan is cut', async (t) => {
  const dir = tempDir(t);
  const linear = { colour: { ...defaultColourContext(), working: SPACE.linearSrgb }, from: SPACE.linearSrgb };
  // A 40×30 box at (8, 8) of a 64×48 frame, and 80×60 of overscan around one.
  oiiotool(['--pattern', 'constant:color=0.5,0.25,0.125', '40x30', '3', '--origin', '+8+8', '--fullsize', '64x48', '-d', 'float', '-o', join(dir, 'box.exr')]);
  oiiotool(['--pattern', 'constant:color=0.5,0.25,0.125', '80x60', '3', '--origin', '-8-6', '--fullsize', '64x48+0+0', '-d', 'float', '-o', join(dir, 'over.exr')]);
  const box = await loadImage(join(dir, 'box.exr'), 3, linear);
  assert.deepEqual([box.width, box.height], [64, 48]);
  const px = (img: typeof box, x: number, y: number) => [0, 1, 2].map((c) => (img.tensor.data() as Float32Array)[c * 64 * 48 + y * 64 + x]);
  assert.deepEqual(px(box, 7, 7), [0, 0, 0]);
  assert.deepEqual(px(box, 8, 8), [0.5, 0.25, 0.125]);
  assert.deepEqual(px(box, 47, 37), [0.5, 0.25, 0.125]);
  assert.deepEqual(px(box, 48, 38), [0, 0, 0]);
  const over = await loadImage(join(dir, 'over.exr'), 3, linear);
  assert.deepEqual([over.width, over.height], [64, 48]);
  assert.deepEqual([px(over, 0, 0), px(over, 63, 47)], [[0.5, 0.25, 0.125], [0.5, 0.25, 0.125]]);
  box.tensor.dispose(); over.tensor.dispose();
});
