// A look model file records the working colour space it was trained in (absent in older files:
// sRGB - Texture), and a render refuses a model trained in another space than the production's,
// naming both and the setting, before any version folder is made; a model of the production's space renders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as E from '../../src/engine/index.js';
import { saveModelFile } from '../../src/nn/model-file.js';
import { openProduction } from '../../src/store/index.js';
import { makeConfig, inputChannels } from '../../src/models/look/config.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import { saveLookModel, loadLookModel, checkModelWorkingSpace } from '../../src/models/look/model-file.js';
import { defaultColourContext } from '../../src/data/colour.js';
import { renderShotFrames } from '../../src/render/render-shot.js';
import { makeFormatProduction, S } from './format-fixture.js';
import { addShotKeyframes } from '../../src/store/index.js';
import { runTrainKeyframes } from '../../src/jobs/train-keyframes.js';
import sharp from 'sharp';

const BIN = fileURLToPath(new URL('../../../bin/atelier', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'atelier-model-space-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const { prodDir, modelFile } = await makeFormatProduction(dir);
const config = makeConfig([{ name: 'normal', channels: 3 }], { arch: { baseChannels: 4, resBlocks: 1, discChannels: 4 } });
const g = new LookGenerator(inputChannels(config), config.arch);
const acesFile = join(dir, 'aces.safetensors');
saveLookModel(acesFile, config, g.stateDict(), { working_color_space: 'ACEScg' });
const oldFile = join(dir, 'old.safetensors');
saveModelFile(oldFile, 'atelier-look', config, g.stateDict()); // as files were written before
g.dispose();

test('the model file records its working space; files without it were trained in sRGB - Texture', () => {
  for (const [file, space] of [[modelFile, 'sRGB - Texture'], [acesFile, 'ACEScg'], [oldFile, 'sRGB - Texture']] as const) {
    const m = loadLookModel(file);
    m.generator.dispose();
    assert.equal(m.workingSpace, space, file);
    assert.equal(m.metadata.working_color_space, file === oldFile ? undefined : space);
  }
  assert.throws(() => saveLookModel(join(dir, 'bad.safetensors'), config, new Map(), { working_color_space: ' ' }), /working_color_space must name a colour space/);
  assert.equal(existsSync(join(dir, 'bad.safetensors')), false);
  const ctx = defaultColourContext();
  checkModelWorkingSpace({ workingSpace: 'srgb_tx' }, ctx, 'm'); // an alias of the same space
  assert.throws(() => checkModelWorkingSpace({ workingSpace: 'ACEScg' }, ctx, 'look model #4'),
    /look model #4 was trained in working colour space "ACEScg" but the production works in "sRGB - Texture" \(setting working_color_space\)/);
  assert.throws(() => checkModelWorkingSpace({ workingSpace: 'Nope' }, ctx, 'm'), /"Nope", which the production's OCIO config \(built-in\) does not have/);
});

test('render refuses a model of another working space (CLI and renderShotFrames), and renders one of the production\'s', async () => {
  const render = (...args: string[]) => spawnSync(process.execPath, [BIN, 'render', 'sh1', '--production', prodDir, '--no-movie', ...args], { encoding: 'utf8' });
  const r = render('--model', acesFile);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /was trained in working colour space "ACEScg" but the production works in "sRGB - Texture" \(setting working_color_space\): retrain the model in "sRGB - Texture", or set working_color_space to "ACEScg"/);
  assert.equal(existsSync(join(prodDir, 'renders', 'sh1')) ? readdirSync(join(prodDir, 'renders', 'sh1')).length : 0, 0, 'no version folder');

  const prod = await openProduction(prodDir);
  try {
    await prod.updateSettings({ workingColorSpace: 'ACEScg' });
    const old = loadLookModel(oldFile);
    await assert.rejects(renderShotFrames(prod, 'sh1', old, null, { outDir: join(dir, 'direct') }), /the look model was trained in working colour space "sRGB - Texture" but the production works in "ACEScg"/);
    old.generator.dispose();
    assert.equal(existsSync(join(dir, 'direct')), false);
  } finally { await prod.close(); }
  // The production now works in ACEScg: the ACEScg model renders (PNG frames in the image space), the old one does not.
  const ok = render('--model', acesFile, '--frames', '1001-1002', '--json');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).frames, 2);
  assert.match(render('--model', oldFile).stderr, /trained in working colour space "sRGB - Texture" but the production works in "ACEScg"/);
  E.manualSeed(1);
});

test('train keyframes refuses a base model of another working space before any run starts', async () => {
  const dir2 = mkdtempSync(join(tmpdir(), 'atelier-model-space-keys-'));
  try {
    const { prodDir: p2, modelVersion } = await makeFormatProduction(dir2);
    const painted = join(dir2, 'key.1001.png');
    await sharp({ create: { width: S, height: S, channels: 3, background: { r: 200, g: 90, b: 60 } } }).png().toFile(painted);
    const prod = await openProduction(p2);
    try {
      const keys = await addShotKeyframes(prod, 'sh1', [painted], { meta: { cleared: true } });
      assert.equal(keys.keyframes[0]!.status !== 'rejected', true, JSON.stringify(keys.keyframes));
      await prod.updateSettings({ workingColorSpace: 'ACEScg' });
      await assert.rejects(runTrainKeyframes(prod, { shot: 'sh1', budgetSeconds: 5 }, () => {}),
        new RegExp(`look model #${modelVersion} was trained in working colour space "sRGB - Texture" but the production works in "ACEScg"`));
      assert.equal(existsSync(join(p2, 'runs')) ? readdirSync(join(p2, 'runs')).filter((n) => n.startsWith('keys-')).length : 0, 0, 'no keyframe run started');
      assert.equal((await prod.db.selectFrom('datasets').select('name').where('name', 'like', 'sh1-keys-%').execute()).length, 0, 'no keyframe snapshot made');
    } finally { await prod.close(); }
  } finally { rmSync(dir2, { recursive: true, force: true }); }
});
