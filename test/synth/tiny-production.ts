// The smallest production the exemplar bank and final renders run on: two paintover pairs (a normal
// pass each) in dataset "ds", cleared, and an untrained look model registered on it as version 1.
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { initProduction, ingestFiles, linkPair, createDataset, type Production } from '../../src/store/index.js';
import { makeConfig, inputChannels } from '../../src/models/look/config.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import { saveLookModel } from '../../src/models/look/model-file.js';

/** Writes a small PNG under the test's folder from a per-pixel value, returns its path. */
export type PngWriter = (name: string, f: (x: number, y: number, c: number) => number) => Promise<string>;

export async function tinyProduction(dir: string, name: string, png: PngWriter, painted = (x: number, y: number, c: number, k: number) => x * 9 + y * 3 + c * 60 + k * 40): Promise<{ prod: Production; version: number; modelFile: string }> {
  const prod = await initProduction(join(dir, name), { name, defaultOwner: 'Test Studio', defaultLicence: 'work for hire' });
  const id = async (file: string, kind: string) => {
    const [r] = await ingestFiles(prod, [file], { kind, cleared: true } as never);
    return (r as { asset: { id: number } }).asset.id;
  };
  for (let k = 0; k < 2; k++) {
    const p = await id(await png(`${name}-p${k}.png`, (x, y, c) => painted(x, y, c, k)), 'paintover');
    const rough = await id(await png(`${name}-r${k}.png`, (x, y, c) => y * 7 + c * 30 + k * 90), 'rough_frame');
    const normal = await id(await png(`${name}-n${k}.png`, (x, y, c) => (c === 2 ? 255 : (x + y + k) * 4)), 'render_pass');
    await linkPair(prod, p, rough, { normal });
  }
  await createDataset(prod, 'ds', { pairs: true, onlyCleared: true });
  E.manualSeed(5);
  const config = makeConfig([{ name: 'normal', channels: 3 }], { arch: { baseChannels: 4, resBlocks: 1, discChannels: 4 } });
  const modelFile = join(dir, `${name}-model.safetensors`);
  const g = new LookGenerator(inputChannels(config), config.arch);
  saveLookModel(modelFile, config, g.stateDict());
  g.dispose();
  const version = await prod.registerModelVersion({ kind: 'look', datasetId: 'ds', config: {}, seed: 5, files: { 'model.safetensors': modelFile }, metrics: {} });
  return { prod, version, modelFile };
}
