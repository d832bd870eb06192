// EXR out: half float, ZIP, the chosen colour space named in the header, premultiplied alpha;
// read back by OpenImageIO's own oiiotool, and by our reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as E from '../../src/engine/index.js';
import { saveExr } from '../../src/data/exr-writer.js';
import { loadImage } from '../../src/data/image-io.js';

const decode = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
/** Linear Rec.709 -> ACEScg, the inverse of the published matrix. */
const TO_AP1 = [[0.613097402401187, 0.339523146184106, 0.047379451414707], [0.070193722469582, 0.916353879057345, 0.013452398473074], [0.020615592882227, 0.109569772938135, 0.869814634179638]];

function dumpPixels(file: string): number[][] {
  const r = spawnSync('oiiotool', ['--dumpdata', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.includes('Pixel (')).map((l) => l.split(':')[1]!.trim().split(/\s+/).map(Number));
}

test('saveExr: half RGBA, ZIP, ACEScg named in the header, colour premultiplied by alpha', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'atelier-exrw-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  // 2×1 straight sRGB pixels: an opaque orange and a half-transparent blue.
  const straight = [[0.9, 0.5, 0.1, 1], [0.2, 0.4, 0.8, 0.5]];
  const img = E.tensor(Float32Array.from([0, 1, 2, 3].flatMap((c) => straight.map((p) => p[c]!))), [1, 4, 1, 2]);
  const depth = E.tensor(Float32Array.of(3.5, 12), [1, 1, 1, 2]);
  const f = join(d, 'frame.1001.exr');
  const saved = saveExr(f, img, { layers: { depth }, timeCode: [1, 0, 41, 17] });
  assert.deepEqual(saved.channels, ['R', 'G', 'B', 'A', 'depth.Y']);

  const info = spawnSync('oiiotool', ['--info', '-v', f], { encoding: 'utf8' }).stdout;
  assert.match(info, /2 x\s+1, 5 channel, half openexr/);
  assert.match(info, /channel list: R, G, B, A, depth\.Y/);
  assert.match(info, /compression: "zip"/);
  assert.match(info, /oiio:ColorSpace: "ACEScg"/);
  assert.match(info, /chromaticities: 0\.713, 0\.293, 0\.165, 0\.83, 0\.128, 0\.044, 0\.32168, 0\.33767/);
  assert.match(info, /smpte:TimeCode: 01:00:41:17/);

  const px = dumpPixels(f);
  straight.forEach((p, i) => {
    const lin = p.slice(0, 3).map(decode);
    const ap1 = TO_AP1.map((row) => row[0]! * lin[0]! + row[1]! * lin[1]! + row[2]! * lin[2]!);
    // Half float: 11 significant bits.
    ap1.forEach((v, c) => assert.ok(Math.abs(px[i]![c]! - v * p[3]!) <= Math.abs(v) * 1e-3 + 1e-4, `pixel ${i} channel ${c}: ${px[i]![c]} vs ${v * p[3]!}`));
    assert.equal(px[i]![3], p[3]);
  });
  assert.deepEqual(px.map((p) => p[4]), [3.5, 12]);

  // Our reader: straight RGBA back in the working space (sRGB), within half rounding.
  const back = loadImage(f, 'keep');
  return back.then((b) => {
    const v = b.tensor.data() as Float32Array;
    b.tensor.dispose();
    for (let c = 0; c < 4; c++) for (let i = 0; i < 2; i++) assert.ok(Math.abs(v[c * 2 + i]! - straight[i]![c]!) < 2e-3, `round trip c${c} px${i}: ${v[c * 2 + i]}`);
    img.dispose(); depth.dispose();
  });
});

test('saveExr: transparent pixels store zero colour; opaque images have no A; bad input refused, nothing written', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'atelier-exrw-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const rgb = E.full([1, 3, 2, 2], 0.5);
  const alpha = E.tensor(Float32Array.of(0, 1, 1, 0.25), [1, 1, 2, 2]);
  const f = join(d, 'a.exr');
  saveExr(f, rgb, { alpha, space: 'Linear Rec.709 (sRGB)' });
  const px = dumpPixels(f);
  assert.deepEqual(px[0], [0, 0, 0, 0]);
  assert.ok(Math.abs(px[3]![0]! - decode(0.5) * 0.25) < 1e-3);
  const opaque = join(d, 'o.exr');
  assert.deepEqual(saveExr(opaque, rgb).channels, ['R', 'G', 'B']);
  const bad = join(d, 'bad.exr');
  assert.throws(() => saveExr(bad, E.zeros([1, 2, 2, 2])), /3 \(RGB\) or 4 \(RGBA\) channels, got 2/);
  assert.throws(() => saveExr(bad, rgb, { alpha: E.zeros([1, 1, 3, 2]) }), /alpha must be \(1, 1, 2, 2\)/);
  assert.throws(() => saveExr(bad, rgb, { space: 'P3-D65' }), /unknown colour space "P3-D65"/);
  assert.throws(() => saveExr(bad, rgb, { layers: { 'bad name': rgb } }), /layer name "bad name"/);
  assert.equal(existsSync(bad), false);
  rgb.dispose(); alpha.dispose();
});
