// The "train upscale" job: a dataset snapshot's full-resolution art (concept art and character
// sheets) -> a production upscaler, registered as a model version of kind "upscale" with its
// held-out gain over bicubic. One definition for the CLI, the dailies server and the farm.
import { newRunDir } from './run-dir.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { type Production, type DatasetSnapshot } from '../store/index.js';
import { productionColour } from '../store/colour-settings.js';
import { type UpscaleArch, type UpscaleTrain, type DownscaleMode, type ImageFile, makeUpscaleConfig, trainUpscale, type TrainUpscaleResult } from '../models/upscale/index.js';
import { explainCancel } from '../util/cancelled.js';

export interface TrainUpscaleJobOptions {
  dataset: string;
  scale?: 2 | 4;
  downscale?: DownscaleMode;
  train?: Partial<UpscaleTrain>;
  arch?: Partial<UpscaleArch>;
  /** Images to hold out, by id (asset-000012) or original file name; absent: the config's fraction. */
  heldOut?: readonly string[];
}

export interface TrainUpscaleJobResult {
  modelVersion: number;
  scale: 2 | 4;
  runDir: string;
  result: TrainUpscaleResult;
  dataset: { id: number; name: string };
  /** Held-out images by id and original file name. */
  heldOut: { id: string; name: string }[];
}

/**
 * The snapshot's full-resolution art: concept art and character sheets (held out from these), and
 * the painted frames of its paintover pairs as extra training images (also the production's own art),
 * with their recorded colour spaces.
 */
export function upscaleTrainingFiles(s: DatasetSnapshot): (ImageFile & { name: string })[] {
  const art = s.assets.filter((a) => a.kind === 'concept_art' || a.kind === 'character_sheet')
    .map((a) => ({ id: `asset-${String(a.id).padStart(6, '0')}`, path: a.path, name: a.originalName, space: a.colorSpace }));
  const paintovers = s.pairs.map((p) => ({ id: `paint-${String(p.painted.id).padStart(6, '0')}`, path: p.painted.path, name: p.painted.originalName, trainOnly: true, space: p.painted.colorSpace }));
  return [...art, ...paintovers];
}

export async function runTrainUpscale(prod: Production, o: TrainUpscaleJobOptions, onEvent: (e: unknown) => void, isCancelled: () => boolean = () => false): Promise<TrainUpscaleJobResult> {
  const snapshot = await prod.dataset(o.dataset);
  const files = upscaleTrainingFiles(snapshot);
  if (files.length === 0) throw new Error(`dataset ${snapshot.name} has no concept art or character sheets to train an upscaler on`);
  const config = makeUpscaleConfig({ scale: o.scale, downscale: o.downscale, arch: o.arch, train: o.train });
  const heldOutIds = o.heldOut?.map((want) => {
    const hits = files.filter((f) => f.id === want || f.name === want);
    if (hits.length !== 1) throw new Error(`cannot hold out "${want}": ${hits.length ? `${hits.length} images of dataset ${snapshot.name} have that name; give its id` : `no concept art or character sheet of dataset ${snapshot.name} has that id or name`}`);
    return hits[0]!.id;
  });
  const runDir = newRunDir(prod.dir, `upscale-x${config.scale}-${snapshot.name}`);
  writeFileAtomic(join(runDir, 'config.json'), Buffer.from(JSON.stringify(config, null, 2)));
  // Read into the production's working space, which the model file records (renders refuse another).
  const colour = await productionColour(prod);
  const result = await explainCancel(trainUpscale({ runDir, config, files, colour, ...(heldOutIds ? { heldOutIds } : {}) }, { progress: onEvent, get cancelled() { return isCancelled(); } }),
    (m) => `${m}; no model registered (an upscaler run starts afresh: run train upscale again)`);
  const byId = new Map(files.map((f) => [f.id, f.name]));
  const heldOut = result.heldOutIds.map((id) => ({ id, name: byId.get(id) ?? id }));
  const h = result.heldOut;
  const modelVersion = await prod.registerModelVersion({
    kind: 'upscale', datasetId: snapshot.id, config, seed: config.train.seed,
    files: { 'model.safetensors': result.modelPath },
    metrics: {
      scale: config.scale,
      held_out_psnr: h ? +h.psnr.toFixed(3) : null,
      held_out_bicubic_psnr: h ? +h.bicubicPsnr.toFixed(3) : null,
      held_out_psnr_gain_db: h ? +h.gainDb.toFixed(3) : null,
      held_out_keys_bicubic_psnr: h ? +h.keysPsnr.toFixed(3) : null,
      downscale: config.downscale,
      held_out_images: heldOut, train_images: result.trainImages,
      steps: result.steps, train_seconds: +result.seconds.toFixed(1), final_l1: +result.finalLoss.toFixed(5),
      evals: result.evals, run: runDir,
    },
  });
  return { modelVersion, scale: config.scale, runDir, result, dataset: { id: snapshot.id, name: snapshot.name }, heldOut };
}

// The resolvers live with the render (below this layer); re-exported for existing callers.
export { resolveUpscaleModel, resolveRenderUpscaler } from '../render/model-ref.js';
