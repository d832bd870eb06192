// Training the look model: random patches of (roughened rough + guides -> painted) with L1, a
// random-feature perceptual and Gram (texture) term, and a least-squares patch GAN; held-out pairs
// for early stopping; sample sheets; checkpoints that resume bit-identically.
// Runs as a job (see engine/worker.ts): plain-data input, progress through ctx.
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as E from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { type LookConfig, inputChannels } from './config.js';
import { BudgetPlanner } from './budget-plan.js';
import { LookGenerator, generateFrame } from './generator.js';
import { PatchDiscriminator } from './discriminator.js';
import { RandomFeatures, gram } from './features.js';
import { type TrainingFiles, type Example, loadTrainingSet, disposeTrainingSet, disposeExample, sampleBatch } from './data.js';
import { type RunState, type LossRecord, saveCheckpoint, loadCheckpoint, withPrefix, prefixed } from './checkpoint.js';
import { saveLookModel, loadLookModel, checkModelWorkingSpace, WORKING_SPACE_KEY, LEGACY_WORKING_SPACE } from './model-file.js';
import { workingSpaceOf } from '../../data/working-space.js';
import { writeSheet } from './sheet.js';
import { psnr } from '../../metrics/index.js';
import { generatorFlops, discriminatorFlops } from './flops.js';
import { Anchor, type AnchorOptions } from './anchor.js';
import { blankRough, discriminatorView } from './augment.js';
import { Cancelled, nextTurn } from '../../util/cancelled.js';

export interface TrainLookInput {
  runDir: string;
  config: LookConfig;
  files: TrainingFiles;
  /** Continue from runDir/checkpoint.safetensors when it exists. */
  resume: boolean;
  /** Start from this model's generator weights (keyframe fine-tuning). */
  initModel?: string;
  /** Hold the fine-tune to a production model (L2-SP and masked distillation; see anchor.ts). */
  anchor?: AnchorOptions;
  /** Stop after this many steps even if more are planned (tests of kill/resume). */
  stopAfter?: number;
  /**
   * Sample sheets show each example's centre, at most this many pixels a side, at 100% (default:
   * whole frames). Keyframe runs train on whole film frames: one 960x540 keyframe's sheet took
   * 5.2 s on 2 busy cores (~13 training steps), its 256 px centre 0.3 s; 1080p and three keyframes
   * cost ~12x the former.
   */
  sampleCrop?: number;
  /**
   * Where the networks train (default: computeDevice(), i.e. $ATELIER_DEVICE or the first GPU of a
   * CUDA libtorch). Batches are cut and augmented on the CPU from the same seeded generator, so
   * a run draws the same patches on any device; checkpoints and the model file are device-free.
   */
  device?: E.Device;
}

export interface TrainLookResult {
  modelPath: string;
  steps: number;
  totalSteps: number;
  stoppedEarly: boolean;
  seconds: number;
  bestStep: number;
  heldOutPsnr: number | null;
  heldOutPairs: number;
  trainPairs: number;
  concepts: number;
  trainGflops: number;
  /** The device it trained on. */
  device: string;
  evals: RunState['evals'];
  samples: string[];
}

export type TrainEvent =
  | { type: 'loaded'; trainPairs: number; heldOut: number; concepts: number; resumedAt: number | null }
  | { type: 'step'; step: number; totalSteps: number; seconds: number; loss: LossRecord }
  | { type: 'eval'; step: number; psnr: number; best: number }
  | { type: 'sample'; step: number; path: string }
  | { type: 'checkpoint'; step: number };

interface Ctx { progress(m: unknown): void; readonly cancelled: boolean }

/** Learning rate: linear warm-up over 50 steps, then cosine to a tenth of the base. */
function learningRate(c: LookConfig, step: number, total: number): number {
  const warm = Math.min(50, Math.max(1, Math.floor(total / 10)));
  return nn.schedule.warmupCosine({ base: c.train.lr, total, warmup: warm, min: c.train.lr / 10 })(step);
}

const checkpointPath = (runDir: string) => join(runDir, 'checkpoint.safetensors');

export async function trainLook(input: TrainLookInput, ctx: Ctx): Promise<TrainLookResult> {
  const c = input.config;
  const t = c.train;
  mkdirSync(join(input.runDir, 'samples'), { recursive: true });
  const ckptPath = checkpointPath(input.runDir);
  checkRunWorkingSpace(input.runDir, input.resume && existsSync(ckptPath), workingSpaceOf(input.files.colour));
  const emit = (e: TrainEvent) => ctx.progress(e);

  const device = input.device ?? E.computeDevice();
  E.manualSeed(t.seed);
  const cin = inputChannels(c);
  // Initialized on the CPU from the seeded generator (the same weights on every device), then moved
  // before the optimizers are made (their state lives beside the parameters).
  const G = new LookGenerator(cin, c.arch);
  if (t.patchSize % G.multiple) throw new RangeError(`patch size ${t.patchSize} must be a multiple of ${G.multiple} for this generator (${G.multiple === 4 ? 2 : Math.log2(G.multiple)} downsampling levels)`);
  const D = new PatchDiscriminator(cin, c.arch.discChannels);
  G.to(device);
  D.to(device);
  const features = new RandomFeatures(device);
  const toDevice = (x: E.Tensor) => (device === 'cpu' ? x : x.to({ device }));
  const toCpu = (x: E.Tensor) => (device === 'cpu' ? x : x.to({ device: 'cpu' }));
  if (input.initModel) {
    const m = loadLookModel(input.initModel);
    try {
      if (input.files.colour) checkModelWorkingSpace(m, input.files.colour, input.initModel);
      if (JSON.stringify(m.config.guides) !== JSON.stringify(c.guides) || JSON.stringify(m.config.arch) !== JSON.stringify(c.arch)) {
        throw new Error(`${input.initModel}: its guides or architecture differ from this run's`);
      }
      G.loadStateDict(m.generator.stateDict());
    } finally {
      m.generator.dispose();
    }
  }
  // beta1 0.9 (not the GAN-customary 0.5): without normalization layers, 0.5 made training spike.
  const optG = new nn.Adam(G.namedParameters(), { lr: t.lr, betas: [0.9, 0.999] });
  const optD = new nn.Adam(D.namedParameters(), { lr: t.lr, betas: [0.5, 0.999] });
  const best = new Map<string, E.Tensor>();
  const snapshotBest = () => E.noGrad(() => {
    for (const [k, v] of G.stateDict()) {
      best.get(k)?.dispose();
      best.set(k, E.keep(v.clone()));
    }
  });

  let state: RunState = {
    step: 0, totalSteps: t.steps, seconds: 0, flops: 0, optGSteps: 0, optDSteps: 0,
    bestStep: -1, bestPsnr: -Infinity, badEvals: 0, evals: [], losses: [],
  };
  let resumedAt: number | null = null;
  const ck = input.resume ? loadCheckpoint(ckptPath) : null;
  if (ck) {
    if (JSON.stringify(ck.config) !== JSON.stringify(c)) {
      for (const v of ck.tensors.values()) v.dispose();
      throw new Error(`${ckptPath} was written with another configuration; start a new run instead of --resume`);
    }
    G.loadStateDict(withPrefix(ck.tensors, 'G.'));
    D.loadStateDict(withPrefix(ck.tensors, 'D.'));
    optG.loadStateDict({ tensors: withPrefix(ck.tensors, 'optG.'), step: ck.state.optGSteps });
    optD.loadStateDict({ tensors: withPrefix(ck.tensors, 'optD.'), step: ck.state.optDSteps });
    for (const [k, v] of withPrefix(ck.tensors, 'best.')) best.set(k, E.keep(v.clone()));
    for (const v of ck.tensors.values()) v.dispose();
    state = ck.state;
    E.setRngState(ck.rng);
    resumedAt = state.step;
  }

  const set = await loadTrainingSet(c, input.files);
  let anchor: Anchor | null = null;
  try {
    anchor = input.anchor ? await Anchor.load(c, input.anchor, t.patchSize, device) : null;
  } catch (err) {
    disposeTrainingSet(set); G.dispose(); D.dispose(); features.dispose(); optG.dispose(); optD.dispose();
    for (const v of best.values()) v.dispose();
    throw err;
  }
  const distillBatch = Math.max(1, Math.ceil(t.batchSize / 2));
  emit({ type: 'loaded', trainPairs: set.train.length, heldOut: set.heldOut.length, concepts: set.concepts.length, resumedAt });
  // The examples of the sample sheets, cropped to their centre when sampleCrop says so.
  const showcase = [...set.heldOut, ...set.train].slice(0, 3).map((ex) => sampleView(ex, input.sampleCrop));
  const samples: string[] = [];
  const P = t.patchSize;
  // Per step: generator forward + backward (~3 forwards), random features on output (forward and
  // input gradients) and target (forward), and when the GAN term is on, the discriminator in the
  // generator's backward (~3) and its own step on real and fake (~6).
  const flopsNoAdv = t.batchSize * (3 * generatorFlops(cin, c.arch, P, P) + 3 * features.flops(P, P));
  const flopsDistill = anchor && anchor.heldFrames > 0 ? distillBatch * 3 * generatorFlops(cin, c.arch, P, P) : 0;
  const flopsAdv = flopsNoAdv + flopsDistill + t.batchSize * 9 * discriminatorFlops(cin, c.arch.discChannels, P, P);

  const evaluate = (): number | null => {
    if (set.heldOut.length === 0) return null;
    G.eval();
    const scores = set.heldOut.slice(0, 4).map((ex) => E.noGrad(() => E.tidy(() => psnr(toCpu(generateFrame(G, toDevice(ex.input))), ex.target))));
    G.train();
    return scores.reduce((a, b) => a + b, 0) / scores.length;
  };

  const checkpoint = () => {
    const tensors = new Map<string, E.Tensor>();
    prefixed(G.stateDict(), 'G.', tensors);
    prefixed(D.stateDict(), 'D.', tensors);
    const og = optG.stateDict();
    const od = optD.stateDict();
    prefixed(og.tensors, 'optG.', tensors);
    prefixed(od.tensors, 'optD.', tensors);
    prefixed(best, 'best.', tensors);
    state.optGSteps = og.step;
    state.optDSteps = od.step;
    saveCheckpoint(ckptPath, { config: c, state, rng: E.getRngState(), tensors });
    writeFileAtomic(join(input.runDir, 'history.json'), Buffer.from(JSON.stringify({ evals: state.evals, losses: state.losses }, null, 1)));
    emit({ type: 'checkpoint', step: state.step });
  };

  const writeSample = async () => {
    G.eval();
    const rows = E.noGrad(() => showcase.map((v) => [v.ex.rough, E.tidy(() => toCpu(generateFrame(G, toDevice(v.ex.input)))), v.ex.target]));
    G.train();
    const path = join(input.runDir, 'samples', `step-${String(state.step).padStart(6, '0')}.png`);
    await writeSheet(path, rows, input.files.colour);
    for (const r of rows) r[1]!.dispose();
    samples.push(path);
    emit({ type: 'sample', step: state.step, path });
  };

  let stoppedEarly = false;
  const wall0 = performance.now() - state.seconds * 1000;
  const elapsed = () => (performance.now() - wall0) / 1000;
  // A time budget becomes a step count from the measured speed, kept up to date (budget-plan.ts).
  const planner = t.budgetSeconds !== null ? new BudgetPlanner({
    budgetSeconds: t.budgetSeconds, checkpointEvery: t.checkpointEvery, advStart: t.advStart,
    advCost: flopsAdv / (flopsNoAdv + flopsDistill), adversarial: t.wAdv > 0,
    ...(resumedAt !== null ? { from: { step: resumedAt, seconds: state.seconds } } : {}),
  }) : null;
  try {
    while (state.step < state.totalSteps) {
      // Lets Ctrl-C (or a job's abort) set ctx.cancelled: the first stops after this step.
      await nextTurn();
      if (ctx.cancelled) break;
      if (input.stopAfter !== undefined && state.step >= input.stopAfter) break;
      const lr = learningRate(c, state.step, state.totalSteps);
      optG.lr = lr;
      optD.lr = lr;
      // Once on, the adversarial term stays on: a later plan may move advStart·totalSteps past this step.
      const useAdv = t.wAdv > 0 && state.step >= (state.advFrom ?? Math.floor(t.advStart * state.totalSteps));
      if (useAdv) state.advFrom ??= state.step;
      const loss = E.tidy(() => {
        const batch = blankRough(c, sampleBatch(set, t.batchSize, P, t.conceptProb));
        const x = toDevice(batch.input), y = toDevice(batch.target);
        const out = G.forward(x);
        const l1 = E.F.l1Loss(out, y);
        const fo = features.extract(out);
        const ft = E.noGrad(() => features.extract(y));
        let feat = E.scalar(0);
        let gr = E.scalar(0);
        fo.forEach((f, i) => {
          feat = feat.add(E.F.l1Loss(f, ft[i]!));
          gr = gr.add(E.F.mseLoss(gram(f), gram(ft[i]!)));
        });
        let adv = E.scalar(0);
        if (useAdv) adv = D.score(...discriminatorView(c, x, out)).sub(1).square().mean();
        let total = l1.mul(t.wL1).add(feat.mul(t.wFeature)).add(gr.mul(t.wGram)).add(adv.mul(t.wAdv));
        if (anchor) total = total.add(anchor.penalty(G)).add(anchor.distill(G, distillBatch, P));
        optG.zeroGrad();
        total.backward();
        const gradNorm = nn.clipGradNorm(G.parameters(), t.clipNorm);
        optG.step();
        let disc = 0;
        if (useAdv) {
          optD.zeroGrad();
          const fake = out.detach();
          const lossD = D.score(...discriminatorView(c, x, y)).sub(1).square().mean().add(D.score(...discriminatorView(c, x, fake)).square().mean()).mul(0.5);
          lossD.backward();
          optD.step();
          disc = lossD.item();
        }
        return { total: total.item(), l1: l1.item(), feature: feat.item(), gram: gr.item(), adv: adv.item(), disc, gradNorm };
      });
      state.step += 1;
      state.flops += useAdv ? flopsAdv : flopsNoAdv + flopsDistill;
      state.seconds = elapsed();
      const rec: LossRecord = { step: state.step, seconds: +state.seconds.toFixed(2), lr, ...loss };
      if (state.step % 10 === 0 || state.step === 1) state.losses.push(rec);
      emit({ type: 'step', step: state.step, totalSteps: state.totalSteps, seconds: state.seconds, loss: rec });

      const planned = planner?.observe(state.step, state.seconds, state.totalSteps, state.advFrom) ?? null;
      if (planned !== null) state.totalSteps = planned;
      // The plan assumed the measured speed; if the machine got busier, stop at 1.25x the budget
      // rather than run on (this run then ends here; its checkpoint says so).
      if (t.budgetSeconds !== null && state.seconds > 1.25 * t.budgetSeconds && state.step < state.totalSteps) {
        state.totalSteps = state.step;
      }
      if (state.step % t.evalEvery === 0 || state.step === state.totalSteps) {
        const score = evaluate();
        if (score !== null) {
          state.evals.push({ step: state.step, seconds: +elapsed().toFixed(2), psnr: +score.toFixed(3) });
          if (score > state.bestPsnr + 0.01) {
            state.bestPsnr = score;
            state.bestStep = state.step;
            state.badEvals = 0;
            snapshotBest();
          } else state.badEvals += 1;
          emit({ type: 'eval', step: state.step, psnr: score, best: state.bestPsnr });
          // The held-out set is a few pairs, so its PSNR swings by ~1 dB between evals: besides
          // `patience` evals without a gain, a quarter of the run must have passed since the best
          // (6 evals alone ended the demo's 7-minute run after 2 minutes, at 1300 of 3700 steps).
          if (state.badEvals >= t.patience && state.step - state.bestStep >= 0.25 * state.totalSteps) {
            stoppedEarly = true;
          }
        }
      }
      if (state.step % t.sampleEvery === 0) await writeSample();
      if (state.step % t.checkpointEvery === 0 || stoppedEarly) checkpoint();
      if (stoppedEarly) break;
    }
    const finished = state.step >= state.totalSteps || stoppedEarly;
    if (!finished) {
      checkpoint();
      // The job says what a caller can do with the checkpoint (a keyframe run is not resumed).
      if (ctx.cancelled) throw new Cancelled(`training cancelled at step ${state.step} of ${state.totalSteps}`);
      throw new Error(`training stopped at step ${state.step} of ${state.totalSteps}`);
    }
    if (state.step % t.sampleEvery !== 0) await writeSample();
    checkpoint();
    // The model is the best held-out generator when there is a held-out set, else the last one.
    const weights = best.size > 0 ? best : G.stateDict();
    const modelPath = join(input.runDir, 'model.safetensors');
    // The images were read into this space (data.ts), so this is the space the model paints in.
    saveLookModel(modelPath, c, weights, { steps: String(state.step), best_step: String(state.bestStep), device, [WORKING_SPACE_KEY]: workingSpaceOf(input.files.colour) });
    return {
      modelPath, steps: state.step, totalSteps: state.totalSteps, stoppedEarly, seconds: state.seconds,
      bestStep: state.bestStep, heldOutPsnr: Number.isFinite(state.bestPsnr) ? state.bestPsnr : null,
      heldOutPairs: set.heldOut.length, trainPairs: set.train.length, concepts: set.concepts.length,
      trainGflops: +(state.flops / Math.max(state.seconds, 1e-9) / 1e9).toFixed(1),
      device,
      evals: state.evals, samples,
    };
  } finally {
    for (const v of showcase) if (v.owned) disposeExample(v.ex);
    disposeTrainingSet(set);
    anchor?.dispose();
    G.dispose();
    D.dispose();
    features.dispose();
    optG.dispose();
    optD.dispose();
    for (const v of best.values()) v.dispose();
  }
}

/** An example as a sample sheet shows it: itself, or (owned, to dispose) its centre at most `crop` pixels a side. */
function sampleView(ex: Example, crop: number | undefined): { ex: Example; owned: boolean } {
  const h = ex.input.size(2);
  const w = ex.input.size(3);
  if (crop === undefined || (h <= crop && w <= crop)) return { ex, owned: false };
  const ch = Math.min(h, crop);
  const cw = Math.min(w, crop);
  const y = Math.floor((h - ch) / 2);
  const x = Math.floor((w - cw) / 2);
  const cut = (t: E.Tensor) => E.keep(E.tidy(() => t.slice(2, y, y + ch).slice(3, x, x + cw).contiguous()));
  return { ex: { ...ex, input: cut(ex.input), target: cut(ex.target), rough: cut(ex.rough) }, owned: true };
}

/**
 * A run's images are read in one working space from its first step to its last: recorded in the
 * run folder (runs from before it was recorded read sRGB values: sRGB - Texture), a resume in
 * another space (the production's working_color_space changed meanwhile) is refused.
 */
function checkRunWorkingSpace(runDir: string, resuming: boolean, space: string): void {
  const file = join(runDir, 'working-space.json');
  if (resuming) {
    const was = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { workingSpace: string }).workingSpace : LEGACY_WORKING_SPACE;
    if (was !== space) throw new Error(`${runDir} was trained in working colour space "${was}" but the production now works in "${space}": start a new run instead of --resume, or set working_color_space back to "${was}"`);
    if (existsSync(file)) return;
  }
  writeFileAtomic(file, Buffer.from(JSON.stringify({ workingSpace: space })));
}

/** Whether a run folder holds a checkpoint to resume from. */
export function hasCheckpoint(runDir: string): boolean {
  return existsSync(checkpointPath(runDir));
}
