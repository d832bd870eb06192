// render --format png|exr. PNG renders hold pixel for pixel the frames of the code before EXR output
// (hashes of a render made with it, 2026-12-03); EXR frames open in oiiotool as half R,G,B(,A) with
// the output colour space and the shot's time code, equal the PNG render within half and 8-bit
// rounding, carry the rough frame's alpha premultiplied, and record format and colour space in
// their lineage; the farm's chunk and finish jobs and the dailies' render job render EXR alike;
// bad format, colour space and bits are refused before any version folder is made.
import { test } from 'node:test';
import sharp from 'sharp';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as E from '../../src/engine/index.js';
import { openProduction } from '../../src/store/index.js';
import { loadImage } from '../../src/data/image-io.js';
import { describeRender } from '../../src/render/render-description.js';
import { farmRenderSpec, renderChunkJob, renderFinishJob } from '../../src/jobs/render-chunks.js';
import { renderShotJob } from '../../src/jobs/run-jobs.js';
import { makeFormatProduction } from './format-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/atelier', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'atelier-format-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const { prodDir, modelFile, modelVersion } = await makeFormatProduction(dir);

// The look model in float32 whatever the CPU: the pinned hashes below were rendered in it (on a CPU
// with native bfloat16 renders default to bfloat16, a different last bit; generator.ts inferencePrecision).
// OpenBLAS's AVX2 (Haswell) kernels whatever the CPU: on an AVX-512 one (Zen 4) it picks others,
// and the 16-bit frames' last bits moved (frames 4-6 of p16, 2026-12-05).
const AVX2 = /\bavx2\b/.test(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '');
function atelier(...args: string[]) {
  const env = { ...process.env, ATELIER_INFERENCE_PRECISION: 'float32', ...(AVX2 ? { OPENBLAS_CORETYPE: 'Haswell' } : {}) };
  return spawnSync(process.execPath, [BIN, ...args, '--production', prodDir], { encoding: 'utf8', env });
}
function render(shot: string, ...args: string[]): any {
  const r = atelier('render', shot, '--json', '--no-movie', ...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}
/** sha256 (first 16 hex) of a PNG's pixels as stored (size, channels, bit depth, samples): not of its
 * compressed bytes, which a zlib level changes without changing a pixel. */
const pixelSha = async (p: string) => {
  const { data, info } = await sharp(p).raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const m = await sharp(p).metadata();
  return createHash('sha256').update(`${info.width}x${info.height}x${info.channels}x${m.depth}`).update(data).digest('hex').slice(0, 16);
};
const info = (p: string) => {
  const r = spawnSync('oiiotool', ['--info', '-v', p], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};
const versions = (shot: string) => existsSync(join(prodDir, 'renders', shot)) ? readdirSync(join(prodDir, 'renders', shot)).sort() : [];

// The pixels (pixelSha) of the frames rendered by the code before this change (commit 7b4fe5d).
// Re-pinned 2026-12-03 (stop 21): the blend's past frames are feathered and kept off the frame's
// edge (coherence.ts), so frames after the first changed; 16-bit PNGs hold their 16-bit values now
// (they were written as 8-bit data: test/data/png16.test.ts). The frames without coherence (nc)
// and every first frame are unchanged. Pinned as pixels 2026-12-05 (stop 40), when PNGs went from
// zlib level 6 to 3: taken from level-6 files whose bytes still matched the hashes pinned before.
const BEFORE: Record<string, string[]> = {
  p8: ['abf9fa82d8a867df', '6ab4af3399eac7b7', '0e07ace12a159c87', '1935e8e6c0acbaf7', '7593dec3a15f2b78', '97d71188345c2907'],
  p16: ['cb430389e68e4c73', '214d3fe4118d14e6', '652e5aa6c47badbe', '6f5f44d91d167e3d', '78b5f76500cc3f18', '765843ef32f4ef87'],
  a8: ['abf9fa82d8a867df', '6ab4af3399eac7b7', '0e07ace12a159c87', '1935e8e6c0acbaf7'],
  nc: ['abf9fa82d8a867df', 'db73530b72f2c955', 'be61917b859f6378', '9b6fb3c169025d4c', '30a589e978cfc537', 'b4b9e82936277430'],
};

test('PNG renders (8 and 16 bit, an RGBA shot, no coherence) hold pixel for pixel the frames of the code before EXR output', async () => {
  for (const [out, shot, extra] of [['p8', 'sh1', []], ['p16', 'sh1', ['--bits', '16']], ['a8', 'sha', ['--format', 'png']], ['nc', 'sh1', ['--no-coherence']]] as const) {
    const r = render(shot, '--model', modelFile, '--output', join(dir, 'out', out), ...extra);
    const pngs = readdirSync(r.outDir).filter((n) => n.endsWith('.png')).sort();
    assert.deepEqual(await Promise.all(pngs.map((n) => pixelSha(join(r.outDir, n)))), BEFORE[out], `${out}: ${pngs.join(', ')}`);
  }
});

test('render --format exr: half R,G,B EXR frames in ACEScg with the shot\'s time code, the PNG render\'s pixels, lineage with format and colour space', async () => {
  const r = render('sh1', '--format', 'exr', '--model', String(modelVersion));
  assert.equal(r.frames, 6);
  const names = readdirSync(r.outDir).filter((n) => !n.startsWith('.')).sort();
  assert.deepEqual(names, ['coherence.json', ...[1, 2, 3, 4, 5, 6].map((i) => `sh1.100${i}.exr`)]);
  const first = info(join(r.outDir, 'sh1.1001.exr'));
  assert.match(first, /32 x +32, 3 channel, half openexr/);
  assert.match(first, /channel list: R, G, B\n/);
  assert.match(first, /oiio:ColorSpace: "ACEScg"/);
  assert.match(first, /compression: "zip"/);
  assert.match(first, /smpte:TimeCode: 01:00:00:00/);
  assert.match(first, /atelier:shot: "sh1"/);
  assert.match(info(join(r.outDir, 'sh1.1006.exr')), /smpte:TimeCode: 01:00:00:05/);
  // Back in sRGB - Texture, the EXR frames are the 8-bit PNG frames within rounding.
  for (const f of [1001, 1004]) {
    const exr = await loadImage(join(r.outDir, `sh1.${f}.exr`), 3);
    const png = await loadImage(join(dir, 'out', 'p8', `sh1.${f}.png`), 3);
    const diff = E.tidy(() => exr.tensor.sub(png.tensor).abs().max().item());
    E.disposeAll([exr.tensor, png.tensor]);
    assert.ok(diff < 0.6 / 255 + 2e-3, `frame ${f}: max difference ${diff}`);
  }
  const prod = await openProduction(prodDir);
  try {
    const rows = await prod.db.selectFrom('renders').select(['path', 'params']).execute();
    const exrRows = rows.filter((x) => x.path.endsWith('.exr'));
    assert.equal(exrRows.length, 6);
    const p = JSON.parse(exrRows[0]!.params);
    assert.deepEqual(Object.keys(p), ['shot', 'frame', 'bits', 'coherence', 'format', 'colorSpace']);
    assert.equal(p.format, 'exr');
    assert.equal(p.colorSpace, 'ACEScg');
  } finally { await prod.close(); }
});

test('an RGBA shot as EXR: R,G,B,A with the rough alpha, premultiplied (transparent = 0), in the --color-space asked for', async () => {
  const r = render('sha', '--format', 'exr', '--color-space', 'lin_srgb', '--model', modelFile);
  const path = join(r.outDir, 'sha.1001.exr');
  const i = info(path);
  assert.match(i, /32 x +32, 4 channel, half openexr/);
  assert.match(i, /channel list: R, G, B, A\n/);
  assert.match(i, /oiio:ColorSpace: "Linear Rec.709 \(sRGB\)"/);
  assert.doesNotMatch(i, /TimeCode/, 'sha has no timecode');
  const dump = spawnSync('oiiotool', ['--dumpdata', path], { encoding: 'utf8' }).stdout;
  assert.match(dump, /Pixel \(0, 0\): 0\.0+ 0\.0+ 0\.0+ 0\.0+\n/, 'outside the disc: nothing');
  // Alpha as the rough frame had it: 1 inside the disc (x 8, y 16), 128/255 on its rim, 0 outside.
  const img = await loadImage(path, 'keep');
  const a = img.tensor.narrow(1, 3, 1).contiguous().data() as Float32Array;
  img.tensor.dispose();
  assert.equal(a[16 * 32 + 8], 1);
  assert.ok(Math.abs(a[16 * 32 + 14]! - 128 / 255) < 1e-3, `rim alpha ${a[16 * 32 + 14]}`);
  assert.equal(a[0], 0);
});

test('bad format, colour space or bits: refused with the reason, no version folder made', () => {
  const before = versions('sh1');
  for (const [args, why] of [
    [['--format', 'tiff'], /--format must be png or exr, got tiff/],
    [['--format', 'exr', '--color-space', 'Nope'], /EXR output colour space: unknown colour space "Nope" in the built-in OCIO config \(it has: .*ACEScg/],
    [['--color-space', 'Nope'], /PNG output colour space: unknown colour space "Nope"/],
    [['--format', 'exr', '--bits', '16'], /EXR frames are half float/],
  ] as const) {
    const r = atelier('render', 'sh1', '--model', modelFile, '--no-movie', ...args);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, why);
  }
  assert.deepEqual(versions('sh1'), before);
});

test('the farm\'s chunks and finish job and the dailies\' render job write EXR frames, lineage and a movie alike', async () => {
  const prod = await openProduction(prodDir);
  let spec;
  try {
    const { description: d, model } = await describeRender(prod, { shot: 'sh1', model: String(modelVersion), format: 'exr', colorSpace: 'ACEScg', versionsOnly: true });
    model.generator.dispose();
    spec = { productionDir: prodDir, ...farmRenderSpec(d) };
    assert.equal(spec.render?.format, 'exr');
    assert.equal(spec.render?.colorSpace, 'ACEScg');
    await assert.rejects(describeRender(prod, { shot: 'sh1', model: String(modelVersion), format: 'jpeg' }), /render format must be png or exr, got jpeg/);
    await assert.rejects(describeRender(prod, { shot: 'sh1', model: String(modelVersion), colorSpace: 'Raw' }), /PNG output colour space: "Raw" is a data space/);
  } finally { await prod.close(); }
  const ctx = { progress() {}, cancelled: false };
  const a = await renderChunkJob({ ...spec, range: [1001, 1003] }, ctx);
  const b = await renderChunkJob({ ...spec, range: [1004, 1006] }, ctx);
  assert.equal(a.rendered + b.rendered, 6);
  const fin = await renderFinishJob({ ...spec, movie: true, codec: 'h264', childResults: { a, b } }, ctx);
  assert.equal(fin.frames, 6);
  assert.equal(fin.recordsRepaired, 0, 'the chunks recorded every frame');
  assert.ok(fin.movie?.endsWith('sh1.mp4'), String(fin.movieNote));
  const outDir = join(prodDir, spec.outDir);
  assert.deepEqual(readdirSync(outDir).filter((n) => n.startsWith('.')), [], 'the movie\'s PNG copies are gone');
  assert.match(info(join(outDir, 'sh1.1004.exr')), /smpte:TimeCode: 01:00:00:03/);

  const job = await renderShotJob({ productionDir: prodDir, shot: 'sh1', modelVersion, format: 'exr' }, ctx);
  assert.equal(job.frames, 6);
  assert.ok(job.movie?.endsWith('.mp4'));
  assert.match(info(join(job.dir, 'sh1.1001.exr')), /oiio:ColorSpace: "ACEScg"/);
});
