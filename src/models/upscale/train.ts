// Training the upscaler, self-supervised on the production's own full-resolution images: random
// high-resolution patches, their downscaled versions as inputs, L1 loss, Adam with warm-up and
// cosine decay. Deterministic for a seed (libtorch's seeded generator draws every patch). Held-out
// whole images score the model against bicubic; they never choose the weights (the final weights
// are the model), so the held-out figures are an honest estimate.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as E from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { Cancelled, nextTurn } from '../../util/cancelled.js';
import { psnr } from '../../metrics/index.js';
import type { UpscaleConfig } from './config.js';
import type { ColourContext } from '../../data/colour.js';
import { MODEL_WORKING_SPACE_KEY, workingSpaceOf } from '../../data/working-space.js';
import { Upscaler, upscaleImage, bicubicUpscale, saveUpscaleModel } from './net.js';
import { keysUpscale } from './cubic.js';
import { type ImageFile, type UpscaleExample, loadUpscaleSet, disposeUpscaleSet, sampleBatch } from './data.js';

export interface TrainUpscaleInput {
  runDir: string;
  config: UpscaleConfig;
  files: ImageFile[];
  /** The production's colour context: images are read into its working space, which the model file records (absent: sRGB - Texture, images as loaded). */
  colour?: ColourContext;
  /** Images to hold out by id (a leave-one-out fold); absent: chosen by the config's hold-out fraction. */
  heldOutIds?: readonly string[];
}

export interface UpscaleScore {
  /** Mean PSNR (dB) of the upscaler's output against the original, and of bicubic's (libtorch's, Keys a = -0.75). */
  psnr: number;
  bicubicPsnr: number;
  /** psnr - bicubicPsnr: what the production's upscaler adds over bicubic. */
  gainDb: number;
  /** Bicubic as sharp/PIL/imresize make it (Keys a = -0.5; a little below libtorch's on this art). */
  keysPsnr: number;
  images: number;
}

export interface TrainUpscaleResult {
  modelPath: string;
  steps: number;
  seconds: number;
  /** Held-out whole images (never trained on); null when there are fewer than 2 images. */
  heldOut: UpscaleScore | null;
  heldOutIds: string[];
  trainImages: number;
  finalLoss: number;
  evals: ({ step: number; seconds: number } & UpscaleScore)[];
}

export type UpscaleTrainEvent =
  | { type: 'loaded'; train: number; heldOut: number; heldOutIds: string[] }
  | { type: 'step'; step: number; totalSteps: number; seconds: number; loss: number; lr: number }
  | { type: 'eval'; step: number; psnr: number; bicubicPsnr: number; gainDb: number };

interface Ctx { progress(m: unknown): void; readonly cancelled: boolean }

/** PSNR with `border` pixels shaved off each side (the usual super-resolution protocol). */
export function shavedPsnr(a: E.Tensor, b: E.Tensor, border: number): number {
  return E.tidy(() => {
    const h = a.size(2);
    const w = a.size(3);
    if (h <= 4 * border || w <= 4 * border) return psnr(a, b);
    const crop = (t: E.Tensor) => t.narrow(2, border, h - 2 * border).narrow(3, border, w - 2 * border);
    return psnr(crop(a), crop(b));
  });
}

/** Scores the upscaler (tiled, as in production) and bicubic on images against their originals. */
export function scoreUpscaler(net: Upscaler, examples: UpscaleExample[], tile = 256): UpscaleScore | null {
  if (examples.length === 0) return null;
  const s = net.config.scale;
  let mine = 0;
  let base = 0;
  let keys = 0;
  for (const ex of examples) {
    E.tidy(() => {
      mine += shavedPsnr(upscaleImage(net, ex.lr, tile), ex.hr, s);
      base += shavedPsnr(bicubicUpscale(ex.lr, s), ex.hr, s);
      keys += shavedPsnr(keysUpscale(ex.lr, s, -0.5), ex.hr, s);
    });
  }
  const n = examples.length;
  return { psnr: mine / n, bicubicPsnr: base / n, gainDb: (mine - base) / n, keysPsnr: keys / n, images: n };
}

export async function trainUpscale(input: TrainUpscaleInput, ctx: Ctx): Promise<TrainUpscaleResult> {
  const c = input.config;
  const t = c.train;
  const s = c.scale;
  mkdirSync(input.runDir, { recursive: true });
  const emit = (e: UpscaleTrainEvent) => ctx.progress(e);

  E.manualSeed(t.seed);
  const net = new Upscaler(c);
  const opt = new nn.Adam(net.namedParameters(), { lr: t.lr });
  const set = await loadUpscaleSet(c, input.files, input.colour, input.heldOutIds);
  const heldOutIds = set.heldOut.map((e) => e.id);
  emit({ type: 'loaded', train: set.train.length, heldOut: set.heldOut.length, heldOutIds });

  let totalSteps = t.steps;
  let step = 0;
  let lastLoss = NaN;
  const evals: TrainUpscaleResult['evals'] = [];
  const losses: { step: number; loss: number }[] = [];
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  // A time budget becomes a step count from the speed of steps 10-30 (fixed from then on, so the
  // learning-rate schedule, and with it the result, depends on the seed and data only).
  const probeFrom = 10;
  const probeTo = 30;
  let probeStart = 0;
  const evaluate = () => {
    const score = scoreUpscaler(net, set.heldOut);
    net.train();
    if (!score) return;
    evals.push({ step, seconds: +elapsed().toFixed(2), ...score });
    emit({ type: 'eval', step, psnr: score.psnr, bicubicPsnr: score.bicubicPsnr, gainDb: score.gainDb });
  };
  try {
    net.train();
    while (step < totalSteps) {
      // Lets Ctrl-C (or a job's abort) set ctx.cancelled before the next step.
      await nextTurn();
      if (ctx.cancelled) throw new Cancelled(`training cancelled at step ${step} of ${totalSteps}`);
      const lr = nn.schedule.warmupCosine({ base: t.lr, total: totalSteps, warmup: Math.min(50, Math.max(1, Math.floor(totalSteps / 20))), min: t.lr / 20 })(step);
      opt.lr = lr;
      lastLoss = E.tidy(() => {
        const b = sampleBatch(set.train, t.batchSize, t.patchSize, s);
        const loss = E.F.l1Loss(net.forward(b.lr), b.hr);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss.item();
      });
      if (!Number.isFinite(lastLoss)) throw new Error(`training diverged at step ${step + 1} (loss ${lastLoss}); try a lower --lr`);
      step += 1;
      const seconds = elapsed();
      if (step % 10 === 0 || step === 1) losses.push({ step, loss: +lastLoss.toFixed(5) });
      emit({ type: 'step', step, totalSteps, seconds, loss: lastLoss, lr });
      if (t.budgetSeconds !== null) {
        if (step === probeFrom) probeStart = seconds;
        if (step === probeTo || (step === probeFrom && t.budgetSeconds <= seconds * 3)) {
          const perStep = step === probeTo ? (seconds - probeStart) / (probeTo - probeFrom) : seconds / step;
          totalSteps = Math.max(step + 1, Math.floor(step + (t.budgetSeconds - seconds) / perStep));
        }
      }
      if (step % t.evalEvery === 0 && step < totalSteps) evaluate();
    }
    evaluate();
    const seconds = elapsed();
    const modelPath = join(input.runDir, 'model.safetensors');
    saveUpscaleModel(modelPath, c, net.stateDict(), { steps: String(step), [MODEL_WORKING_SPACE_KEY]: workingSpaceOf(input.colour) });
    writeFileAtomic(join(input.runDir, 'history.json'), Buffer.from(JSON.stringify({ totalSteps, heldOutIds, evals, losses }, null, 1)));
    return {
      modelPath, steps: step, seconds, heldOut: evals.at(-1) && set.heldOut.length ? scoreOf(evals.at(-1)!) : null,
      heldOutIds, trainImages: set.train.length, finalLoss: lastLoss, evals,
    };
  } finally {
    disposeUpscaleSet(set);
    net.dispose();
    opt.dispose();
  }
}

const scoreOf = (e: UpscaleScore): UpscaleScore => ({ psnr: e.psnr, bicubicPsnr: e.bicubicPsnr, gainDb: e.gainDb, keysPsnr: e.keysPsnr, images: e.images });
