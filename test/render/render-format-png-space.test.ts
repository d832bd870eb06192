// render --color-space with PNG frames: the frames are converted from the working space into the
// chosen space (the default render's pixels through the IEC sRGB -> linear formula, within 8-bit
// rounding), their lineage names format and colour space (PNG frames in the image space add no
// keys, as before), the preview movie is made through the production's view, and an unknown or a
// data space is refused before any version folder is made. atelier stylize takes --color-space alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { openProduction } from '../../src/store/index.js';
import { describeRender } from '../../src/render/render-description.js';
import { inferencePrecision } from '../../src/models/look/generator.js';
import { makeFormatProduction } from './format-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/atelier', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'atelier-png-space-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const { prodDir, modelFile, modelVersion } = await makeFormatProduction(dir);
const LINEAR = 'Linear Rec.709 (sRGB)';
const srgbToLinear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);

function atelier(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args, '--production', prodDir], { encoding: 'utf8' });
}
function render(...args: string[]): any {
  const r = atelier('render', 'sh1', '--json', '--model', String(modelVersion), ...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}
const versions = () => existsSync(join(prodDir, 'renders', 'sh1')) ? readdirSync(join(prodDir, 'renders', 'sh1')).sort() : [];

test('render --color-space on PNG frames: the default render\'s pixels through the sRGB -> linear formula, recorded in the lineage', async () => {
  const plain = render('--no-movie');
  const linear = render('--color-space', 'linear rec.709 (srgb)'); // any case: stored by the config's own name
  assert.equal(linear.frames, 6);
  assert.ok(linear.movie && existsSync(linear.movie), `a preview movie: ${linear.movieNote}`);
  let worst = 0, changed = 0;
  for (const f of [1001, 1003, 1006]) {
    const a = await sharp(join(plain.outDir, `sh1.${f}.png`)).raw().toBuffer();
    const b = await sharp(join(linear.outDir, `sh1.${f}.png`)).raw().toBuffer();
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) {
      const want = 255 * srgbToLinear(a[i]! / 255);
      worst = Math.max(worst, Math.abs(b[i]! - want));
      if (a[i] !== b[i]) changed++;
    }
  }
  // Both are 8-bit roundings of one float frame: half a step each side, the formula's slope (< 2.3) on the first.
  assert.ok(worst <= 2, `linear PNG frames differ from the formula by ${worst.toFixed(2)} 8-bit steps`);
  assert.ok(changed > 1000, 'really converted');
  const prod = await openProduction(prodDir);
  try {
    const rows = await prod.db.selectFrom('renders').select(['path', 'params']).execute();
    const of = (outDir: string) => rows.filter((x) => x.path.startsWith(outDir + '/')).map((x) => JSON.parse(x.params));
    const lin = of(linear.outDir);
    assert.equal(lin.length, 6);
    // A CPU with native bfloat16 runs the look model in it, and the lineage says so (generator.ts).
    const precision = inferencePrecision() === 'bfloat16' ? ['precision'] : [];
    assert.deepEqual(Object.keys(lin[0]), ['shot', 'frame', 'bits', 'coherence', 'format', 'colorSpace', ...precision]);
    assert.equal(lin[0].format, 'png');
    assert.equal(lin[0].colorSpace, LINEAR);
    assert.deepEqual(Object.keys(of(plain.outDir)[0]), ['shot', 'frame', 'bits', 'coherence', ...precision], 'PNG in the image space: recorded as before');
    const { description: d, model } = await describeRender(prod, { shot: 'sh1', model: String(modelVersion), colorSpace: 'linear rec.709 (srgb)', outDir: join(dir, 'described') });
    model.generator.dispose();
    assert.equal(d.format, 'png');
    assert.equal(d.colorSpace, LINEAR);
  } finally { await prod.close(); }
});

test('PNG --color-space: an unknown or a data space is refused, no version folder made', () => {
  const before = versions();
  for (const [space, why] of [
    ['Nope', /PNG output colour space: unknown colour space "Nope" in the built-in OCIO config \(it has: .*Linear Rec\.709/],
    ['Raw', /PNG output colour space: "Raw" is a data space/],
  ] as const) {
    const r = atelier('render', 'sh1', '--model', String(modelVersion), '--no-movie', '--color-space', space);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, why);
  }
  assert.deepEqual(versions(), before);
});

test('atelier stylize --color-space writes the still in that space', async () => {
  const still = join(dir, 'sh1', 'rough.1001.png');
  const out = (name: string, ...args: string[]) => {
    const target = join(dir, name);
    const r = atelier('stylize', still, '--model', modelFile, '-o', target, '--json', ...args);
    assert.equal(r.status, 0, r.stderr);
    return sharp(target).raw().toBuffer();
  };
  const a = await out('still.png');
  const b = await out('still-linear.png', '--color-space', LINEAR);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(b[i]! - 255 * srgbToLinear(a[i]! / 255)));
  assert.ok(worst <= 2, `the linear still differs from the formula by ${worst.toFixed(2)} 8-bit steps`);
  const bad = atelier('stylize', still, '--model', modelFile, '-o', join(dir, 'bad.png'), '--color-space', 'Nope');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /PNG output colour space: unknown colour space "Nope"/);
  assert.equal(existsSync(join(dir, 'bad.png')), false);
});
