// The upscaler trains in the production's working space and records it in its model file, as the
// look model does (train-working-space.test.ts): in a linear Rec.709 production its training images
// are the IEC sRGB -> linear formula of the PNGs' bytes (an image recorded as linear is taken as it
// is); files without the record count as sRGB - Texture; a render or `atelier upscale` with an
// upscaler of another space is refused, naming both, before any version folder or output is made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { S, LINEAR, srgbToLinear, png, planar, maxDiff } from './working-space-fixtures.js';
import * as E from '../../src/engine/index.js';
import { saveModelFile } from '../../src/nn/model-file.js';
import { initProduction, openProduction, ingestFiles, createDataset } from '../../src/store/index.js';
import { productionColour } from '../../src/store/colour-settings.js';
import { runTrainUpscale, upscaleTrainingFiles } from '../../src/jobs/train-upscale.js';
import { makeUpscaleConfig, loadUpscaleSet, disposeUpscaleSet, loadUpscaleModel, saveUpscaleModel, Upscaler } from '../../src/models/upscale/index.js';
import { resolveRenderUpscaler, resolveUpscaleModel } from '../../src/render/model-ref.js';
import { makeFormatProduction } from '../render/format-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/atelier', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'atelier-upscale-space-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const TINY = { scale: 2 as const, arch: { channels: 4, blocks: 1 }, train: { steps: 3, batchSize: 2, patchSize: 16, evalEvery: 100, holdOut: 0 } };


test('a linear production trains its upscaler on the OCIO conversion of its PNGs and records its working space', async () => {
  const art = await png(join(dir, 'art.png'), (x, y, c) => (x * 8 + y + c * 50) % 256);
  const sheet = await png(join(dir, 'sheet.png'), (x, y, c) => (x * 3 + y * 5 + c * 70) % 256);
  const prod = await initProduction(join(dir, 'linear'), { name: 'linear', defaultOwner: 'Test Studio', defaultLicence: 'work for hire' });
  try {
    await prod.updateSettings({ workingColorSpace: LINEAR });
    await ingestFiles(prod, [join(dir, 'art.png')], { kind: 'concept_art', cleared: true });
    // A character sheet recorded as already linear: read as it is.
    await ingestFiles(prod, [join(dir, 'sheet.png')], { kind: 'character_sheet', cleared: true, colorSpace: LINEAR } as never);
    await createDataset(prod, 'ds', { kinds: ['concept_art', 'character_sheet'], onlyCleared: true });
    const files = upscaleTrainingFiles(await prod.dataset('ds'));
    assert.deepEqual(files.map((f) => f.space ?? null), [null, LINEAR]);
    const set = await loadUpscaleSet(makeUpscaleConfig(TINY), files, await productionColour(prod));
    try {
      assert.equal(set.train.length, 2);
      const [a, b] = set.train;
      assert.ok(maxDiff(a!.hr.toArray(), planar(art, srgbToLinear)) < 2e-5, 'concept art: sRGB -> linear by the formula');
      assert.ok(maxDiff(a!.hr.toArray(), planar(art, (v) => v)) > 0.2, 'really converted');
      assert.equal(maxDiff(b!.hr.toArray(), planar(sheet, (v) => v)), 0, 'an image recorded as linear is not converted');
    } finally { disposeUpscaleSet(set); }
    // Without a colour context: the bytes as before.
    const plain = await loadUpscaleSet(makeUpscaleConfig(TINY), files);
    try { assert.equal(maxDiff(plain.train[0]!.hr.toArray(), planar(art, (v) => v)), 0); } finally { disposeUpscaleSet(plain); }

    const r = await runTrainUpscale(prod, { dataset: 'ds', ...TINY }, () => {});
    const m = loadUpscaleModel(r.result.modelPath);
    m.net.dispose();
    assert.equal(m.workingSpace, LINEAR);
    assert.equal(m.metadata.working_color_space, LINEAR);
    // Its own production renders with it.
    const u = await resolveRenderUpscaler(prod, { scale: 2 });
    u.model.net.dispose();
    assert.equal(u.version, r.modelVersion);
    // The production switched back to sRGB - Texture: refused, naming both spaces and the setting.
    await prod.updateSettings({ workingColorSpace: 'sRGB - Texture' });
    await assert.rejects(resolveRenderUpscaler(prod, { scale: 2 }),
      new RegExp(`upscaler #${r.modelVersion} was trained in working colour space "Linear Rec\\.709 \\(sRGB\\)" but the production works in "sRGB - Texture" \\(setting working_color_space\\)`));
  } finally { await prod.close(); }
});

test('render and atelier upscale refuse an upscaler of another working space; files without one are sRGB - Texture', async () => {
  const fx = join(dir, 'fx');
  const { prodDir, modelVersion } = await makeFormatProduction(fx);
  E.manualSeed(5);
  const config = makeUpscaleConfig(TINY);
  const net = new Upscaler(config);
  // No detail: the network is bicubic (a flat colour stays that colour).
  E.noGrad(() => { net.tail.weight.mul_(0); net.tail.bias?.mul_(0); });
  const linearFile = join(dir, 'linear-up.safetensors');
  saveUpscaleModel(linearFile, config, net.stateDict(), { working_color_space: LINEAR });
  const oldFile = join(dir, 'old-up.safetensors');
  saveModelFile(oldFile, 'atelier-upscale', config, net.stateDict()); // as files were written before
  const srgbFile = join(dir, 'srgb-up.safetensors');
  saveUpscaleModel(srgbFile, config, net.stateDict());
  net.dispose();
  for (const [file, space, recorded] of [[linearFile, LINEAR, LINEAR], [oldFile, 'sRGB - Texture', undefined], [srgbFile, 'sRGB - Texture', 'sRGB - Texture']] as const) {
    const m = loadUpscaleModel(file);
    m.net.dispose();
    assert.equal(m.workingSpace, space, file);
    assert.equal(m.metadata.working_color_space, recorded);
  }
  assert.throws(() => saveUpscaleModel(join(dir, 'bad.safetensors'), config, new Map(), { working_color_space: ' ' }), /working_color_space must name a colour space/);

  const prod = await openProduction(prodDir);
  let linearVersion: number;
  try {
    linearVersion = await prod.registerModelVersion({ kind: 'upscale', datasetId: 'ds', config, seed: 5, files: { 'model.safetensors': linearFile } });
    await assert.rejects(resolveUpscaleModel(prod, linearFile), /upscaler .*linear-up\.safetensors was trained in working colour space "Linear Rec\.709 \(sRGB\)" but the production works in "sRGB - Texture"/);
  } finally { await prod.close(); }

  const atelier = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  const render = (...args: string[]) => atelier('render', 'sh1', '--production', prodDir, '--model', String(modelVersion), '--no-movie', '--frames', '1001-1001', ...args);
  const refused = render('--scale', '2');
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, new RegExp(`upscaler #${linearVersion} was trained in working colour space "Linear Rec\\.709 \\(sRGB\\)" but the production works in "sRGB - Texture" \\(setting working_color_space\\): retrain the model in "sRGB - Texture", or set working_color_space to "Linear Rec\\.709 \\(sRGB\\)"`));
  const versions = join(prodDir, 'renders', 'sh1');
  assert.equal(existsSync(versions) ? readdirSync(versions).length : 0, 0, 'no version folder');
  // An upscaler file from before working spaces were recorded renders in this sRGB - Texture production.
  const ok = render('--upscaler', oldFile, '--upscale-passes', '1', '--json');
  assert.equal(ok.status, 0, ok.stderr);
  const meta = await sharp(join(versions, readdirSync(versions)[0]!, 'sh1.1001.png')).metadata();
  assert.deepEqual([meta.width, meta.height], [64, 64]);

  const still = join(fx, 'concept.png');
  const out = join(dir, 'up.png');
  const up = atelier('upscale', still, '--model', String(linearVersion), '--production', prodDir, '-o', out, '--passes', '1');
  assert.equal(up.status, 1);
  assert.match(up.stderr, /was trained in working colour space "Linear Rec\.709 \(sRGB\)" but the production works in "sRGB - Texture"/);
  assert.equal(existsSync(out), false, 'nothing written');
  // A model file alone works in its own space: the flat still, read into linear and written back in sRGB, keeps its colour.
  const alone = atelier('upscale', still, '--model', linearFile, '-o', out, '--passes', '1', '--json');
  assert.equal(alone.status, 0, alone.stderr);
  const px = await sharp(out).raw().toBuffer();
  const src = await sharp(still).raw().toBuffer();
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(px[c]! - src[c]!) <= 2, `channel ${c}: ${px[c]} vs ${src[c]}`);
});
