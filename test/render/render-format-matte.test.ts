// render --matte <pass>: a pass of the shot cuts the frames out. PNG frames become RGBA whose colour
// is the uncut render's, byte for byte (straight) and whose alpha is the matte's bytes; EXR frames
// hold colour premultiplied by the matte (0 0 0 0 outside it); the lineage records the matte and its
// hash; a shot without that pass, or a matte of another size, is refused before any frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { openProduction, addShotPass } from '../../src/store/index.js';
import { exrParts, readExrChannels } from '../../src/data/exr-file.js';
import { loadMatte, loadRough } from '../../src/render/frame-io.js';
import { saveExr } from '../../src/data/exr-writer.js';
import { defaultColourContext } from '../../src/data/colour.js';
import * as E from '../../src/engine/index.js';
import { makeFormatProduction, S } from './format-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/atelier', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'atelier-matte-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const { prodDir, modelVersion } = await makeFormatProduction(dir);

/** The matte of frame i: opaque on the left third, half on the middle third, nothing on the right. */
const matteByte = (x: number) => (x < 11 ? 255 : x < 22 ? 128 : 0);
mkdirSync(join(dir, 'matte'));
for (let i = 0; i < 6; i++) {
  const m = Buffer.alloc(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) m[y * S + x] = matteByte(x);
  await sharp(m, { raw: { width: S, height: S, channels: 1 } }).png().toFile(join(dir, 'matte', `m.${1001 + i}.png`));
}
const prod0 = await openProduction(prodDir);
try { await addShotPass(prod0, 'sh1', 'charmatte', join(dir, 'matte', 'm.####.png')); } finally { await prod0.close(); }

function render(...args: string[]) {
  return spawnSync(process.execPath, [BIN, 'render', 'sh1', '--model', String(modelVersion), '--frames', '1001-1002', '--no-movie', '--json', '--production', prodDir, ...args], { encoding: 'utf8' });
}
function rendered(...args: string[]): string {
  const r = render(...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).outDir;
}
async function pixels(path: string) {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return { data, channels: info.channels };
}
const half = (v: number) => Math.abs(v) * 2 ** -10 + 1e-4; // half float: 11 significant bits

test('PNG: RGBA with the uncut colour byte for byte and the matte as alpha', async () => {
  const plain = rendered('--output', join(dir, 'p-plain'));
  const cut = rendered('--output', join(dir, 'p-cut'), '--matte', 'charmatte');
  for (const f of [1001, 1002]) {
    const a = await pixels(join(plain, `sh1.${f}.png`));
    const b = await pixels(join(cut, `sh1.${f}.png`));
    assert.equal(a.channels, 3);
    assert.equal(b.channels, 4);
    for (let i = 0; i < S * S; i++) {
      for (let c = 0; c < 3; c++) assert.equal(b.data[i * 4 + c], a.data[i * 3 + c], `frame ${f} pixel ${i} channel ${c}`);
      assert.equal(b.data[i * 4 + 3], matteByte(i % S), `frame ${f} alpha at ${i}`);
    }
  }
  const prod = await openProduction(prodDir);
  try {
    const rec = await prod.db.selectFrom('renders').select(['id', 'params']).where('path', '=', join(cut, 'sh1.1001.png')).executeTakeFirstOrThrow();
    assert.equal(JSON.parse(rec.params).matte, 'charmatte');
    const inputs = await prod.db.selectFrom('render_inputs').select('name').where('render_id', '=', rec.id).execute();
    assert.deepEqual(inputs.map((i) => i.name).sort(), ['charmatte', 'normal', 'rough'], 'the matte is one of the frame\'s inputs');
    const plainRec = await prod.db.selectFrom('renders').select('params').where('path', '=', join(plain, 'sh1.1001.png')).executeTakeFirstOrThrow();
    assert.equal('matte' in JSON.parse(plainRec.params), false);
  } finally { await prod.close(); }
});

test('EXR: colour premultiplied by the matte, alpha the matte, nothing outside it', () => {
  const plain = rendered('--output', join(dir, 'e-plain'), '--format', 'exr');
  const cut = rendered('--output', join(dir, 'e-cut'), '--format', 'exr', '--matte', 'charmatte');
  const file = (d: string) => join(d, 'sh1.1001.exr');
  const [pp] = exrParts(file(plain)), [cp] = exrParts(file(cut));
  assert.deepEqual(cp!.channels.map((c) => c.name).sort(), ['A', 'B', 'G', 'R']);
  const rgb = readExrChannels(file(plain), pp!, ['R', 'G', 'B']);
  const [R, G, B, A] = readExrChannels(file(cut), cp!, ['R', 'G', 'B', 'A']);
  let inside = 0;
  for (let i = 0; i < S * S; i++) {
    const a = matteByte(i % S) / 255;
    assert.ok(Math.abs(A![i]! - a) <= half(a), `alpha ${A![i]} at ${i}, matte ${a}`);
    [R, G, B].forEach((ch, c) => {
      const want = rgb[c]![i]! * a;
      assert.ok(Math.abs(ch![i]! - want) <= half(rgb[c]![i]!) + half(want), `channel ${c} at ${i}: ${ch![i]} vs ${want}`);
    });
    if (a === 0) assert.deepEqual([R![i], G![i], B![i], A![i]], [0, 0, 0, 0]);
    if (a === 1) inside++;
  }
  assert.ok(inside > 0);
});

test('a matte the shot lacks, or of another size than the frame, is refused before any frame', async () => {
  const r = render('--output', join(dir, 'none'), '--matte', 'nope');
  assert.equal(r.status, 1);
  assert.match(JSON.parse(r.stderr).error, /shot sh1 has no pass "nope" to use as a matte \(its passes: charmatte, normal\)/);
  assert.equal(existsSync(join(dir, 'none', 'sh1.1001.png')), false);
  await assert.rejects(loadMatte(join(dir, 'matte', 'm.1001.png'), S, S * 2), /matte .*m\.1001\.png is 32x32 but the rough frame is 64x32/);
});

test('with a matte an EXR rough frame with alpha keeps its straight colour; the matte replaces its alpha', async () => {
  const colour = defaultColourContext();
  const file = join(dir, 'rgba.exr');
  const rgb = E.tidy(() => E.full([1, 3, S, S], 0.6));
  const own = E.tidy(() => E.full([1, 1, S, S], 0.25));
  saveExr(file, rgb, { colour, alpha: own });
  const rf = { colour, alpha: true };
  const plain = await loadRough(file, rf);
  const cut = await loadRough(file, rf, join(dir, 'matte', 'm.1001.png'));
  try {
    assert.ok(Math.abs((plain.rough.toArray() as number[])[0]! - 0.6) < 2e-3, 'straight colour without a matte');
    assert.deepEqual(cut.rough.toArray(), plain.rough.toArray(), 'the same straight colour with one');
    const a = cut.alpha!.toArray() as number[];
    for (let x = 0; x < S; x++) assert.ok(Math.abs(a[x]! - matteByte(x) / 255) < 1e-6, `alpha at ${x} is the matte's`);
  } finally { E.disposeAll([rgb, own, plain.rough, plain.alpha ?? [], cut.rough, cut.alpha ?? []]); }
});
