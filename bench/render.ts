// npm run bench -- render: renders the sample production's test shots with the look model and
// reports temporal coherence (Lai et al. 2018 warping error over non-occluded pixels) with and
// without flow-guided blending, the rough input's own, with the sample's motion pass as the flow
// (`--flow motion`), and every output also measured along the renderer's true motion (the motion
// pass where visible: the DIS figures use the flow the DIS blend followed); chunked-vs-whole equality, and speed at
// 1920x1080 (the test frames and passes upscaled: flow, model and blending at full size); peak RSS
// of rendering at 3840x2160 (tiled generator), measured in a child process (`render.js --rss-4k`)
// so the figure is that render's own; and tiled-vs-whole max abs difference with the default tiling
// on a frame that fits whole (a mosaic of sample frames at native detail, sized so the tiles overlap
// by exactly the default overlap). Needs a trained model: reuses bench/out/look (run `npm run bench -- look` first) or trains a
// short one. Last line: JSON.
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as E from '../src/engine/index.js';
import { openProduction, listModelVersions } from '../src/store/index.js';
import { ensureSample, freshProduction } from '../src/demo/pipeline.js';
import { runTrainLook } from '../src/jobs/train-look.js';
import { resolveLookModel } from '../src/jobs/model-ref.js';
import { renderShotFrames } from '../src/render/render-shot.js';
import { TemporalBlender, DEFAULT_COHERENCE } from '../src/render/coherence.js';
import { stylizeTensor, DEFAULT_TILING } from '../src/models/look/stylize.js';
import { planTiles } from '../src/render/tiles.js';
import { loadImage } from '../src/data/image-io.js';
import { warpError, flowsFromFrames, warpByFlow, inFrameMask } from '../src/metrics/index.js';
import { MOTION_PASS, decodeMotionPass } from '../src/render/motion-pass.js';

/** bench look also registers baseline_l1 (the pixel loss only); the benchmarks use its main model. */
const isPlainLossBaseline = (v: { config: unknown }) => {
  const t = (v.config as { train?: { wFeature?: number; wGram?: number; wAdv?: number } } | null)?.train;
  return !!t && !t.wFeature && !t.wGram && !t.wAdv;
};

const out = resolve(process.env.BENCH_OUT ?? 'bench/out');
const log = (m: string) => process.stderr.write(m + '\n');
const lookProd = join(out, 'look', 'production');
let prodDir = lookProd;
if (!existsSync(join(lookProd, 'atelier-production.json'))) {
  await ensureSample(join(out, 'sample'), log);
  const { prod, dataset } = await freshProduction(join(out, 'render', 'production'), join(out, 'sample'), log);
  log('no look benchmark production: training a 120 s model');
  await runTrainLook(prod, { dataset, train: { budgetSeconds: 120 } }, () => {});
  await prod.close();
  prodDir = join(out, 'render', 'production');
}
const prod = await openProduction(prodDir);
const look = (await listModelVersions(prod)).filter((v) => v.kind === 'look' && !isPlainLossBaseline(v)).at(-1)!;
const { model } = await resolveLookModel(prod, String(look.id));
log(`model #${look.id} from ${prodDir}`);

/** A sample frame and its passes, bilinear-upscaled to (h, w). */
async function upscaled(f: { rough: { path: string } | null; passes: Record<string, { path: string }> }, h: number, w: number) {
  const big = async (path: string, ch: 1 | 3) => {
    const t = (await loadImage(path, ch)).tensor;
    const r = E.F.interpolate(t, { size: [h, w], mode: 'bilinear' });
    t.dispose();
    return r;
  };
  const rough = await big(f.rough!.path, 3);
  const passes = new Map<string, E.Tensor>();
  for (const g of model.config.guides) passes.set(g.name, await big(f.passes[g.name]!.path, g.channels === 1 ? 1 : 3));
  return { rough, passes };
}

if (process.argv.includes('--rss-4k')) {
  // Child mode: two 3840x2160 frames through the render pipeline (tiled generator; the second frame
  // adds flow and blending), then this process's peak RSS.
  const shot = await prod.shot('sh010');
  const blender = new TemporalBlender(DEFAULT_COHERENCE);
  const t0 = performance.now();
  for (let i = 0; i < 2; i++) {
    const { rough, passes } = await upscaled(shot.frames[i]!, 2160, 3840);
    const mo = stylizeTensor(model, rough, passes);
    const { frame } = blender.push(rough, mo);
    E.disposeAll([rough, mo, frame, [...passes.values()]]);
  }
  blender.dispose();
  const vmhwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  console.log(JSON.stringify({ rss_4k_mb: Math.round((vmhwm ? Number(vmhwm) : process.resourceUsage().maxRSS) / 1024), seconds_4k_2_frames: +((performance.now() - t0) / 1000).toFixed(1) }));
  process.exit(0);
}

const shots = ['sh010', 'sh020', 'sh030'];
const scores = { coherent: 0, perFrame: 0, input: 0, motion: 0 };
// The same outputs measured along the renderer's true motion (the sample's motion pass, where
// visible) instead of DIS: the DIS figures use the flow the DIS blend itself followed.
const trueScores = { coherent: 0, perFrame: 0, motion: 0, input: 0 };
async function trueMotionError(frames: E.Tensor[], shotFrames: { passes: Record<string, { path: string } | undefined> }[]): Promise<number> {
  let sum = 0;
  for (let t = 1; t < frames.length; t++) {
    const pass = (await loadImage(shotFrames[t]!.passes[MOTION_PASS]!.path, 3)).tensor;
    const m = decodeMotionPass(pass);
    sum += E.tidy(() => {
      const mask = m.visible.mul(inFrameMask(m.back));
      return frames[t]!.sub(warpByFlow(frames[t - 1]!, m.back)).square().mean(1, true).mul(mask).sum().item() / Math.max(1, mask.sum().item());
    });
    E.disposeAll([pass, m.back, m.visible]);
  }
  return sum / (frames.length - 1);
}
let renderSeconds = 0, renderedFrames = 0;
for (const shot of shots) {
  const dirC = join(out, 'render', shot, 'coherent');
  const dirP = join(out, 'render', shot, 'per-frame');
  rmSync(join(out, 'render', shot), { recursive: true, force: true });
  const c = await renderShotFrames(prod, shot, model, null, { outDir: dirC });
  const p = await renderShotFrames(prod, shot, model, null, { outDir: dirP, coherence: null });
  // The same blend with the renderer's motion vectors (the sample's motion pass) instead of DIS.
  const m = await renderShotFrames(prod, shot, model, null, { outDir: join(out, 'render', shot, 'motion'), coherence: { ...DEFAULT_COHERENCE, motion: true } });
  renderSeconds += c.seconds;
  renderedFrames += c.frames.length;
  const load = async (paths: string[]) => Promise.all(paths.map(async (q) => (await loadImage(q)).tensor));
  const shotInfo = await prod.shot(shot);
  const rough = await load(shotInfo.frames.map((f) => f.rough!.path));
  const flows = flowsFromFrames(rough);
  const oc = await load(c.frames.map((f) => f.path));
  const op = await load(p.frames.map((f) => f.path));
  const om = await load(m.frames.map((f) => f.path));
  const e = { coherent: warpError(oc, flows), perFrame: warpError(op, flows), input: warpError(rough, flows), motion: warpError(om, flows) };
  log(`${shot}: warp error ${e.coherent.toFixed(5)} coherent, ${e.motion.toFixed(5)} coherent from motion vectors, ${e.perFrame.toFixed(5)} per-frame, ${e.input.toFixed(5)} rough input`);
  scores.coherent += e.coherent / shots.length;
  scores.perFrame += e.perFrame / shots.length;
  scores.input += e.input / shots.length;
  scores.motion += e.motion / shots.length;
  const tm = { coherent: await trueMotionError(oc, shotInfo.frames), perFrame: await trueMotionError(op, shotInfo.frames), motion: await trueMotionError(om, shotInfo.frames), input: await trueMotionError(rough, shotInfo.frames) };
  log(`${shot}: along the true motion: ${tm.coherent.toFixed(5)} coherent, ${tm.motion.toFixed(5)} from motion vectors, ${tm.perFrame.toFixed(5)} per-frame, ${tm.input.toFixed(5)} rough input`);
  for (const k of ['coherent', 'perFrame', 'motion', 'input'] as const) trueScores[k] += tm[k] / shots.length;
  E.disposeAll([rough, oc, op, om, flows.map((f) => [f.backward, f.forward])]);
}

// Chunks equal the whole: render sh010 as two ranges into another folder and compare bytes.
const chunkDir = join(out, 'render', 'sh010', 'chunked');
await renderShotFrames(prod, 'sh010', model, null, { outDir: chunkDir, range: [0, 9] });
await renderShotFrames(prod, 'sh010', model, null, { outDir: chunkDir, range: [10, 23] });
let identical = true;
for (let f = 0; f <= 23; f++) {
  const name = `sh010.${String(f).padStart(4, '0')}.png`;
  identical &&= readFileSync(join(chunkDir, name)).equals(readFileSync(join(out, 'render', 'sh010', 'coherent', name)));
}

// Tiled vs whole with the default tiling: a 6x4 mosaic of sample frames at native size (detail
// everywhere), cropped so a 3x2 tile grid overlaps by exactly the default overlap.
const { tile, overlap } = DEFAULT_TILING;
const tw = tile + 2 * (tile - overlap), th = tile + (tile - overlap);
const allFrames = (await Promise.all(shots.map((s) => prod.shot(s)))).map((s) => s.frames);
const mosaicParts: E.Tensor[][][] = [];
for (let r = 0; r < 4; r++) {
  const row: E.Tensor[][] = [];
  for (let c = 0; c < 6; c++) {
    const f = allFrames[(r * 6 + c) % 3]![((r * 6 + c) * 5) % 24]!;
    row.push([(await loadImage(f.rough!.path, 3)).tensor, ...await Promise.all(model.config.guides.map(async (g) => (await loadImage(f.passes[g.name]!.path, g.channels === 1 ? 1 : 3)).tensor))]);
  }
  mosaicParts.push(row);
}
const [mRough, ...mPasses] = E.tidy(() => [0, ...model.config.guides.map((_, k) => k + 1)].map((k) =>
  E.F.cat(mosaicParts.map((row) => E.F.cat(row.map((x) => x[k]!), 3)), 2).narrow(2, 0, th).narrow(3, 0, tw).contiguous()));
E.disposeAll(mosaicParts);
const mPassMap = new Map(model.config.guides.map((g, k) => [g.name, mPasses[k]!]));
const tilePlan = planTiles(th, tw, DEFAULT_TILING);
const mWhole = stylizeTensor(model, mRough!, mPassMap, { tileAbove: Infinity });
const mTiled = stylizeTensor(model, mRough!, mPassMap, { tileAbove: 0 });
const tileDiff = E.tidy(() => mTiled.sub(mWhole).abs().max().item());
log(`tiled vs whole at ${tw}x${th} (${tilePlan.tiles} tiles of ${tile}, overlap ${overlap}): max abs diff ${tileDiff.toExponential(3)} (${(tileDiff * 255).toFixed(3)} of an 8-bit level)`);
E.disposeAll([mRough!, mPasses, mWhole, mTiled]);

// 1920x1080: the pipeline per frame (model, two flows per window frame, blend), upscaled inputs.
const shot = await prod.shot('sh010');
const blender = new TemporalBlender(DEFAULT_COHERENCE);
const n1080 = Number(process.env.BENCH_1080_FRAMES ?? 4);
let t1080 = 0;
for (let i = 0; i < n1080 + 1; i++) {
  const { rough, passes } = await upscaled(shot.frames[i]!, 1080, 1920);
  const t0 = performance.now();
  const mo = stylizeTensor(model, rough, passes);
  const { frame } = blender.push(rough, mo);
  if (i > 0) t1080 += performance.now() - t0; // the first frame has no flow work; leave it out
  E.disposeAll([rough, mo, frame, [...passes.values()]]);
}
blender.dispose();
model.generator.dispose();
await prod.close();

// 3840x2160 in a child process, so its peak RSS is the 4K render's own.
log('3840x2160: two frames in a child process');
const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--rss-4k'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (child.status !== 0) throw new Error(`the 4K child process failed (status ${child.status})`);
const k4 = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { rss_4k_mb: number; seconds_4k_2_frames: number };
log(`3840x2160: peak RSS ${k4.rss_4k_mb} MB, ${k4.seconds_4k_2_frames} s for two frames`);
const result = {
  fps_1080p: +(n1080 / (t1080 / 1000)).toFixed(3),
  warp_error: +scores.coherent.toFixed(6),
  warp_error_per_frame: +scores.perFrame.toFixed(6),
  warp_error_input: +scores.input.toFixed(6),
  coherence_ratio: +(scores.coherent / scores.perFrame).toFixed(3),
  warp_error_motion: +scores.motion.toFixed(6),
  coherence_ratio_motion: +(scores.motion / scores.perFrame).toFixed(3),
  true_motion_warp_error: +trueScores.coherent.toFixed(6),
  true_motion_warp_error_per_frame: +trueScores.perFrame.toFixed(6),
  true_motion_warp_error_input: +trueScores.input.toFixed(6),
  true_motion_coherence_ratio: +(trueScores.coherent / trueScores.perFrame).toFixed(3),
  true_motion_coherence_ratio_motion: +(trueScores.motion / trueScores.perFrame).toFixed(3),
  chunks_identical: identical,
  fps_sample: +(renderedFrames / renderSeconds).toFixed(2),
  rss_4k_mb: k4.rss_4k_mb,
  tile_max_abs_diff: +tileDiff.toExponential(3),
  model_version: look.id,
};
console.log(JSON.stringify(result));
