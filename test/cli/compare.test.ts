// atelier compare: two look models (or render folders) on a shot, at 100%: a sheet of crops
// ground truth | a | b with per-crop figures, and clear errors for unknown versions and shots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { generateSampleProduction } from '../../src/sample/index.js';
import { importSampleProduction } from '../../src/sample/import.js';
import { initProduction, type Production } from '../../src/store/index.js';
import { runTrainLook } from '../../src/jobs/train-look.js';
import { loadLookModel } from '../../src/models/look/model-file.js';
import { stylizeFile } from '../../src/models/look/stylize.js';
import { saveImage } from '../../src/data/image-io.js';

const bin = join(process.cwd(), 'bin', 'atelier');
let dir = '';
let prod: Production;
let prodDir = '';
let sample = '';
let versions: number[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-compare-'));
  sample = join(dir, 'sample');
  await generateSampleProduction(sample, { width: 64, height: 48, seed: 2, shotFrames: 4, preview: false });
  prodDir = join(dir, 'prod');
  prod = await initProduction(prodDir);
  const rep = await importSampleProduction(sample, prod);
  const tiny = { arch: { baseChannels: 4, resBlocks: 1, discChannels: 4 }, train: { patchSize: 16, batchSize: 2, steps: 6, evalEvery: 100, sampleEvery: 100, checkpointEvery: 100 } };
  for (const seed of [1, 2]) {
    const r = await runTrainLook(prod, { dataset: rep.datasetName, ...tiny, train: { ...tiny.train, seed } }, () => {});
    versions.push(r.modelVersion);
  }
  await prod.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args, '--production', prodDir], { cwd: dir, encoding: 'utf8', env: { ...process.env, ATELIER_THREADS: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('compare two model versions against held-out ground truth: 100% crops gt | a | b and figures', async () => {
  const [a, b] = versions.map(String);
  const out = join(dir, 'sheet.png');
  const r = cli(['compare', a!, b!, '--shot', 'sh010', '--frames', '1,2', '--gt', join(sample, 'test/sh010/sh010_gt.####.png'), '--crop', '32', '-o', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.columns, ['ground_truth', 'a', 'b']);
  assert.deepEqual(j.frames.map((f: any) => f.frame), [1, 2]);
  for (const f of j.frames) {
    assert.equal(f.groundTruth, 'sequence');
    assert.deepEqual([f.crop.width, f.crop.height], [32, 32]);
    for (const side of [f.a, f.b]) {
      assert.ok(Number.isFinite(side.psnr) && side.psnr > 5, JSON.stringify(side));
      assert.ok(side.texture_swd > 0 && side.hf_ratio > 0);
    }
    assert.notDeepEqual(f.a, f.b, 'two differently seeded models differ');
  }
  // 100%: three 32 px crops per row with 4 px gaps, two rows.
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.width, meta.height], [3 * 32 + 2 * 4, 2 * 32 + 4]);
});

test('without --gt, the painted keyframes are the ground truth where there is one; a render folder compares with its model', async () => {
  // Render model a's frames into a folder the way `atelier render` names them.
  const p = await initProductionOpen();
  const shot = await p.shot('sh010');
  const ver = await import('../../src/store/index.js').then((m) => m.getModelVersion(p, versions[0]!));
  const model = loadLookModel(ver.files.find((f) => f.name.endsWith('.safetensors'))!.path);
  const renders = join(prodDir, 'renders', 'sh010', 'v001');
  mkdirSync(renders, { recursive: true });
  for (const f of shot.frames) {
    const img = await stylizeFile(model, f.rough!.path, Object.fromEntries(Object.entries(f.passes).map(([k, x]) => [k, x.path])));
    await saveImage(join(renders, `sh010.${String(f.frame).padStart(4, '0')}.png`), img);
    img.dispose();
  }
  model.generator.dispose();
  await p.close();
  const r = cli(['compare', 'v001', String(versions[0]), '--shot', 'sh010', '--frames', '0-1', '--json', '-o', join(dir, 'k.png')]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.frames[0].groundTruth, 'keyframe');
  assert.equal(j.frames[1].groundTruth, null);
  assert.equal(j.frames[1].a, null);
  // The folder holds model a's frames (8-bit): the same figures up to quantisation.
  assert.ok(Math.abs(j.frames[0].a.psnr - j.frames[0].b.psnr) < 0.3, JSON.stringify(j.frames[0]));
  assert.ok(existsSync(join(dir, 'k.png')));
  const human = cli(['compare', 'v001', String(versions[0]), '--shot', 'sh010', '--frames', '0', '-o', join(dir, 'h.png')]);
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /ground_truth \| a \| b/);
  assert.match(human.stdout, /keyframe/);
});

test('unknown versions, shots, frames and render folders are named', () => {
  const a = String(versions[0]);
  const cases: [string[], RegExp][] = [
    [['compare', a, '99', '--shot', 'sh010'], /no model version #99/],
    [['compare', a, a, '--shot', 'sh999'], /sh999/],
    [['compare', a, 'v009', '--shot', 'sh010'], /no render version v009 of shot sh010/],
    [['compare', a, 'nonsense', '--shot', 'sh010'], /neither a model version number/],
    [['compare', a, a, '--shot', 'sh010', '--frames', '40'], /no rough frame 40/],
    [['compare', a, a, '--shot', 'sh010', '--gt', 'gt.png'], /####/],
  ];
  for (const [args, re] of cases) {
    const r = cli(args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
});

async function initProductionOpen(): Promise<Production> {
  const { openProduction } = await import('../../src/store/index.js');
  return openProduction(prodDir);
}
