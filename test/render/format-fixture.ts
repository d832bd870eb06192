// A tiny production for the output-format tests: shot sh1 (6 opaque 32×32 PNG frames from 1001 with
// a normal pass, timecode 01:00:00:00 at 24 fps), shot sha (4 RGBA frames: a disc over nothing)
// and a look model with random weights (rendering mechanics need a model, not a good one), as a
// file and as the production's model version (renders with a version record lineage).
// Deterministic: the same bytes on every run (the PNG byte-identity test relies on it).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { initProduction, addShot, addShotPass, ingestFiles, createDataset } from '../../src/store/index.js';
import { makeConfig, inputChannels } from '../../src/models/look/config.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import { saveLookModel } from '../../src/models/look/model-file.js';

export const S = 32;

async function frames(dir: string, n: number, alpha: boolean): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const c = alpha ? 4 : 3;
  for (let i = 0; i < n; i++) {
    const rgb = Buffer.alloc(S * S * c), nrm = Buffer.alloc(S * S * 3, 128);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      const k = (y * S + x) * c;
      const d2 = (x - 8 - 2 * i) ** 2 + (y - 16) ** 2;
      const inside = d2 < 30;
      rgb[k] = inside ? 220 : 40 + 4 * x; rgb[k + 1] = inside ? 80 : 90 + 3 * y; rgb[k + 2] = 160;
      if (alpha) rgb[k + 3] = d2 < 30 ? 255 : d2 < 60 ? 128 : 0;
      nrm[(y * S + x) * 3 + 1] = inside ? 200 : 128;
    }
    const f = String(1001 + i);
    await sharp(rgb, { raw: { width: S, height: S, channels: c } }).png().toFile(join(dir, `rough.${f}.png`));
    await sharp(nrm, { raw: { width: S, height: S, channels: 3 } }).png().toFile(join(dir, `normal.${f}.png`));
  }
}

/** Creates the production in `dir`/prod and the model file `dir`/model.safetensors. */
export async function makeFormatProduction(dir: string): Promise<{ prodDir: string; modelFile: string; modelVersion: number }> {
  await frames(join(dir, 'sh1'), 6, false);
  await frames(join(dir, 'sha'), 4, true);
  const prodDir = join(dir, 'prod');
  const prod = await initProduction(prodDir, { name: 'format test', defaultOwner: 'Test Studio', defaultLicence: 'work for hire' });
  try {
    await addShot(prod, 'sh1', join(dir, 'sh1', 'rough.####.png'), { fps: 24, timecode: '01:00:00:00' });
    await addShotPass(prod, 'sh1', 'normal', join(dir, 'sh1', 'normal.####.png'));
    await addShot(prod, 'sha', join(dir, 'sha', 'rough.####.png'), { fps: 24 });
    await addShotPass(prod, 'sha', 'normal', join(dir, 'sha', 'normal.####.png'));
    E.manualSeed(11);
    // The decoder and output of the models the pinned hashes were rendered with (before bilinear
    // upsampling and the output filter became the default).
    const config = makeConfig([{ name: 'normal', channels: 3 }], { arch: { baseChannels: 4, resBlocks: 1, discChannels: 4, upsample: 'nearest', outputFilter: 'none' } });
    const g = new LookGenerator(inputChannels(config), config.arch);
    const modelFile = join(dir, 'model.safetensors');
    saveLookModel(modelFile, config, g.stateDict());
    g.dispose();
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toFile(join(dir, 'concept.png'));
    await ingestFiles(prod, [join(dir, 'concept.png')], { kind: 'concept_art', cleared: true });
    await createDataset(prod, 'ds', { kinds: ['concept_art'], onlyCleared: true });
    const modelVersion = await prod.registerModelVersion({ kind: 'look', datasetId: 'ds', config, seed: 11, files: { 'model.safetensors': modelFile } });
    return { prodDir, modelFile, modelVersion };
  } finally { await prod.close(); }
}
