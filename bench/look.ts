// npm run bench -- look: train the look model on the sample production and score it on the
// held-out test shots (painted ground truth never seen in training; painted keyframes left out),
// against three baselines: the rough frame itself; a Reinhard colour transfer of the rough frame to
// the concept art's colour statistics; and baseline_l1, the same generator trained for the same time
// with the pixel (L1) loss only. Character consistency: per character, how much more the model's
// rendering of it changes between test shots than the paintings do. Writes a sheet of 100% crops
// (ground truth | baseline_l1 | model) and one of whole frames. "model" is the final render quality
// (look model + stroke stage, rendered through renderShotFrames); "preview" the look model alone.
// Last line: JSON.
// BENCH_LOOK_BUDGET=<seconds> sets each training time (default 420, the demo's);
// BENCH_LOOK_KEYFRAMES_BUDGET=<seconds> the keyframe adaptation's (default 90).
import { join, resolve } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { renderShotFrames, framePath } from '../src/render/render-shot.js';
import * as E from '../src/engine/index.js';
import { ensureSample, freshProduction, testFrames } from '../src/demo/pipeline.js';
import { runTrainLook } from '../src/jobs/train-look.js';
import { runTrainKeyframes } from '../src/jobs/train-keyframes.js';
import { loadLookModel, type LookModel } from '../src/models/look/model-file.js';
import { stylizeFile } from '../src/models/look/stylize.js';
import { loadImage } from '../src/data/image-io.js';
import { writeSheet } from '../src/models/look/sheet.js';
import type { Shot } from '../src/store/index.js';
import {
  psnr, ssim, styleSwd, textureSwd, hfRatio, labStats, reinhardTransfer, CharacterPixelSets, detailWindow, cropWindow,
  type CharacterConsistency,
} from '../src/metrics/index.js';

const out = resolve(process.env.BENCH_OUT ?? 'bench/out');
const budget = Number(process.env.BENCH_LOOK_BUDGET ?? 420);
const keyBudget = Number(process.env.BENCH_LOOK_KEYFRAMES_BUDGET ?? 90);
const CROP = 128;
const log = (m: string) => process.stderr.write(m + '\n');
mkdirSync(join(out, 'look'), { recursive: true });

/** Per-frame rendering of a shot's frames through a look model (each frame on its own). */
async function stylizeFrames(model: LookModel, shot: Shot, frames: number[]): Promise<Map<number, E.Tensor>> {
  const got = new Map<number, E.Tensor>();
  for (const n of frames) {
    const sf = shot.frames.find((x) => x.frame === n)!;
    const passes = Object.fromEntries(Object.entries(sf.passes).map(([k, a]) => [k, a.path]));
    got.set(n, await stylizeFile(model, sf.rough!.path, passes));
  }
  return got;
}

/**
 * THE model's frames for scoring: every figure of `model` comes from here: the final render
 * quality, the look model plus the stroke stage (src/synth), through renderShotFrames over the
 * span of the asked frames (so the stroke stage has its temporal context, as in a real render).
 * The look model alone (quality preview) is scored beside it as `preview`. Returns (1, 3, H, W)
 * frames in [0, 1] for the given frame numbers; the caller disposes them.
 */
async function modelFrames(model: LookModel, version: number, shot: Shot, frames: number[]): Promise<Map<number, E.Tensor>> {
  const dir = join(out, 'look', 'final', shot.name);
  rmSync(dir, { recursive: true, force: true });
  await renderShotFrames(prod, shot.name, model, version, { outDir: dir, quality: 'final', range: [Math.min(...frames), Math.max(...frames)] });
  const got = new Map<number, E.Tensor>();
  for (const n of frames) got.set(n, (await loadImage(framePath(dir, shot.name, n), 3)).tensor);
  return got;
}

const manifest = await ensureSample(join(out, 'sample'), log);
const { prod, dataset } = await freshProduction(join(out, 'look', 'production'), join(out, 'sample'), log);
let lastLog = 0;
const progress = (tag: string) => (e: any) => {
  if (e.type === 'eval' || (e.type === 'step' && Date.now() - lastLog > 15000)) {
    lastLog = Date.now();
    log(e.type === 'eval' ? `  ${tag} step ${e.step}: held-out PSNR ${e.psnr.toFixed(2)} dB` : `  ${tag} step ${e.step}/${e.totalSteps} ${e.seconds.toFixed(0)} s loss ${e.loss.total.toFixed(3)}`);
  }
};
const trained = await runTrainLook(prod, { dataset, train: { budgetSeconds: budget } }, progress('model'));
const r = trained.result;
log(`model: ${r.steps} steps in ${r.seconds.toFixed(0)} s (${r.trainGflops} GFLOP/s), held-out PSNR ${r.heldOutPsnr?.toFixed(2)}`);
// The plain-loss baseline: the same generator, data and time budget, the pixel loss only.
const plain = await runTrainLook(prod, { dataset, train: { budgetSeconds: budget, wFeature: 0, wGram: 0, wAdv: 0 } }, progress('baseline_l1'));
const p = plain.result;
log(`baseline_l1: ${p.steps} steps in ${p.seconds.toFixed(0)} s, held-out PSNR ${p.heldOutPsnr?.toFixed(2)}`);

// The Reinhard baseline matches colours to the production's concept art.
const snapshot = await prod.dataset(dataset);
const concept = await Promise.all(snapshot.assets.filter((a) => a.kind === 'concept_art').map((a) => loadImage(a.path)));
const conceptStats = labStats(concept.map((c) => c.tensor));
E.disposeAll(concept.map((c) => c.tensor));

const model = loadLookModel(r.modelPath);
const plainModel = loadLookModel(p.modelPath);
type Scores = { psnr: number; ssim: number; style_swd: number; texture_swd: number; hf_ratio: number };
const zero = (): Scores => ({ psnr: 0, ssim: 0, style_swd: 0, texture_swd: 0, hf_ratio: 0 });
const sums = { model: zero(), preview: zero(), baseline_l1: zero(), baseline_rough: zero(), baseline_color: zero() };
const score = (s: Scores, img: E.Tensor, gt: E.Tensor) => {
  s.psnr += psnr(img, gt);
  s.ssim += ssim(img, gt);
  s.style_swd += styleSwd(img, gt);
  s.texture_swd += textureSwd(img, gt);
  s.hf_ratio += hfRatio(img, gt);
};
const characters = manifest.characters.map((c) => ({ name: c.name, color: c.idColor }));
const consistency = { model: new CharacterPixelSets(characters), baseline_l1: new CharacterPixelSets(characters) };
let n = 0;
const crops: E.Tensor[][] = [];
const wholeFrames: E.Tensor[][] = [];
const t0 = Date.now();
for (const scene of manifest.scenes.filter((s) => s.split === 'test')) {
  const frames = testFrames(manifest, join(out, 'sample'), scene.name);
  const shot = await prod.shot(scene.name);
  const mine = await modelFrames(model, trained.modelVersion, shot, frames.map((f) => f.frame));
  const pre = await stylizeFrames(model, shot, frames.map((f) => f.frame));
  const l1 = await stylizeFrames(plainModel, shot, frames.map((f) => f.frame));
  for (const f of frames) {
    const sf = shot.frames.find((x) => x.frame === f.frame)!;
    const m = mine.get(f.frame)!, b = l1.get(f.frame)!, pv = pre.get(f.frame)!;
    const gt = (await loadImage(f.gt)).tensor;
    const rough = (await loadImage(f.rough)).tensor;
    const ids = (await loadImage(sf.passes.id!.path, 3)).tensor;
    const color = reinhardTransfer(rough, conceptStats);
    score(sums.model, m, gt);
    score(sums.preview, pv, gt);
    pv.dispose();
    score(sums.baseline_l1, b, gt);
    score(sums.baseline_rough, rough, gt);
    score(sums.baseline_color, color, gt);
    consistency.model.add(scene.name, m, gt, ids);
    consistency.baseline_l1.add(scene.name, b, gt, ids);
    n++;
    if (f === frames[Math.floor(frames.length / 2)]) {
      // 100% crops where the painting has the most fine detail: ground truth | plain loss | model.
      const win = detailWindow(gt, CROP);
      crops.push([cropWindow(gt, win), cropWindow(b, win), cropWindow(m, win)]);
      wholeFrames.push([rough, color, b, m, gt]);
      E.disposeAll([ids]);
    } else E.disposeAll([m, b, gt, rough, color, ids]);
  }
}
log(`scored ${n} test frames in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
const avg = (s: Scores) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, +(v / n).toFixed(4)])) as Scores;
const sheet = join(out, 'look', 'crops.png');
await writeSheet(sheet, crops);
const framesSheet = join(out, 'look', 'frames.png');
await writeSheet(framesSheet, wholeFrames);
E.disposeAll([...crops.flat(), ...wholeFrames.flat()]);
model.generator.dispose();
plainModel.generator.dispose();
const report = (c: CharacterConsistency) => ({
  worst: c.worst ? { character: c.worst.character, ratio: +c.worst.ratio!.toFixed(3) } : null,
  per_character: Object.fromEntries(c.perCharacter.map((x) => [x.character, {
    ratio: x.ratio === null ? null : +x.ratio.toFixed(3), output_swd: x.outputSwd === null ? null : +x.outputSwd.toFixed(4),
    gt_swd: x.gtSwd === null ? null : +x.gtSwd.toFixed(4), fidelity_swd: x.fidelitySwd === null ? null : +x.fidelitySwd.toFixed(4), shots: x.shots.length, pairs: x.pairs,
  }])),
});
const cc = { model: report(consistency.model.result()), baseline_l1: report(consistency.baseline_l1.result()) };
consistency.model.dispose();
consistency.baseline_l1.dispose();

// Per-shot adaptation: fine-tune on sh010's two painted keyframes, score the shot's other frames.
const keyShot = manifest.scenes.find((s) => s.split === 'test' && (s.keyframes?.length ?? 0) > 0)!;
const shotScore = async (modelPath: string): Promise<number> => {
  const mdl = loadLookModel(modelPath);
  const shot = await prod.shot(keyShot.name);
  const frames = testFrames(manifest, join(out, 'sample'), keyShot.name);
  // The adaptation is scored on the look model's own output (preview quality).
  const imgs = await stylizeFrames(mdl, shot, frames.map((f) => f.frame));
  let sum = 0;
  for (const f of frames) {
    const gt = (await loadImage(f.gt)).tensor;
    sum += psnr(imgs.get(f.frame)!, gt);
    gt.dispose();
  }
  E.disposeAll([...imgs.values()]);
  mdl.generator.dispose();
  return sum / frames.length;
};
const tk = Date.now();
const keys = await runTrainKeyframes(prod, { shot: keyShot.name, model: String(trained.modelVersion), budgetSeconds: keyBudget }, () => {});
const keyframesSeconds = (Date.now() - tk) / 1000;
const before = await shotScore(r.modelPath);
const after = await shotScore(keys.result.modelPath);
log(`keyframes on ${keyShot.name}: ${keyframesSeconds.toFixed(0)} s, PSNR on its other frames ${before.toFixed(2)} -> ${after.toFixed(2)} dB`);

const final = r.evals.at(-1)?.psnr ?? NaN;
const reached = r.evals.find((e) => e.psnr >= 0.95 * final);
const m = avg(sums.model);
const result = {
  ...m,
  quality: 'final',
  preview: avg(sums.preview),
  baseline_l1: { ...avg(sums.baseline_l1), steps: p.steps, train_seconds: +p.seconds.toFixed(1) },
  baseline_rough: avg(sums.baseline_rough),
  baseline_color: avg(sums.baseline_color),
  character_consistency: cc.model.worst?.ratio ?? null,
  character_consistency_detail: cc,
  train_seconds: +r.seconds.toFixed(1),
  seconds_to_95: reached ? reached.seconds : null,
  train_gflops: r.trainGflops,
  steps: r.steps,
  held_out_pairs_psnr: r.heldOutPsnr,
  test_frames: n,
  test_shots: manifest.scenes.filter((s) => s.split === 'test').map((s) => s.name),
  keyframes_shot: keyShot.name,
  keyframes_seconds: +keyframesSeconds.toFixed(1),
  keyframes_psnr_before: +before.toFixed(3),
  keyframes_psnr_after: +after.toFixed(3),
  keyframes_anchor: keys.anchor,
  crops: sheet,
  frames_sheet: framesSheet,
};
const better = Math.max(result.baseline_rough.psnr, result.baseline_color.psnr);
const targets = {
  psnr_margin_db: +(m.psnr - better).toFixed(2),
  psnr_ok: m.psnr >= better + 2,
  texture_swd_vs_l1: +(m.texture_swd / result.baseline_l1.texture_swd).toFixed(3),
  texture_swd_ok: m.texture_swd <= 0.5 * result.baseline_l1.texture_swd,
  hf_ratio_ok: m.hf_ratio >= 0.8 && m.hf_ratio <= 1.25,
  character_consistency_ok: result.character_consistency !== null && result.character_consistency <= 1.2,
};
log(`test frames ${n}: model ${m.psnr.toFixed(2)} dB (better baseline ${better.toFixed(2)} dB, margin ${(m.psnr - better).toFixed(2)} dB); style SWD ${m.style_swd.toFixed(4)} vs ${result.baseline_rough.style_swd} / ${result.baseline_color.style_swd}`);
log(`texture SWD ${m.texture_swd} vs baseline_l1 ${result.baseline_l1.texture_swd} (x${targets.texture_swd_vs_l1}); hf_ratio ${m.hf_ratio} (baseline_l1 ${result.baseline_l1.hf_ratio}); character consistency ${result.character_consistency} (${cc.model.worst?.character})`);
log(`targets: ${JSON.stringify(targets)}`);
log(`crops at 100% (held-out painting | baseline_l1 | Atelier): ${sheet}`);
log(`whole frames (rough | colour transfer | baseline_l1 | Atelier | held-out painting): ${framesSheet}`);
await prod.close();
console.log(JSON.stringify({ ...result, targets }));
