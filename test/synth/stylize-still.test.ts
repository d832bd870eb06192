// Stills (synth/stylize-still.ts): preview is the look model alone, exactly as stylizeFile; final
// adds the exemplars' strokes; final without exemplars and a missing pass are refused clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import { DEFAULT_ARCH, makeConfig, inputChannels } from '../../src/models/look/config.js';
import { saveLookModel, loadLookModel } from '../../src/models/look/model-file.js';
import { stylizeFile } from '../../src/models/look/stylize.js';
import { saveImage } from '../../src/data/image-io.js';
import { hfRatio } from '../../src/metrics/index.js';
import { stylizeStill } from '../../src/synth/index.js';

const dir = mkdtempSync(join(tmpdir(), 'atelier-still-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('a still: preview equals the look model alone, final carries the exemplars\' strokes, bad requests refused', async () => {
  const S = 48;
  const c = makeConfig([], { arch: { ...DEFAULT_ARCH, baseChannels: 8, maxChannels: 16 } });
  E.manualSeed(4);
  const g = new LookGenerator(inputChannels(c), c.arch);
  saveLookModel(join(dir, 'm.safetensors'), c, g.stateDict());
  const model = loadLookModel(join(dir, 'm.safetensors'));
  const roughFile = join(dir, 'rough.png');
  const rough = E.tidy(() => E.linspace(0.2, 0.8, S).reshape([1, 1, 1, S]).expand([1, 3, S, S]).contiguous());
  await saveImage(roughFile, rough);
  // Exemplars as strokeGuide builds them without passes: (model-like estimate, rough) → a striped painting.
  const style = E.tidy(() => {
    const stripes = E.tensor(Float32Array.from({ length: S * S }, (_, i) => ((i % S) + Math.floor(i / S)) % 4 < 2 ? 0.15 : -0.15), [1, 1, S, S]);
    return rough.add(stripes).clamp(0, 1);
  });
  const exemplars = { guide: E.tidy(() => E.F.cat([rough, rough], 1)), style };
  const preview = await stylizeStill(model, roughFile, null);
  const alone = await stylizeFile(model, roughFile, null);
  assert.deepEqual(preview.data(), alone.data());
  const final = await stylizeStill(model, roughFile, null, {}, { quality: 'final', exemplars, strokes: { colorLock: 0 } });
  assert.deepEqual(final.shape, [1, 3, S, S]);
  const before = hfRatio(preview, style), after = hfRatio(final, style);
  assert.ok(after > 0.5 && after > 3 * before, `high-frequency ratio to the painting: preview ${before.toFixed(2)}, final ${after.toFixed(2)}`);
  await assert.rejects(stylizeStill(model, roughFile, null, {}, { quality: 'final' }), /final quality needs the production's painted exemplars/);
  const guided = makeConfig([{ name: 'normal', channels: 3 }], { arch: c.arch });
  saveLookModel(join(dir, 'g.safetensors'), guided, new LookGenerator(inputChannels(guided), guided.arch).stateDict());
  await assert.rejects(stylizeStill(loadLookModel(join(dir, 'g.safetensors')), roughFile, {}), /needs the "normal" render pass/);
  E.disposeAll([preview, alone, final, rough, exemplars]);
});
