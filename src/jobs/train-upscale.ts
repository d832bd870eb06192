// The "train upscale" job: a dataset snapshot's full-resolution art (concept art and character
// sheets) -> a production upscaler, registered as a model version of kind "upscale" with its
// held-out gain over bicubic. One definition for the CLI, the dailies server and the farm.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { listModelVersions, type Production, type DatasetSnapshot } from '../store/index.js';
import { resolveModelFile } from './model-ref.js';
import { type UpscaleArch, type UpscaleTrain, type DownscaleMode, type ImageFile, makeUpscaleConfig, trainUpscale, type TrainUpscaleResult, loadUpscaleModel, type UpscaleModel } from '../models/upscale/index.js';

export interface TrainUpscaleJobOptions {
  dataset: string;
  scale?: 2 | 4;
  downscale?: DownscaleMode;
  train?: Partial<UpscaleTrain>;
  arch?: Partial<UpscaleArch>;
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
 * the painted frames of its paintover pairs as extra training images (also the production's own art).
 */
export function upscaleTrainingFiles(s: DatasetSnapshot): (ImageFile & { name: string })[] {
  const art = s.assets.filter((a) => a.kind === 'concept_art' || a.kind === 'character_sheet')
    .map((a) => ({ id: `asset-${String(a.id).padStart(6, '0')}`, path: a.path, name: a.originalName }));
  const paintovers = s.pairs.map((p) => ({ id: `paint-${String(p.painted.id).padStart(6, '0')}`, path: p.painted.path, name: p.painted.originalName, trainOnly: true }));
  return [...art, ...paintovers];
}

export async function runTrainUpscale(prod: Production, o: TrainUpscaleJobOptions, onEvent: (e: unknown) => void, isCancelled: () => boolean = () => false): Promise<TrainUpscaleJobResult> {
  const snapshot = await prod.dataset(o.dataset);
  const files = upscaleTrainingFiles(snapshot);
  if (files.length === 0) throw new Error(`dataset ${snapshot.name} has no concept art or character sheets to train an upscaler on`);
  const config = makeUpscaleConfig({ scale: o.scale, downscale: o.downscale, arch: o.arch, train: o.train });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let runDir = join(prod.dir, 'runs', `upscale-x${config.scale}-${snapshot.name}-${stamp}`);
  for (let i = 2; existsSync(runDir); i++) runDir = join(prod.dir, 'runs', `upscale-x${config.scale}-${snapshot.name}-${stamp}-${i}`);
  writeFileAtomic(join(runDir, 'config.json'), Buffer.from(JSON.stringify(config, null, 2)));
  const result = await trainUpscale({ runDir, config, files }, { progress: onEvent, get cancelled() { return isCancelled(); } });
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

/** "--model 7" or "--model path/to/model.safetensors" (default: the newest upscaler) -> a loaded upscaler. */
export async function resolveUpscaleModel(prod: Production | null, ref: string | undefined): Promise<{ model: UpscaleModel; version: number | null; path: string }> {
  const { version, path } = await resolveModelFile(prod, ref, { kinds: ['upscale'], label: 'upscaler', trainCommand: 'atelier train upscale --dataset <snapshot>' });
  return { model: loadUpscaleModel(path), version, path };
}

/** The production's newest upscaler of a scale, as a version reference for resolveUpscaleModel. */
async function newestUpscaler(prod: Production, scale: 2 | 4): Promise<string> {
  const v = (await listModelVersions(prod)).filter((m) => m.kind === 'upscale' && (m.config as { scale?: number } | null)?.scale === scale).at(-1);
  if (!v) throw new Error(`this production has no ${scale}x upscaler: train one with \`atelier train upscale --dataset <snapshot> --scale ${scale}\``);
  return String(v.id);
}

/**
 * The upscaler a render asks for: `model` (a version number or file), else the newest of `scale`;
 * with both, the model must be of that scale. The caller disposes model.net.
 */
export async function resolveRenderUpscaler(prod: Production, o: { model?: string; scale?: number }): Promise<{ model: UpscaleModel; version: number | null; path: string }> {
  if (!o.model && o.scale !== 2 && o.scale !== 4) throw new Error(`upscale needs a model or a scale of 2 or 4, got ${String(o.scale)}`);
  const u = await resolveUpscaleModel(prod, o.model ?? await newestUpscaler(prod, o.scale as 2 | 4));
  if (o.scale && u.model.config.scale !== o.scale) {
    u.model.net.dispose();
    throw new Error(`upscaler ${u.version !== null ? '#' + u.version : u.path} is ${u.model.config.scale}x, not ${o.scale}x`);
  }
  return u;
}
