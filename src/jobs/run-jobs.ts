// The jobs every front end submits (the dailies server, the farm): train look, train upscale, render
// a shot. Run in a worker thread (jobs/job-thread.ts imports this module there); inputs are plain
// data, each job opens the production itself (its own database connection) and reports
// { progress, message }.
import { resolve } from 'node:path';
import { releaseIfEmpty } from '../render/version-dir.js';
import type { JobContext } from '../engine/worker.js';
import { findShotVersion, openProduction, type Production } from '../store/index.js';
import { productionColour } from '../store/colour-settings.js';
import { runTrainLook } from './train-look.js';
import { runTrainUpscale } from './train-upscale.js';
import type { UpscaleTrainEvent } from '../models/upscale/index.js';
import { describeRender, renderOptionsOf, type RenderDescription, type RenderQuality, type RenderRequest } from '../render/render-description.js';
import type { CoherenceOptions, CoherenceChoice } from '../render/coherence.js';
import type { StrokeOptions } from '../synth/stroke-sequence.js';
import type { TilingOptions } from '../models/look/stylize.js';
import { renderShotFrames, writeShotMovie } from '../render/render-shot.js';
import type { MovieCodec } from '../render/movie.js';
import type { TrainEvent } from '../models/look/train.js';

/** resume: a run folder to continue (its checkpoint), as `atelier train look --resume <run>`. */
export interface TrainLookInput { productionDir: string; dataset: string; steps?: number; budgetSeconds?: number; resume?: string }

export async function trainLookJob(input: TrainLookInput, ctx: JobContext) {
  const prod = await openProduction(input.productionDir);
  try {
    const train: Record<string, number> = {};
    if (input.steps) train.steps = input.steps;
    if (input.budgetSeconds) train.budgetSeconds = input.budgetSeconds;
    const r = await runTrainLook(prod, { dataset: input.dataset, train, ...(input.resume ? { resume: input.resume } : {}), onRun: (run) => ctx.progress({ detail: { run } }) }, (raw) => {
      const e = raw as TrainEvent;
      if (e.type === 'step') ctx.progress({ progress: e.step / e.totalSteps, message: `step ${e.step}/${e.totalSteps} loss ${e.loss.total.toFixed(3)}`, detail: { step: e.step, loss: e.loss.total } });
      else if (e.type === 'eval') ctx.progress({ message: `held-out PSNR ${e.psnr.toFixed(2)} dB`, detail: e });
      else if (e.type === 'loaded') ctx.progress({ progress: 0, message: `${e.trainPairs} pairs, ${e.concepts} concept images` });
    }, () => ctx.cancelled);
    return { modelVersion: r.modelVersion, steps: r.result.steps, heldOutPsnr: r.result.heldOutPsnr };
  } finally { await prod.close(); }
}

export interface TrainUpscaleInput { productionDir: string; dataset: string; scale?: 2 | 4; steps?: number; budgetSeconds?: number }

export async function trainUpscaleJob(input: TrainUpscaleInput, ctx: JobContext) {
  const prod = await openProduction(input.productionDir);
  try {
    const train: Record<string, number> = {};
    if (input.steps) train.steps = input.steps;
    if (input.budgetSeconds) train.budgetSeconds = input.budgetSeconds;
    const r = await runTrainUpscale(prod, { dataset: input.dataset, scale: input.scale, train }, (raw) => {
      const e = raw as UpscaleTrainEvent;
      if (e.type === 'step') ctx.progress({ progress: e.step / e.totalSteps, message: `step ${e.step}/${e.totalSteps} L1 ${e.loss.toFixed(4)}`, detail: { step: e.step, loss: e.loss } });
      else if (e.type === 'eval') ctx.progress({ message: `held-out gain over bicubic ${e.gainDb.toFixed(2)} dB`, detail: e });
      else if (e.type === 'loaded') ctx.progress({ progress: 0, message: `${e.train} training images, ${e.heldOut} held out` });
    }, () => ctx.cancelled);
    return { modelVersion: r.modelVersion, scale: r.scale, runDir: r.runDir };
  } finally { await prod.close(); }
}

/**
 * The dailies' render job: every option the CLI has. modelVersion absent: the shot's default look
 * model (render/model-ref.ts), as `atelier render` picks it. The output is the next vNNN version.
 */
export interface RenderShotInput {
  productionDir: string; shot: string; modelVersion?: number; range?: [number, number];
  bits?: 8 | 16; format?: 'png' | 'exr'; colorSpace?: string; matte?: string; coherence?: CoherenceOptions | CoherenceChoice | null; quality?: RenderQuality; strokes?: Partial<StrokeOptions>;
  tiling?: TilingOptions; lookWidth?: number; upscale?: RenderRequest['upscale']; outDir?: string;
  /** Continue the version in outDir: keep the frames it has (where their lineage is this render's), render the rest. */
  resume?: boolean;
  /** The preview movie: false writes none; codec (default h264) and burn-ins as `atelier render` has them. */
  movie?: boolean; codec?: MovieCodec; burnIn?: boolean;
}

/** A render job's input as a render request (versionsOnly: the render may run on another machine). */
export function renderRequestOf(i: RenderShotInput, versionsOnly: boolean): RenderRequest {
  return {
    shot: i.shot, range: i.range, model: i.modelVersion !== undefined ? String(i.modelVersion) : undefined, bits: i.bits, format: i.format, colorSpace: i.colorSpace,
    ...(i.matte !== undefined ? { matte: i.matte } : {}), coherence: i.coherence, quality: i.quality, strokes: i.strokes, tiling: i.tiling, ...(i.lookWidth !== undefined ? { lookWidth: i.lookWidth } : {}), upscale: i.upscale, outDir: i.outDir, versionsOnly,
  };
}

/**
 * Runs the render description's checks on a render job's input (shot, range, model, passes, format
 * and colour space, upscaler) without claiming a version: the dailies refuse a bad request before
 * queueing it. Returns the description without its folder.
 */
export async function checkRenderShotInput(prod: Production, input: RenderShotInput): Promise<Omit<RenderDescription, 'outDir'>> {
  // An output folder given: describeRender claims nothing (the job claims its version when it runs).
  const { description, model } = await describeRender(prod, { ...renderRequestOf(input, true), outDir: prod.dir });
  model.generator.dispose();
  const { outDir: _, ...checked } = description;
  return checked;
}

export async function renderShotJob(input: RenderShotInput, ctx: JobContext) {
  const prod = await openProduction(input.productionDir);
  try {
    const { description: d, model } = await describeRender(prod, renderRequestOf(input, true));
    try {
      const outDir = resolve(prod.dir, d.outDir);
      // The version claimed, and the frames it gets when the job finishes (the dailies tell a version
      // its render left unfinished by these).
      const claimed = input.outDir === undefined || input.resume ? await findShotVersion(prod, d.shot, outDir, d.modelVersion) : null;
      if (claimed) ctx.progress({ detail: { version: { id: claimed.id, number: claimed.number, frames: d.range[1] - d.range[0] + 1 } } });
      const r = await renderShotFrames(prod, d.shot, model, d.modelVersion, {
        ...renderOptionsOf(d), outDir, resume: !!input.resume,
        onFrame: (done, total, frame) => {
          ctx.progress({ progress: done / total, message: `frame ${frame} (${done}/${total})` });
          if (ctx.cancelled) throw new Error('job cancelled');
        },
        onStatus: (message) => ctx.progress({ progress: 0, message }),
      }).catch((err: unknown) => {
        if (input.outDir === undefined) releaseIfEmpty(outDir); // a refused render leaves no empty version
        throw err;
      });
      // The preview movie, as the CLI and the farm write it, once the folder holds the whole shot.
      if (input.movie !== false) ctx.progress({ message: 'preview movie' });
      const m = input.movie === false ? null : await writeShotMovie(outDir, await prod.shot(d.shot), { codec: input.codec, burnIn: !!input.burnIn, format: d.format, ...(d.colorSpace ? { colorSpace: d.colorSpace } : {}), colour: await productionColour(prod) });
      // The version the frames arrived as (its id for the dailies' links, its number as people say it).
      const v = await findShotVersion(prod, d.shot, outDir, d.modelVersion);
      return { frames: r.frames.length, dir: outDir, movie: m?.written ? m.movie.path : null, version: v ? { id: v.id, number: v.number } : null };
    } finally { model.generator.dispose(); }
  } finally { await prod.close(); }
}
