// The look benchmark's body, shared by `npm run bench -- look` (256×256, bench/look.ts) and
// `npm run bench -- look-hd` (1920×1080, bench/look-hd.ts): they differ only in the sample's size,
// the budgets, the number of test frames, the crop size and a few extra fields (LookBenchConfig).
//
// Trains the look model on the sample production and scores it on the held-out test shots (painted
// ground truth never seen in training; painted keyframes left out), against three baselines: the
// rough frame itself; a Reinhard colour transfer of the rough frame to the concept art's colour
// statistics; and baseline_l1, the same generator trained for the same time with the pixel (L1)
// loss only. Character consistency: per character, how much more the model's rendering of it
// changes between test shots than the paintings do. Writes a sheet of 100% crops (ground truth |
// baseline_l1 (or baseline_l1_final) | model) and one of whole frames. "model" is the final render
// quality (look model + stroke stage, rendered through renderShotFrames); "preview" the look model
// alone. Every entry is scored with PSNR, SSIM, style and texture SWD, hf_ratio, orientation
// distance and grid score. Last stdout line: one JSON object of figures.
import { join, resolve } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { renderShotFrames, framePath } from '../src/render/render-shot.js';
import * as E from '../src/engine/index.js';
import { ensureSample, freshProduction, testFrames } from '../src/demo/pipeline.js';
import type { SampleOptions } from '../src/sample/index.js';
import { runTrainLook } from '../src/jobs/train-look.js';
import { runTrainKeyframes } from '../src/jobs/train-keyframes.js';
import { loadLookModel, type LookModel } from '../src/models/look/model-file.js';
import { stylizeFile } from '../src/models/look/stylize.js';
import { loadImage } from '../src/data/image-io.js';
import { writeSheet } from '../src/models/look/sheet.js';
import { exemplarBank, clearExemplarBanks } from '../src/synth/exemplar-bank.js';
import { measureReferenceNet, REFERENCE_GFLOPS } from './reference-net.js';
import type { Production, Shot } from '../src/store/index.js';
import {
  psnr, ssimPerImage, styleSwd, textureSwd, hfRatio, labStats, reinhardTransfer, CharacterPixelSets, detailWindow, cropWindow,
  type CharacterConsistency,
  orientationDistance, gridScore,
} from '../src/metrics/index.js';

export interface LookBenchConfig {
  /** Output folder under BENCH_OUT (bench/out): the production, final renders and sheets. */
  name: string;
  /** Folder of the sample production (under BENCH_OUT), reused while it matches `sample`. */
  sampleDir: string;
  /** Sample generator options (size, frames per test shot); {} is the 256² default sample. */
  sample: Omit<SampleOptions, 'onProgress'>;
  /** Training time of the model and of baseline_l1, each (seconds). */
  budget: number;
  /** Keyframe adaptation time (seconds). */
  keyframesBudget: number;
  /** Test frames scored per shot (spread over the shot's non-keyframe frames); default all. */
  framesPerShot?: number;
  /** Test shots scored (default all five; character consistency needs two showing a character). */
  shots?: string[];
  /** Side of the 100% crops (px). */
  crop: number;
  /** Whole frames are shrunk by this integer factor in the frames sheet (1: full size). */
  frameSheetScale: number;
  /**
   * Extra figures (look-hd): baseline_l1 also rendered at final quality (baseline_l1_final, its
   * crop column instead of baseline_l1's), final-render seconds per frame, and the orientation and
   * grid targets. Off, the JSON has the look bench's fields (plus the per-entry orientation and
   * grid metrics).
   */
  extended: boolean;
}

type Scores = { psnr: number; ssim: number; style_swd: number; texture_swd: number; hf_ratio: number; orientation_distance: number; grid_score: number };
const zero = (): Scores => ({ psnr: 0, ssim: 0, style_swd: 0, texture_swd: 0, hf_ratio: 0, orientation_distance: 0, grid_score: 0 });

/**
 * Mean SSIM (metrics' ssim) over tiles of the valid region, read from overlapping crops: the SSIM
 * map is local (an 11-px window), so the tiles' maps are the whole map's pieces and their
 * area-weighted mean is its mean (to float rounding: 3e-8 on a 1080p pair). The float64 window
 * convolutions slow down ~20x per pixel on frames beyond a few hundred pixels (35 CPU s for one
 * 1080p pair, 0.8 s in 128-px tiles). Frames up to 256² are one call, exactly metrics' ssim.
 */
export function ssimTiled(a: E.Tensor, b: E.Tensor, tile = 128): number {
  const K = 11 - 1; // SSIM window size − 1: the map is (H − 10) × (W − 10)
  const H = a.size(2), W = a.size(3);
  if (H <= 256 && W <= 256) return ssimPerImage(a, b)[0]!;
  let sum = 0, area = 0;
  for (let y = 0; y < H - K; y += tile) {
    for (let x = 0; x < W - K; x += tile) {
      const h = Math.min(tile, H - K - y), w = Math.min(tile, W - K - x);
      const v = E.tidy(() => ssimPerImage(a.slice(2, y, y + h + K).slice(3, x, x + w + K), b.slice(2, y, y + h + K).slice(3, x, x + w + K))[0]!);
      sum += v * h * w;
      area += h * w;
    }
  }
  return sum / area;
}

/** `n` of `frames`, spread evenly from the first (all of them when n is undefined or not fewer). */
export function spreadFrames<T>(frames: T[], n?: number): T[] {
  if (n === undefined || n >= frames.length) return frames;
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`test frames per shot must be a whole number ≥ 1, got ${n}`);
  return Array.from({ length: n }, (_, i) => frames[Math.floor((i * frames.length) / n)]!);
}

/** A number ≥ 0 from the environment, or the default. */
export function envNumber(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number ≥ 0, got ${raw}`);
  return v;
}

export async function runLookBench(cfg: LookBenchConfig): Promise<void> {
  const out = resolve(process.env.BENCH_OUT ?? 'bench/out');
  const dir = join(out, cfg.name);
  const sampleDir = join(out, cfg.sampleDir);
  const log = (m: string) => process.stderr.write(m + '\n');
  const tStart = Date.now();
  // Wall and CPU seconds per phase: on a shared machine the CPU seconds of single-threaded work (the
  // sample's painter) are what it takes on a quiet one.
  const phases: Record<string, number> = {}, phasesCpu: Record<string, number> = {};
  let tPhase = Date.now(), cPhase = process.cpuUsage();
  const phase = (name: string) => {
    const c = process.cpuUsage(cPhase);
    phases[name] = +((phases[name] ?? 0) + (Date.now() - tPhase) / 1000).toFixed(1);
    phasesCpu[name] = +((phasesCpu[name] ?? 0) + (c.user + c.system) / 1e6).toFixed(1);
    tPhase = Date.now(); cPhase = process.cpuUsage();
  };
  // The engine's reference net (bench/reference-net.ts; 130 GFLOP/s on the machine the targets were
  // set on), measured in this run so its seconds can be read against a quiet machine's.
  const referenceGflops: number[] = [];
  const reference = () => {
    if (!cfg.extended) return;
    referenceGflops.push(+measureReferenceNet(4).gflops.toFixed(1));
    phase('reference_net');
  };
  mkdirSync(dir, { recursive: true });

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
   * A model's frames at the final render quality, the look model plus the stroke stage (src/synth),
   * rendered through renderShotFrames over the span of the asked frames (so the stroke stage has its
   * temporal context, as in a real render) into <dir>/<tag>/<shot>/. Returns the render's seconds,
   * CPU seconds and frames processed (the range's pre-roll included).
   */
  async function renderFinal(prod: Production, tag: string, model: LookModel, version: number, shot: Shot, frames: number[]): Promise<{ seconds: number; cpu: number; frames: number }> {
    const fdir = join(dir, tag, shot.name);
    rmSync(fdir, { recursive: true, force: true });
    const c0 = process.cpuUsage();
    const r = await renderShotFrames(prod, shot.name, model, version, { outDir: fdir, quality: 'final', range: [Math.min(...frames), Math.max(...frames)] });
    const c = process.cpuUsage(c0);
    return { seconds: r.seconds, cpu: (c.user + c.system) / 1e6, frames: r.frames.length + r.preRolled };
  }
  /** The frames renderFinal wrote, as (1, 3, H, W) tensors in [0, 1]; the caller disposes them. */
  async function loadFinal(tag: string, shot: Shot, frames: number[]): Promise<Map<number, E.Tensor>> {
    const got = new Map<number, E.Tensor>();
    for (const n of frames) got.set(n, (await loadImage(framePath(join(dir, tag, shot.name), shot.name, n), 3)).tensor);
    return got;
  }

  const manifest = await ensureSample(sampleDir, log, cfg.sample);
  const allTests = manifest.scenes.filter((s) => s.split === 'test');
  // Checked before any training: a typo fails at once.
  const unknown = (cfg.shots ?? []).filter((s) => !allTests.some((t) => t.name === s));
  if (unknown.length) throw new Error(`no test shot ${unknown.join(', ')} in the sample (it has ${allTests.map((t) => t.name).join(', ')})`);
  const testScenes = cfg.shots ? allTests.filter((s) => cfg.shots!.includes(s.name)) : allTests;
  phase('sample');
  const { prod, dataset } = await freshProduction(join(dir, 'production'), sampleDir, log);
  phase('import');
  reference();
  let lastLog = 0;
  const progress = (tag: string) => (e: any) => {
    if (e.type === 'eval' || (e.type === 'step' && Date.now() - lastLog > 15000)) {
      lastLog = Date.now();
      log(e.type === 'eval' ? `  ${tag} step ${e.step}: held-out PSNR ${e.psnr.toFixed(2)} dB` : `  ${tag} step ${e.step}/${e.totalSteps} ${e.seconds.toFixed(0)} s loss ${e.loss.total.toFixed(3)}`);
    }
  };
  const trained = await runTrainLook(prod, { dataset, train: { budgetSeconds: cfg.budget } }, progress('model'));
  const r = trained.result;
  log(`model: ${r.steps} steps in ${r.seconds.toFixed(0)} s (${r.trainGflops} GFLOP/s), held-out PSNR ${r.heldOutPsnr?.toFixed(2)}`);
  // The plain-loss baseline: the same generator, data and time budget, the pixel loss only.
  const plain = await runTrainLook(prod, { dataset, train: { budgetSeconds: cfg.budget, wFeature: 0, wGram: 0, wAdv: 0 } }, progress('baseline_l1'));
  const p = plain.result;
  log(`baseline_l1: ${p.steps} steps in ${p.seconds.toFixed(0)} s, held-out PSNR ${p.heldOutPsnr?.toFixed(2)}`);
  phase('train');

  // The Reinhard baseline matches colours to the production's concept art.
  const snapshot = await prod.dataset(dataset);
  const concept = await Promise.all(snapshot.assets.filter((a) => a.kind === 'concept_art').map((a) => loadImage(a.path)));
  const conceptStats = labStats(concept.map((c) => c.tensor));
  E.disposeAll(concept.map((c) => c.tensor));

  const model = loadLookModel(r.modelPath);
  const plainModel = loadLookModel(p.modelPath);
  // Final renders first, one model at a time: its stroke stage's exemplar bank is built (timed on
  // its own), every shot's frames rendered to disk, then the bank freed (at 1080p a bank holds
  // gigabytes; two at once nearly doubled the peak memory).
  const frameSets = new Map(testScenes.map((sc) => [sc.name, spreadFrames(testFrames(manifest, sampleDir, sc.name), cfg.framesPerShot)]));
  // The first shot rendered after a bank is built also prepares the exemplars' pyramid levels (PCA
  // bases and features, once per bank): per-shot seconds show it.
  const finalTime = { seconds: 0, cpu: 0, frames: 0, bank: 0, shots: {} as Record<string, number> };
  const renderAll = async (tag: string, mdl: LookModel, version: number) => {
    const t = { seconds: 0, cpu: 0, frames: 0, bank: 0, shots: {} as Record<string, number> };
    const tb = Date.now();
    await exemplarBank(prod, version, mdl);
    t.bank = (Date.now() - tb) / 1000;
    for (const sc of testScenes) {
      const shot = await prod.shot(sc.name);
      const r = await renderFinal(prod, tag, mdl, version, shot, frameSets.get(sc.name)!.map((f) => f.frame));
      t.seconds += r.seconds; t.cpu += r.cpu; t.frames += r.frames;
      t.shots[sc.name] = +r.seconds.toFixed(1);
      log(`  ${tag} ${sc.name}: ${r.frames} frame(s) (pre-roll included) in ${r.seconds.toFixed(0)} s`);
    }
    clearExemplarBanks();
    log(`${tag}: bank ${t.bank.toFixed(1)} s, ${t.frames} frames in ${t.seconds.toFixed(0)} s (${(t.seconds / Math.max(1, t.frames)).toFixed(1)} s per frame)`);
    return t;
  };
  Object.assign(finalTime, await renderAll('final', model, trained.modelVersion));
  phase('final');
  const finalL1 = cfg.extended ? await renderAll('final_l1', plainModel, plain.modelVersion) : null;
  if (finalL1) phase('final_l1');
  reference();

  const sums = { model: zero(), preview: zero(), baseline_l1: zero(), baseline_l1_final: zero(), baseline_rough: zero(), baseline_color: zero() };
  const score = (s: Scores, img: E.Tensor, gt: E.Tensor) => {
    s.psnr += psnr(img, gt);
    s.ssim += ssimTiled(img, gt);
    s.style_swd += styleSwd(img, gt);
    s.texture_swd += textureSwd(img, gt);
    s.hf_ratio += hfRatio(img, gt);
    s.orientation_distance += orientationDistance(img, gt);
    s.grid_score += gridScore(img, gt);
  };
  const characters = manifest.characters.map((c) => ({ name: c.name, color: c.idColor }));
  const consistency = { model: new CharacterPixelSets(characters), baseline_l1: new CharacterPixelSets(characters) };
  let n = 0;
  const crops: E.Tensor[][] = [];
  const wholeFrames: E.Tensor[][] = [];
  const small = (t: E.Tensor): E.Tensor => (cfg.frameSheetScale > 1 ? E.tidy(() => E.F.avgPool2d(t, cfg.frameSheetScale)) : t);
  const t0 = Date.now();
  for (const scene of testScenes) {
    const frames = frameSets.get(scene.name)!;
    const nums = frames.map((f) => f.frame);
    const shot = await prod.shot(scene.name);
    const ts = Date.now();
    const mine = await loadFinal('final', shot, nums);
    const l1f = cfg.extended ? await loadFinal('final_l1', shot, nums) : null;
    const pre = await stylizeFrames(model, shot, nums);
    const l1 = await stylizeFrames(plainModel, shot, nums);
    const tr = Date.now();
    for (const f of frames) {
      const sf = shot.frames.find((x) => x.frame === f.frame)!;
      const m = mine.get(f.frame)!, b = l1.get(f.frame)!, pv = pre.get(f.frame)!, bf = l1f?.get(f.frame) ?? null;
      const gt = (await loadImage(f.gt)).tensor;
      const rough = (await loadImage(f.rough)).tensor;
      const ids = (await loadImage(sf.passes.id!.path, 3)).tensor;
      const color = reinhardTransfer(rough, conceptStats);
      score(sums.model, m, gt);
      score(sums.preview, pv, gt);
      pv.dispose();
      score(sums.baseline_l1, b, gt);
      if (bf) score(sums.baseline_l1_final, bf, gt);
      score(sums.baseline_rough, rough, gt);
      score(sums.baseline_color, color, gt);
      consistency.model.add(scene.name, m, gt, ids);
      consistency.baseline_l1.add(scene.name, b, gt, ids);
      n++;
      if (f === frames[Math.floor(frames.length / 2)]) {
        // 100% crops where the painting has the most fine detail: ground truth | plain loss | model.
        const win = detailWindow(gt, cfg.crop);
        crops.push([cropWindow(gt, win), cropWindow(bf ?? b, win), cropWindow(m, win)]);
        const row = [rough, color, b, ...(bf ? [bf] : []), m, gt];
        wholeFrames.push(row.map(small));
        if (cfg.frameSheetScale > 1) E.disposeAll(row);
        ids.dispose();
      } else E.disposeAll([m, b, gt, rough, color, ids, ...(bf ? [bf] : [])]);
    }
    log(`  ${scene.name}: ${frames.length} frame(s) loaded and rendered at preview in ${((tr - ts) / 1000).toFixed(0)} s, scored in ${((Date.now() - tr) / 1000).toFixed(0)} s`);
  }
  log(`scored ${n} test frames in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  phase('score');
  const avg = (s: Scores) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, +(v / n).toFixed(4)])) as Scores;
  const sheet = join(dir, 'crops.png');
  await writeSheet(sheet, crops);
  const framesSheet = join(dir, 'frames.png');
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

  // Per-shot adaptation: fine-tune on the first test shot's painted keyframes, score the shot's other
  // (scored) frames at preview quality, the look model's own output.
  const keyShot = testScenes.find((s) => (s.keyframes?.length ?? 0) > 0)!;
  const keyFrames = frameSets.get(keyShot.name)!;
  const shotScore = async (modelPath: string): Promise<number> => {
    const mdl = loadLookModel(modelPath);
    const shot = await prod.shot(keyShot.name);
    const imgs = await stylizeFrames(mdl, shot, keyFrames.map((f) => f.frame));
    let sum = 0;
    for (const f of keyFrames) {
      const gt = (await loadImage(f.gt)).tensor;
      sum += psnr(imgs.get(f.frame)!, gt);
      gt.dispose();
    }
    E.disposeAll([...imgs.values()]);
    mdl.generator.dispose();
    return sum / keyFrames.length;
  };
  const tk = Date.now();
  const keys = await runTrainKeyframes(prod, { shot: keyShot.name, model: String(trained.modelVersion), budgetSeconds: cfg.keyframesBudget }, () => {});
  const keyframesSeconds = (Date.now() - tk) / 1000;
  const before = await shotScore(r.modelPath);
  const after = await shotScore(keys.result.modelPath);
  log(`keyframes on ${keyShot.name}: ${keyframesSeconds.toFixed(0)} s, PSNR on its other frames ${before.toFixed(2)} -> ${after.toFixed(2)} dB`);
  phase('keyframes');

  const final = r.evals.at(-1)?.psnr ?? NaN;
  const reached = r.evals.find((e) => e.psnr >= 0.95 * final);
  const m = avg(sums.model);
  const l1 = avg(sums.baseline_l1);
  const result = {
    ...m,
    quality: 'final',
    preview: avg(sums.preview),
    baseline_l1: { ...l1, steps: p.steps, train_seconds: +p.seconds.toFixed(1) },
    ...(cfg.extended ? { baseline_l1_final: avg(sums.baseline_l1_final) } : {}),
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
    test_shots: testScenes.map((s) => s.name),
    keyframes_shot: keyShot.name,
    keyframes_seconds: +keyframesSeconds.toFixed(1),
    keyframes_psnr_before: +before.toFixed(3),
    keyframes_psnr_after: +after.toFixed(3),
    keyframes_anchor: keys.anchor,
    crops: sheet,
    frames_sheet: framesSheet,
    ...(cfg.extended ? {
      width: manifest.width,
      height: manifest.height,
      frames_per_shot: n / testScenes.length,
      // The final render of the model (load, generator, stroke stage, save), per frame processed
      // (a range's pre-roll included), the exemplar bank built beforehand.
      final_seconds_per_frame: finalTime.frames ? +(finalTime.seconds / finalTime.frames).toFixed(2) : null,
      final_cpu_seconds_per_frame: finalTime.frames ? +(finalTime.cpu / finalTime.frames).toFixed(2) : null,
      final_frames_rendered: finalTime.frames,
      final_shot_seconds: finalTime.shots,
      final_bank_seconds: +finalTime.bank.toFixed(1),
      final_l1_seconds_per_frame: finalL1?.frames ? +(finalL1.seconds / finalL1.frames).toFixed(2) : null,
      final_l1_bank_seconds: finalL1 ? +finalL1.bank.toFixed(1) : null,
      final_l1_shot_seconds: finalL1 ? finalL1.shots : null,
      budget_seconds: cfg.budget,
      keyframes_budget_seconds: cfg.keyframesBudget,
      phase_seconds: phases,
      phase_cpu_seconds: phasesCpu,
      reference_net_gflops: referenceGflops,
      reference_speed: referenceGflops.length ? +(referenceGflops.reduce((a, b) => a + b, 0) / referenceGflops.length / REFERENCE_GFLOPS).toFixed(3) : null,
      total_seconds: +((Date.now() - tStart) / 1000).toFixed(1),
    } : {}),
  };
  const better = Math.max(result.baseline_rough.psnr, result.baseline_color.psnr);
  const targets = {
    psnr_margin_db: +(m.psnr - better).toFixed(2),
    psnr_ok: m.psnr >= better + 2,
    texture_swd_vs_l1: +(m.texture_swd / l1.texture_swd).toFixed(3),
    texture_swd_ok: m.texture_swd <= 0.5 * l1.texture_swd,
    hf_ratio_ok: m.hf_ratio >= 0.8 && m.hf_ratio <= 1.25,
    character_consistency_ok: result.character_consistency !== null && result.character_consistency <= 1.2,
    ...(cfg.extended ? {
      orientation_vs_l1: +(m.orientation_distance / l1.orientation_distance).toFixed(3),
      orientation_ok: m.orientation_distance <= 0.5 * l1.orientation_distance,
      grid_ok: m.grid_score <= 1.2,
    } : {}),
  };
  log(`test frames ${n}: model ${m.psnr.toFixed(2)} dB (better baseline ${better.toFixed(2)} dB, margin ${(m.psnr - better).toFixed(2)} dB); style SWD ${m.style_swd.toFixed(4)} vs ${result.baseline_rough.style_swd} / ${result.baseline_color.style_swd}`);
  log(`texture SWD ${m.texture_swd} vs baseline_l1 ${l1.texture_swd} (x${targets.texture_swd_vs_l1}); hf_ratio ${m.hf_ratio} (baseline_l1 ${l1.hf_ratio}); character consistency ${result.character_consistency} (${cc.model.worst?.character})`);
  if (cfg.extended) {
    // Each figure beside its target (reported, not enforced).
    const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const fx = (v: number, d = 4) => v.toFixed(d);
    const bl1f = result.baseline_l1_final!;
    log(`targets (${manifest.width}x${manifest.height}, ${n} test frames):`);
    log(`  psnr                  ${fx(m.psnr, 2)} dB   target ≥ max(rough ${fx(result.baseline_rough.psnr, 2)}, colour ${fx(result.baseline_color.psnr, 2)}) + 2 = ${fx(better + 2, 2)} dB   ${mark(targets.psnr_ok)}`);
    log(`  texture_swd           ${fx(m.texture_swd)}   target ≤ 0.5 × baseline_l1 ${fx(l1.texture_swd)} = ${fx(0.5 * l1.texture_swd)}   ${mark(targets.texture_swd_ok)}`);
    log(`  orientation_distance  ${fx(m.orientation_distance)}   target ≤ 0.5 × baseline_l1 ${fx(l1.orientation_distance)} = ${fx(0.5 * l1.orientation_distance)}   ${mark(targets.orientation_ok!)}`);
    log(`  hf_ratio              ${fx(m.hf_ratio, 3)}   target 0.8–1.25   ${mark(targets.hf_ratio_ok)}`);
    log(`  grid_score            ${fx(m.grid_score, 3)}   target ≤ 1.2   ${mark(targets.grid_ok!)}`);
    log(`  character_consistency ${result.character_consistency}   target ≤ 1.2   ${mark(targets.character_consistency_ok)}`);
    log(`  (baseline_l1_final: psnr ${fx(bl1f.psnr, 2)}, texture_swd ${fx(bl1f.texture_swd)}, orientation ${fx(bl1f.orientation_distance)}, hf_ratio ${fx(bl1f.hf_ratio, 3)}, grid ${fx(bl1f.grid_score, 3)})`);
    log(`final quality: ${result.final_seconds_per_frame} s per ${manifest.width}x${manifest.height} frame (${finalTime.frames} frames, pre-roll included; CPU ${result.final_cpu_seconds_per_frame} s; bank ${finalTime.bank.toFixed(1)} s once per model)`);
    log(`phases (s): ${JSON.stringify(phases)}; total ${result.total_seconds} s; CPU s: ${JSON.stringify(phasesCpu)}`);
    log(`reference net: ${referenceGflops.join(', ')} GFLOP/s (${REFERENCE_GFLOPS} on the reference machine)`);
  } else log(`targets: ${JSON.stringify(targets)}`);
  log(`crops at 100% (held-out painting | ${cfg.extended ? 'baseline_l1_final' : 'baseline_l1'} | Atelier): ${sheet}`);
  log(`whole frames (rough | colour transfer | baseline_l1${cfg.extended ? ' | baseline_l1_final' : ''} | Atelier | held-out painting${cfg.frameSheetScale > 1 ? `, 1/${cfg.frameSheetScale} size` : ''}): ${framesSheet}`);
  await prod.close();
  console.log(JSON.stringify({ ...result, targets }));
}
