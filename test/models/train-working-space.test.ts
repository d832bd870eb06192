// Training reads its images into the production's working space (data/working-space.ts, the helper
// renders read rough frames with) and the model file records that space. In a production working in
// linear Rec.709, the training tensors of sRGB PNGs are the IEC sRGB -> linear formula of their
// bytes, an asset recorded as linear is taken as it is, passes stay as stored; a default production
// trains on the bytes as before; a fine-tune from a model of another space is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { S, LINEAR, srgbToLinear, png, planar, maxDiff } from './working-space-fixtures.js';
import * as E from '../../src/engine/index.js';
import { initProduction, ingestFiles, linkPair, createDataset, type Production } from '../../src/store/index.js';
import { productionColour } from '../../src/store/colour-settings.js';
import { runTrainLook, trainingFiles } from '../../src/jobs/train-look.js';
import { makeConfig } from '../../src/models/look/config.js';
import { loadTrainingSet, disposeTrainingSet } from '../../src/models/look/data.js';
import { loadLookModel } from '../../src/models/look/model-file.js';
import { trainLook } from '../../src/models/look/train.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import { inputChannels } from '../../src/models/look/config.js';
import { exemplarsFromFiles } from '../../src/synth/exemplar-bank.js';
import { saveLookModel } from '../../src/models/look/model-file.js';
import { stylizeTensor } from '../../src/models/look/stylize.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'atelier-train-space-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const TINY = { arch: { baseChannels: 4, resBlocks: 1, discChannels: 4 }, train: { patchSize: 16, batchSize: 2, steps: 3, evalEvery: 100, sampleEvery: 100, checkpointEvery: 100, seed: 3 } };


const raw = {
  painted: await png(join(dir, 'painted.png'), (x, y, c) => (x * 8 + y + c * 50) % 256),
  rough: await png(join(dir, 'rough.png'), (x, y, c) => (y * 8 + c * 30) % 256),
  normal: await png(join(dir, 'normal.png'), (x, y, c) => (c === 2 ? 255 : (x + y) * 4)),
  concept: await png(join(dir, 'concept.png'), (x, y, c) => (x * 3 + y * 5 + c * 70) % 256),
};

async function production(name: string, working?: string): Promise<{ prod: Production; dataset: string }> {
  const prod = await initProduction(join(dir, name), { name, defaultOwner: 'Test Studio', defaultLicence: 'work for hire' });
  if (working) await prod.updateSettings({ workingColorSpace: working });
  const id = async (file: string, kind: string, extra = {}) => {
    const [r] = await ingestFiles(prod, [join(dir, file)], { kind, cleared: true, ...extra } as never);
    assert.ok(r && r.status !== 'rejected', JSON.stringify(r));
    return (r as { asset: { id: number } }).asset.id;
  };
  const painted = await id('painted.png', 'paintover');
  const rough = await id('rough.png', 'rough_frame');
  const normal = await id('normal.png', 'render_pass');
  // Concept art recorded as already linear: read as it is, whatever the production's default.
  await id('concept.png', 'concept_art', { colorSpace: LINEAR });
  await linkPair(prod, painted, rough, { normal });
  await createDataset(prod, 'ds', { kinds: ['concept_art'], pairs: true, onlyCleared: true });
  return { prod, dataset: 'ds' };
}

test('a linear production trains on the OCIO conversion of its PNGs and records its working space', async () => {
  const { prod, dataset } = await production('linear', LINEAR);
  try {
    const colour = await productionColour(prod);
    const files = trainingFiles(await prod.dataset(dataset), colour);
    const c = makeConfig([{ name: 'normal', channels: 3 }], { ...TINY, train: { ...TINY.train, holdOut: 0 } });
    const set = await loadTrainingSet(c, files);
    try {
      assert.equal(set.train.length, 1);
      assert.equal(set.concepts.length, 1);
      const [pair] = set.train, [concept] = set.concepts;
      assert.ok(maxDiff(pair!.target.toArray(), planar(raw.painted, srgbToLinear)) < 2e-5, 'painting: sRGB -> linear by the formula');
      assert.ok(maxDiff(pair!.rough.toArray(), planar(raw.rough, srgbToLinear)) < 2e-5, 'rough frame: sRGB -> linear by the formula');
      // Really converted: bytes/255 are far from it (mid grey 0.5 -> 0.214).
      assert.ok(maxDiff(pair!.target.toArray(), planar(raw.painted, (v) => v)) > 0.2);
      assert.equal(maxDiff(concept!.target.toArray(), planar(raw.concept, (v) => v)), 0, 'an asset recorded as linear is not converted');
      // The guide channels of the input are the normal pass as stored (data, never converted).
      const guide = E.tidy(() => pair!.input.narrow(1, 3, 3).contiguous().toArray());
      assert.ok(maxDiff(guide, planar(raw.normal, (v) => v)) < 1e-6);
    } finally { disposeTrainingSet(set); }

    const r = await runTrainLook(prod, { dataset, ...TINY }, () => {});
    const model = loadLookModel(r.result.modelPath);
    model.generator.dispose();
    assert.equal(model.workingSpace, LINEAR);
    assert.equal(model.metadata.working_color_space, LINEAR);
    // A fine-tune of a model of another space is refused before a step is taken.
    const srgb = await production('srgb-base');
    const base = await runTrainLook(srgb.prod, { dataset: srgb.dataset, ...TINY }, () => {});
    await srgb.prod.close();
    await assert.rejects(trainLook({ runDir: join(dir, 'ft'), config: c, files, resume: false, initModel: base.result.modelPath }, { progress: () => {}, cancelled: false }),
      /was trained in working colour space "sRGB - Texture" but the production works in "Linear Rec.709 \(sRGB\)"/);
  } finally { await prod.close(); }
});

test('a production in the default space trains on the bytes as before and records sRGB - Texture', async () => {
  const { prod, dataset } = await production('default');
  try {
    const snapshot = await prod.dataset(dataset);
    const c = makeConfig([{ name: 'normal', channels: 3 }], { ...TINY, train: { ...TINY.train, holdOut: 0 } });
    const withColour = await loadTrainingSet(c, trainingFiles(snapshot, await productionColour(prod)));
    const without = await loadTrainingSet(c, trainingFiles(snapshot));
    try {
      assert.equal(maxDiff(withColour.train[0]!.target.toArray(), planar(raw.painted, (v) => v)), 0);
      assert.deepEqual(withColour.train[0]!.input.toArray(), without.train[0]!.input.toArray());
    } finally { disposeTrainingSet(withColour); disposeTrainingSet(without); }
    const r = await runTrainLook(prod, { dataset, ...TINY }, () => {});
    const model = loadLookModel(r.result.modelPath);
    model.generator.dispose();
    assert.equal(model.workingSpace, 'sRGB - Texture');
    assert.equal(model.metadata.working_color_space, 'sRGB - Texture');
    // The production's working space changed: resuming an interrupted run in it is refused (a
    // finished run is refused for that already).
    await assert.rejects(runTrainLook(prod, { dataset, ...TINY, stopAfter: 1 }, () => {}), /training stopped at step 1 of/);
    await prod.updateSettings({ workingColorSpace: LINEAR });
    await assert.rejects(runTrainLook(prod, { dataset, resume: true }, () => {}),
      /was trained in working colour space "sRGB - Texture" but the production now works in "Linear Rec\.709 \(sRGB\)": start a new run instead of --resume/);
  } finally { await prod.close(); }
});

test('the stroke stage\'s exemplars are read into the working space too', async () => {
  const { prod, dataset } = await production('linear-strokes', LINEAR);
  try {
    const colour = await productionColour(prod);
    const files = trainingFiles(await prod.dataset(dataset), colour);
    const config = makeConfig([{ name: 'normal', channels: 3 }], TINY);
    const model = { config, generator: new LookGenerator(inputChannels(config), config.arch), metadata: {}, workingSpace: LINEAR };
    const pair = files.pairs[0]!;
    try {
      const ex = await exemplarsFromFiles(model, [{ painted: pair.painted, rough: pair.rough, passes: pair.passes, spaces: pair.spaces }], undefined, colour);
      try {
        assert.ok(maxDiff(ex.style.toArray(), planar(raw.painted, srgbToLinear)) < 2e-5, 'painted exemplar: sRGB -> linear');
      } finally { E.disposeAll([ex.guide, ex.style]); }
    } finally { model.generator.dispose(); }
  } finally { await prod.close(); }
});

test('atelier stylize reads a still into the model\'s working space and writes it back in the image space', async () => {
  const BIN = fileURLToPath(new URL('../../../bin/atelier', import.meta.url));
  E.manualSeed(9);
  const config = makeConfig([], { arch: { baseChannels: 8, resBlocks: 1, discChannels: 4 } });
  const g = new LookGenerator(inputChannels(config), config.arch);
  const file = join(dir, 'linear-model.safetensors');
  saveLookModel(file, config, g.stateDict(), { working_color_space: LINEAR });
  const still = join(dir, 'painted.png');
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'stylize', still, '--model', file, '--json', ...args], { encoding: 'utf8', cwd: dir });
  // Outside a production: the model's own space (built-in config).
  const out = join(dir, 'still-out.png');
  const r = run('-o', out);
  assert.equal(r.status, 0, r.stderr);
  // The same by hand: the IEC formula in, the model, the formula out.
  const lin = E.tensor(planar(raw.painted, srgbToLinear), [1, 3, S, S]);
  const y = stylizeTensor({ config, generator: g, metadata: {}, workingSpace: LINEAR }, lin, null);
  const encode = (v: number) => { const c = Math.min(1, Math.max(0, v)); return c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055; };
  const want = Array.from(y.toArray(), (v: number) => Math.round(encode(v) * 255));
  E.disposeAll([lin, y]);
  g.dispose();
  const got = await sharp(out).raw().toBuffer();
  let worst = 0;
  for (let i = 0; i < S * S; i++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(got[i * 3 + c]! - want[c * S * S + i]!));
  assert.ok(worst <= 1, `the still differs from the formula's by ${worst} 8-bit steps`);
  // In a production working in sRGB - Texture the linear model is refused, nothing written.
  const { prod } = await production('stills');
  await prod.close();
  const refused = run('-o', join(dir, 'refused.png'), '--production', join(dir, 'stills'));
  assert.equal(refused.status, 1);
  assert.equal(existsSync(join(dir, 'refused.png')), false);
  assert.match(JSON.parse(refused.stderr).error, /was trained in working colour space "Linear Rec\.709 \(sRGB\)" but the production works in "sRGB - Texture"/);
});
