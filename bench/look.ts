// npm run bench -- look: train the look model on the sample production and score it on the
// held-out test shots (painted ground truth never seen in training; painted keyframes left out),
// against two baselines: the rough frame itself, and a Reinhard colour transfer of the rough frame
// to the concept art's colour statistics. Writes a crops sheet to look at. Last line: JSON.
// BENCH_LOOK_BUDGET=<seconds> sets the training time (default 420, the demo's).
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import * as E from '../src/engine/index.js';
import { ensureSample, freshProduction, testFrames } from '../src/demo/pipeline.js';
import { runTrainLook } from '../src/jobs/train-look.js';
import { runTrainKeyframes } from '../src/jobs/train-keyframes.js';
import { loadLookModel } from '../src/models/look/model-file.js';
import { stylizeFile } from '../src/models/look/stylize.js';
import { loadImage } from '../src/data/image-io.js';
import { writeSheet } from '../src/models/look/sheet.js';
import { psnr, ssim, styleSwd, textureSwd, hfRatio, labStats, reinhardTransfer } from '../src/metrics/index.js';

const out = resolve(process.env.BENCH_OUT ?? 'bench/out');
const budget = Number(process.env.BENCH_LOOK_BUDGET ?? 420);
const log = (m: string) => process.stderr.write(m + '\n');
mkdirSync(join(out, 'look'), { recursive: true });

const manifest = await ensureSample(join(out, 'sample'), log);
const { prod, dataset } = await freshProduction(join(out, 'look', 'production'), join(out, 'sample'), log);
let lastLog = 0;
const trained = await runTrainLook(prod, { dataset, train: { budgetSeconds: budget } }, (e: any) => {
  if (e.type === 'eval' || (e.type === 'step' && Date.now() - lastLog > 15000)) {
    lastLog = Date.now();
    log(e.type === 'eval' ? `  step ${e.step}: held-out PSNR ${e.psnr.toFixed(2)} dB` : `  step ${e.step}/${e.totalSteps} ${e.seconds.toFixed(0)} s loss ${e.loss.total.toFixed(3)}`);
  }
});
const r = trained.result;
log(`trained ${r.steps} steps in ${r.seconds.toFixed(0)} s (${r.trainGflops} GFLOP/s), held-out PSNR ${r.heldOutPsnr?.toFixed(2)}`);

// The Reinhard baseline matches colours to the production's concept art.
const snapshot = await prod.dataset(dataset);
const concept = await Promise.all(snapshot.assets.filter((a) => a.kind === 'concept_art').map((a) => loadImage(a.path)));
const conceptStats = labStats(concept.map((c) => c.tensor));
E.disposeAll(concept.map((c) => c.tensor));

const model = loadLookModel(r.modelPath);
type Scores = { psnr: number; ssim: number; style_swd: number; texture_swd: number; hf_ratio: number };
const zero = (): Scores => ({ psnr: 0, ssim: 0, style_swd: 0, texture_swd: 0, hf_ratio: 0 });
const sums = { model: zero(), baseline_rough: zero(), baseline_color: zero() };
const score = (s: Scores, img: E.Tensor, gt: E.Tensor) => {
  s.psnr += psnr(img, gt);
  s.ssim += ssim(img, gt);
  s.style_swd += styleSwd(img, gt);
  s.texture_swd += textureSwd(img, gt);
  s.hf_ratio += hfRatio(img, gt);
};
let n = 0;
const crops: E.Tensor[][] = [];
for (const scene of manifest.scenes.filter((s) => s.split === 'test')) {
  const frames = testFrames(manifest, join(out, 'sample'), scene.name);
  const shot = await prod.shot(scene.name);
  for (const f of frames) {
    const sf = shot.frames.find((x) => x.frame === f.frame)!;
    const passes = Object.fromEntries(Object.entries(sf.passes).map(([k, a]) => [k, a.path]));
    const mine = await stylizeFile(model, sf.rough!.path, passes);
    const gt = (await loadImage(f.gt)).tensor;
    const rough = (await loadImage(f.rough)).tensor;
    const color = reinhardTransfer(rough, conceptStats);
    score(sums.model, mine, gt);
    score(sums.baseline_rough, rough, gt);
    score(sums.baseline_color, color, gt);
    n++;
    if (f === frames[Math.floor(frames.length / 2)]) crops.push([rough, color, mine, gt]);
    else E.disposeAll([mine, gt, rough, color]);
  }
}
const avg = (s: Scores) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, +(v / n).toFixed(4)])) as Scores;
const sheet = join(out, 'look', 'crops.png');
await writeSheet(sheet, crops);
E.disposeAll(crops);
model.generator.dispose();

// Per-shot adaptation: fine-tune on sh010's two painted keyframes, score the shot's other frames.
const keyShot = manifest.scenes.find((s) => s.split === 'test' && (s.keyframes?.length ?? 0) > 0)!;
const shotScore = async (modelPath: string): Promise<number> => {
  const mdl = loadLookModel(modelPath);
  const shot = await prod.shot(keyShot.name);
  let sum = 0;
  const frames = testFrames(manifest, join(out, 'sample'), keyShot.name);
  for (const f of frames) {
    const sf = shot.frames.find((x) => x.frame === f.frame)!;
    const img = await stylizeFile(mdl, sf.rough!.path, Object.fromEntries(Object.entries(sf.passes).map(([k, a]) => [k, a.path])));
    const gt = (await loadImage(f.gt)).tensor;
    sum += psnr(img, gt);
    E.disposeAll([img, gt]);
  }
  mdl.generator.dispose();
  return sum / frames.length;
};
const tk = Date.now();
const keys = await runTrainKeyframes(prod, { shot: keyShot.name, model: String(trained.modelVersion) }, () => {});
const keyframesSeconds = (Date.now() - tk) / 1000;
const before = await shotScore(r.modelPath);
const after = await shotScore(keys.result.modelPath);
log(`keyframes on ${keyShot.name}: ${keyframesSeconds.toFixed(0)} s, PSNR on its other frames ${before.toFixed(2)} -> ${after.toFixed(2)} dB`);

const final = r.evals.at(-1)?.psnr ?? NaN;
const reached = r.evals.find((e) => e.psnr >= 0.95 * final);
const m = avg(sums.model);
const result = {
  ...m,
  baseline_rough: avg(sums.baseline_rough),
  baseline_color: avg(sums.baseline_color),
  train_seconds: +r.seconds.toFixed(1),
  seconds_to_95: reached ? reached.seconds : null,
  train_gflops: r.trainGflops,
  steps: r.steps,
  held_out_pairs_psnr: r.heldOutPsnr,
  test_frames: n,
  keyframes_shot: keyShot.name,
  keyframes_seconds: +keyframesSeconds.toFixed(1),
  keyframes_psnr_before: +before.toFixed(3),
  keyframes_psnr_after: +after.toFixed(3),
  crops: sheet,
};
const better = Math.max(result.baseline_rough.psnr, result.baseline_color.psnr);
log(`test frames ${n}: model ${m.psnr.toFixed(2)} dB (better baseline ${better.toFixed(2)} dB, margin ${(m.psnr - better).toFixed(2)} dB); style SWD ${m.style_swd.toFixed(4)} vs ${result.baseline_rough.style_swd} / ${result.baseline_color.style_swd}`);
log(`crops (rough | colour transfer | Atelier | held-out painting): ${sheet}`);
await prod.close();
console.log(JSON.stringify(result));
