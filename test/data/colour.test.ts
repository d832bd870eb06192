// Colour conversions through OpenColorIO checked against the formulas: the sRGB curve (IEC
// 61966-2-1) and the published ACEScg <-> linear sRGB matrices (Bradford, D60 -> D65).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinColourConfig, colourConfig, colourSpace, convertColour, applyDisplayView, isDataSpace, SPACE } from '../../src/data/colour.js';
import { BUILTIN_OCIO_CONFIG } from '../../src/data/builtin-ocio.js';

const cfg = builtinColourConfig();
const srgbDecode = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const srgbEncode = (v: number) => (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);

function planes(values: number[][]): Float32Array[] {
  return [0, 1, 2].map((c) => Float32Array.from(values.map((v) => v[c]!)));
}

test('sRGB - Texture -> linear Rec.709 follows the sRGB formula, and back', () => {
  const xs = [0, 0.001, 0.02, 0.04045, 0.1, 0.2, 0.5, 0.75, 1];
  const p = planes(xs.map((x) => [x, x, x]));
  convertColour(cfg, SPACE.srgbTexture, SPACE.linearSrgb, p, xs.length, 1);
  xs.forEach((x, i) => assert.ok(Math.abs(p[0]![i]! - srgbDecode(x)) < 1e-5, `decode ${x}: ${p[0]![i]} vs ${srgbDecode(x)}`));
  const lin = [0, 0.002, 0.0031308, 0.05, 0.18, 0.5, 1];
  const q = planes(lin.map((x) => [x, x, x]));
  convertColour(cfg, SPACE.linearSrgb, SPACE.srgbTexture, q, lin.length, 1);
  // OCIO derives the toe's slope for continuity (12.9232 rather than 12.92): 6e-6 at most, 1/600 of an 8-bit step.
  lin.forEach((x, i) => assert.ok(Math.abs(q[1]![i]! - srgbEncode(x)) < 1e-5, `encode ${x}: ${q[1]![i]} vs ${srgbEncode(x)}`));
});

test('ACEScg <-> linear sRGB equal the published matrices', () => {
  const toLin709 = [[1.70505, -0.62179, -0.08326], [-0.13026, 1.14080, -0.01055], [-0.02400, -0.12897, 1.15297]];
  const toAp1 = [[0.61310, 0.33952, 0.04737], [0.07019, 0.91635, 0.01345], [0.02062, 0.10957, 0.86979]];
  const unit = planes([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  convertColour(cfg, SPACE.acescg, SPACE.linearSrgb, unit, 3, 1);
  for (let row = 0; row < 3; row++) for (let col = 0; col < 3; col++) assert.ok(Math.abs(unit[row]![col]! - toLin709[row]![col]!) < 6e-5, `AP1->709 [${row}][${col}] = ${unit[row]![col]}`);
  const back = planes([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  convertColour(cfg, SPACE.linearSrgb, 'ACES - ACEScg', back, 3, 1); // the ACES 1.2 name is an alias
  for (let row = 0; row < 3; row++) for (let col = 0; col < 3; col++) assert.ok(Math.abs(back[row]![col]! - toAp1[row]![col]!) < 6e-5, `709->AP1 [${row}][${col}] = ${back[row]![col]}`);
  // Alpha is carried untouched.
  const rgba = [...planes([[0.2, 0.4, 0.6]]), Float32Array.of(0.25)];
  convertColour(cfg, SPACE.acescg, SPACE.srgbTexture, rgba, 1, 1);
  assert.equal(rgba[3]![0], 0.25);
});

test('names: aliases and roles resolve; unknown spaces, displays and bad planes are clear errors', () => {
  assert.equal(colourSpace(cfg, 'scene_linear'), SPACE.linearSrgb);
  assert.equal(colourSpace(cfg, 'utility - srgb - texture'), SPACE.srgbTexture);
  assert.ok(isDataSpace(cfg, 'raw'));
  assert.throws(() => colourSpace(cfg, 'ProPhoto'), /unknown colour space "ProPhoto" in the built-in OCIO config \(it has: .*ACEScg/);
  assert.throws(() => convertColour(cfg, 'ACEScg', 'sRGB', [new Float32Array(4)], 2, 2), /3 \(RGB\) or 4 \(RGBA\) planes, got 1/);
  assert.throws(() => convertColour(cfg, 'ACEScg', 'sRGB', planes([[0, 0, 0]]), 2, 2), /Float32Array of 4 values/);
  assert.throws(() => applyDisplayView(cfg, 'ACEScg', 'P3', 'Standard', planes([[0, 0, 0]]), 1, 1), /unknown display "P3"/);
  const p = planes([[0.18, 0.18, 0.18]]);
  applyDisplayView(cfg, SPACE.linearSrgb, 'sRGB - Display', 'Standard', p, 1, 1);
  assert.ok(Math.abs(p[0]![0]! - srgbEncode(0.18)) < 2e-6);
});

test('a production can use its own OCIO config; a broken one is refused with the reason', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-ocio-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const own = join(dir, 'studio.ocio');
  // The built-in config with a studio space added: a 2x exposure of linear Rec.709.
  writeFileSync(own, BUILTIN_OCIO_CONFIG + `
  - !<ColorSpace>
    name: studio_lin_x2
    family: Studio
    isdata: false
    to_scene_reference: !<MatrixTransform> {matrix: [0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 1]}
`);
  const c = colourConfig(own);
  const p = planes([[0.4, 0.2, 1]]);
  convertColour(c, 'studio_lin_x2', SPACE.linearSrgb, p, 1, 1);
  assert.deepEqual([p[0]![0], p[1]![0], p[2]![0]].map((v) => Math.round(v * 1e6) / 1e6), [0.2, 0.1, 0.5]);
  assert.throws(() => colourConfig(join(dir, 'missing.ocio')), /OCIO config .*missing\.ocio does not exist/);
  const broken = join(dir, 'broken.ocio');
  writeFileSync(broken, 'ocio_profile_version: 2\ncolorspaces: [oops\n');
  assert.throws(() => colourConfig(broken), /OCIO config .*broken\.ocio cannot be used/);
});
