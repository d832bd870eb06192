// npm run bench -- lynx: the look on real footage with painted keyframes (../shared/data/lynx: 11
// video frames, keyframes painted on frames 0 and 10, EbSynth's outputs for the same task), as a
// user runs it: init, shot add, shot keyframe, train keyframes (from scratch: no production model),
// render --quality final of the whole shot. Leave one keyframe out, both directions: from0 trains
// on keyframe 0 and scores rendered frame 10 against painted keyframe 10; from10 the reverse.
// EbSynth's outputs (reference/) are scored by the same code. Settings were chosen on from0 only;
// from10 is the held-out direction (see bench/RESULTS.md). Writes 100 % crop sheets (painted
// ground truth | EbSynth | Atelier final | Atelier preview) per direction. Last line: JSON.
// LYNX_DIR=<dir> (default ../shared/data/lynx), BENCH_LYNX_BUDGET=<seconds> (training, default 120),
// BENCH_LYNX_DIRS=from0,from10, BENCH_LYNX_STROKES=<JSON StrokeOptions> (tuning on from0).
import { join, resolve } from 'node:path';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import * as E from '../src/engine/index.js';
import { initProduction, addShot, addShotKeyframes } from '../src/store/index.js';
import { runTrainKeyframes } from '../src/jobs/train-keyframes.js';
import { loadLookModel } from '../src/models/look/model-file.js';
import { renderShotFrames, framePath } from '../src/render/render-shot.js';
import { loadImage } from '../src/data/image-io.js';
import { writeSheet } from '../src/models/look/sheet.js';
import { psnr, ssim, styleSwd, textureSwd, orientationDistance, gridScore, cropWindow, detailWindow } from '../src/metrics/index.js';
import type { StrokeOptions } from '../src/synth/index.js';
import { measureReferenceNet, REFERENCE_GFLOPS } from './reference-net.js';

const lynx = resolve(process.env.LYNX_DIR ?? '../shared/data/lynx');
const out = resolve(process.env.BENCH_OUT ?? 'bench/out', 'lynx');
const budget = Number(process.env.BENCH_LYNX_BUDGET ?? 120);
const dirs = (process.env.BENCH_LYNX_DIRS ?? 'from0,from10').split(',');
const strokes: Partial<StrokeOptions> = JSON.parse(process.env.BENCH_LYNX_STROKES ?? '{}');
const log = (m: string) => process.stderr.write(m + '\n');
if (!existsSync(join(lynx, 'frames', '000.jpg'))) throw new Error(`no lynx data at ${lynx} (set LYNX_DIR)`);

const DIRECTIONS = {
  from0: { key: 'keyframes/style000.jpg', target: 10, gt: 'keyframes/style010.png', ebsynth: 'reference/ebsynth_from0_frame010.png' },
  from10: { key: 'keyframes/style010.png', target: 0, gt: 'keyframes/style000.jpg', ebsynth: 'reference/ebsynth_from10_frame000.png' },
} as const;

type Scores = { psnr: number; ssim: number; style_swd: number; texture_swd: number; orientation_distance: number; grid_score: number };
const r4 = (v: number) => +v.toFixed(4);
function score(img: E.Tensor, gt: E.Tensor): Scores {
  return {
    psnr: r4(psnr(img, gt)), ssim: r4(ssim(img, gt)), style_swd: r4(styleSwd(img, gt)), texture_swd: r4(textureSwd(img, gt)),
    orientation_distance: r4(orientationDistance(img, gt)), grid_score: r4(gridScore(img, gt)),
  };
}
const load = async (p: string) => (await loadImage(p, 3)).tensor;

// Machines of one kind differ 2-4x in conv speed: the reference net, measured in this run, normalizes.
const ref = measureReferenceNet(5);
log(`reference conv net: ${ref.gflops.toFixed(1)} GFLOP/s`);
const results: Record<string, unknown> = {};
for (const name of dirs) {
  const d = DIRECTIONS[name as keyof typeof DIRECTIONS];
  if (!d) throw new Error(`unknown direction ${name} (from0, from10)`);
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const prod = await initProduction(join(dir, 'production'), { name: `lynx-${name}` });
  try {
    const meta = { owner: 'evaluation data (Ezsynth examples)', licence: 'evaluation only', cleared: true };
    await addShot(prod, 'lynx', join(lynx, 'frames', '###.jpg'), { fps: 24, meta });
    await addShotKeyframes(prod, 'lynx', [join(lynx, d.key)], { meta });
    let last = 0;
    const trained = await runTrainKeyframes(prod, { shot: 'lynx', model: null, budgetSeconds: budget }, (e: any) => {
      if (e.type === 'step' && Date.now() - last > 15000) { last = Date.now(); log(`  ${name} train step ${e.step}/${e.totalSteps} ${e.seconds.toFixed(0)} s`); }
    });
    const r = trained.result;
    log(`${name}: trained ${r.steps} steps in ${r.seconds.toFixed(0)} s (${r.trainGflops} GFLOP/s)`);
    const model = loadLookModel(r.modelPath);
    const render = async (quality: 'preview' | 'final') => {
      const outDir = join(dir, quality);
      const t0 = Date.now();
      const done = await renderShotFrames(prod, 'lynx', model, trained.modelVersion, { outDir, quality, strokes });
      const seconds = (Date.now() - t0) / 1000;
      log(`${name}: ${quality} render of ${done.frames.length} frames in ${seconds.toFixed(1)} s`);
      return { seconds_per_frame: +(seconds / done.frames.length).toFixed(2), frame: await load(framePath(outDir, 'lynx', d.target)) };
    };
    const preview = await render('preview');
    const final = await render('final');
    model.generator.dispose();
    const gt = await load(join(lynx, d.gt));
    const eb = await load(join(lynx, d.ebsynth));
    const spf = final.seconds_per_frame;
    results[name] = {
      atelier: score(final.frame, gt), ebsynth: score(eb, gt), atelier_preview: score(preview.frame, gt),
      train_seconds: +r.seconds.toFixed(1), train_steps: r.steps, train_gflops: r.trainGflops,
      seconds_per_frame: spf, seconds_per_frame_norm: +(spf * ref.gflops / REFERENCE_GFLOPS).toFixed(2),
      seconds_per_frame_preview: preview.seconds_per_frame,
    };
    log(`${name}: ${JSON.stringify(results[name])}`);
    // 100 % crops: the painting's most detailed window and the face (the subject), 320x270 each.
    const wins = [detailWindow(gt, 270), { x: 300, y: 110, width: 320, height: 270 }].map((w) => ({ ...w, width: 320, x: Math.min(w.x, 960 - 320) }));
    const rows = wins.map((w) => [gt, eb, final.frame, preview.frame].map((t) => cropWindow(t, w)));
    await writeSheet(join(out, `${name}-crops.png`), rows);
    await writeSheet(join(out, `${name}-frames.png`), [[gt, eb], [final.frame, preview.frame]]);
    E.disposeAll([rows.flat(), gt, eb, final.frame, preview.frame]);
  } finally {
    await prod.close();
  }
}
const ok = (x: any) => x && ['psnr', 'ssim'].every((k) => x.atelier[k] >= x.ebsynth[k]) && ['style_swd', 'texture_swd', 'orientation_distance'].every((k) => x.atelier[k] <= x.ebsynth[k])
  && x.train_seconds <= 300 && x.seconds_per_frame_norm <= 4;
const figures = { ...results, machine_conv_gflops: +ref.gflops.toFixed(1), train_budget_seconds: budget, targets_met: Object.fromEntries(dirs.map((n) => [n, ok(results[n])])) };
log(`crop sheets: ${out}/<direction>-crops.png (painted ground truth | EbSynth | Atelier final | Atelier preview)`);
console.log(JSON.stringify(figures));
