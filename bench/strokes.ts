// npm run bench -- strokes: preview (look model + blend) vs final (+ stroke synthesis) on the
// held-out test shots of a trained production. BENCH_STROKES_PROD: production dir (default
// bench/out/look/production, from `npm run bench -- look`); BENCH_STROKES_SAMPLE: the sample it was
// imported from (default bench/out/sample); BENCH_STROKES_FRAMES: frames scored per shot (default
// all held-out). Last line: JSON.
import { join, resolve } from 'node:path';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as E from '../src/engine/index.js';
import { openProduction, listModelVersions } from '../src/store/index.js';
import { testFrames } from '../src/demo/pipeline.js';
import { loadLookModel } from '../src/models/look/model-file.js';
import { stylizeFile } from '../src/models/look/stylize.js';
import { stylizeStill } from '../src/synth/stylize-still.js';
import { loadImage } from '../src/data/image-io.js';
import { writeSheet } from '../src/models/look/sheet.js';
import { psnr, ssim, styleSwd, textureSwd, hfRatio } from '../src/metrics/index.js';
import { exemplarBank, synthesize, strokeGuide, DEFAULT_SYNTH, type SynthOptions } from '../src/synth/index.js';
import { renderShotFrames } from '../src/render/render-shot.js';
import { DEFAULT_COHERENCE } from '../src/render/coherence.js';

const out = resolve(process.env.BENCH_OUT ?? 'bench/out');
const prodDir = resolve(process.env.BENCH_STROKES_PROD ?? join(out, 'look', 'production'));
const sampleDir = resolve(process.env.BENCH_STROKES_SAMPLE ?? join(out, 'sample'));
const perShot = Number(process.env.BENCH_STROKES_FRAMES ?? Infinity);
const synthOpts: Partial<SynthOptions> = JSON.parse(process.env.BENCH_STROKES_OPTS ?? '{}');
const log = (m: string) => process.stderr.write(m + '\n');
mkdirSync(join(out, 'strokes'), { recursive: true });

const manifest = JSON.parse(readFileSync(join(sampleDir, 'manifest.json'), 'utf8'));
const prod = await openProduction(prodDir);
const versions = (await listModelVersions(prod)).filter((v) => v.kind === 'look');
if (!versions.length) throw new Error(`${prodDir} has no look model: run npm run bench -- look first`);
const version = Math.min(...versions.map((v) => v.id));
const v = versions.find((x) => x.id === version)!;
const model = loadLookModel(v.files.find((f) => f.name.endsWith('.safetensors'))!.path);
const tb = Date.now();
const bank = await exemplarBank(prod, version, model, { ...DEFAULT_SYNTH, ...synthOpts });
log(`exemplar bank: ${bank.style.size(0)} painted frames of dataset ${bank.dataset} in ${((Date.now() - tb) / 1000).toFixed(1)} s`);

type Scores = { psnr: number; ssim: number; style_swd: number; texture_swd: number; hf_ratio: number; seconds: number };
const zero = (): Scores => ({ psnr: 0, ssim: 0, style_swd: 0, texture_swd: 0, hf_ratio: 0, seconds: 0 });
const sums = { preview: zero(), final: zero() };
const score = (s: Scores, img: E.Tensor, gt: E.Tensor, seconds: number) => {
  s.psnr += psnr(img, gt); s.ssim += ssim(img, gt); s.style_swd += styleSwd(img, gt);
  s.texture_swd += textureSwd(img, gt); s.hf_ratio += hfRatio(img, gt); s.seconds += seconds;
};
let n = 0;
const crops: E.Tensor[][] = [];
for (const scene of manifest.scenes.filter((s: any) => s.split === 'test')) {
  let frames = testFrames(manifest, sampleDir, scene.name);
  if (Number.isFinite(perShot)) frames = frames.filter((_, i) => i % Math.ceil(frames.length / perShot) === 0).slice(0, perShot);
  const shot = await prod.shot(scene.name);
  for (const f of frames) {
    const sf = shot.frames.find((x) => x.frame === f.frame)!;
    const passes = Object.fromEntries(Object.entries(sf.passes).map(([k, a]) => [k, a.path]));
    const t0 = Date.now();
    const preview = await stylizeFile(model, sf.rough!.path, passes);
    const t1 = Date.now();
    // The model runs again inside (a few ms at 256²): final builds the stroke guide from the rough frame and passes.
    const fin = await stylizeStill(model, sf.rough!.path, passes, {}, { quality: 'final', exemplars: bank, strokes: synthOpts });
    const t2 = Date.now();
    const gt = (await loadImage(f.gt)).tensor;
    score(sums.preview, preview, gt, (t1 - t0) / 1000);
    score(sums.final, fin, gt, (t2 - t0) / 1000);
    n++;
    log(`  ${scene.name}.${f.frame}: final ${((t2 - t1) / 1000).toFixed(2)} s stroke stage, psnr ${psnr(fin, gt).toFixed(2)} hf ${hfRatio(fin, gt).toFixed(2)}`);
    if (crops.length < 3 && f === frames[Math.floor(frames.length / 2)]) crops.push([gt, preview, fin]);
    else E.disposeAll([preview, fin, gt]);
  }
}
const avg = (s: Scores) => Object.fromEntries(Object.entries(s).map(([k, x]) => [k, +(x / n).toFixed(4)])) as Scores;
const sheet = join(out, 'strokes', 'crops.png');
// 100% crops: each row ground truth | preview | final, full frames (256²) side by side.
await writeSheet(sheet, crops);
E.disposeAll(crops);
log(`preview ${JSON.stringify(avg(sums.preview))}\nfinal   ${JSON.stringify(avg(sums.final))}`);

// Seconds per 1920x1080 frame (final mode, stroke stage on a warm bank): a test frame's model output
// upscaled to 1080p as the target; the exemplars stay at their painted size.
const t1080 = await (async () => {
  const shot = await prod.shot('sh020');
  const sf = shot.frames[12]!;
  const preview = await stylizeFile(model, sf.rough!.path, Object.fromEntries(Object.entries(sf.passes).map(([k, a]) => [k, a.path])));
  const up = (t: E.Tensor) => E.F.interpolate(t, { size: [1080, 1920], mode: 'bilinear' });
  const inputs = await Promise.all([sf.rough!.path, ...model.config.guides.map((g) => sf.passes[g.name]!.path)].map(async (f, i) => (await loadImage(f, i === 0 || model.config.guides[i - 1]!.channels > 1 ? 3 : 1)).tensor));
  const big = E.tidy(() => strokeGuide(up(preview), up(inputs[0]!), new Map(model.config.guides.map((g, i) => [g.name, up(inputs[i + 1]!)])), { ...DEFAULT_SYNTH, ...synthOpts }, bank.ids));
  const t0 = Date.now();
  const r = synthesize(big, bank, synthOpts);
  const s = (Date.now() - t0) / 1000;
  E.disposeAll([preview, big, r.image, inputs]);
  log(`1080p stroke stage: ${s.toFixed(1)} s`);
  return s;
})();

// Temporal: warping error over one shot, final with coherence (strokes carried from run anchors) vs
// final rendered frame by frame (strokes synthesized per frame); a sub-range must equal the whole.
// The shot's final frames are scored against the held-out paintings too (what a render delivers).
const warpShot = process.env.BENCH_STROKES_SHOT ?? 'sh010';
const shotInfo = await prod.shot(warpShot);
// BENCH_STROKES_WARP_FRAMES: render only the shot's first n frames (default all).
const warpRange: [number, number] = [shotInfo.range[0], Math.min(shotInfo.range[1], shotInfo.range[0] + Number(process.env.BENCH_STROKES_WARP_FRAMES ?? 1e9) - 1)];
const renders = join(out, 'strokes', 'renders');
rmSync(renders, { recursive: true, force: true });
const meanWarp = (r: { frames: { warpError: number }[] }) => {
  const e = r.frames.map((f) => f.warpError).filter(Number.isFinite);
  return e.reduce((a, b) => a + b, 0) / e.length;
};
const renderAs = async (dir: string, quality: 'preview' | 'final', coherent: boolean, range?: [number, number]) => {
  const r = await renderShotFrames(prod, warpShot, model, version, {
    outDir: join(renders, dir), quality, range: range ?? warpRange, coherence: coherent ? DEFAULT_COHERENCE : null,
  });
  log(`  ${warpShot} ${dir}: ${r.frames.length} frames in ${r.seconds.toFixed(0)} s, warp error ${meanWarp(r).toExponential(2)}`);
  return r;
};
const finalCoherent = await renderAs('final', 'final', true);
const finalPerFrame = await renderAs('final-per-frame', 'final', false);
const previewCoherent = await renderAs('preview', 'preview', true);
const previewPerFrame = await renderAs('preview-per-frame', 'preview', false);
// A range starting inside a run of strokes (anchors every 8 frames) and crossing the next anchor.
const sub: [number, number] = [Math.min(warpRange[1], shotInfo.range[0] + 5), Math.min(warpRange[1], shotInfo.range[0] + 9)];
const part = await renderAs('final-range', 'final', true, sub);
const shotScores = zero();
let shotN = 0;
const heldOut = new Set(testFrames(manifest, sampleDir, warpShot).map((f) => f.frame));
for (const f of finalCoherent.frames) {
  const t = testFrames(manifest, sampleDir, warpShot).find((x) => x.frame === f.frame);
  if (!t || !heldOut.has(f.frame)) continue;
  const img = (await loadImage(f.path)).tensor, gt = (await loadImage(t.gt)).tensor;
  score(shotScores, img, gt, 0);
  shotN++;
  E.disposeAll([img, gt]);
}
const shotAvg = Object.fromEntries(Object.entries(shotScores).filter(([k]) => k !== 'seconds').map(([k, x]) => [k, +(x / shotN).toFixed(4)]));
const identical = part.frames.every((f) => readFileSync(f.path).equals(readFileSync(finalCoherent.frames.find((x) => x.frame === f.frame)!.path)));

const result = {
  preview: avg(sums.preview), final: avg(sums.final), test_frames: n, exemplars: bank.style.size(0),
  seconds_1080p_final: +t1080.toFixed(2),
  warp_shot: warpShot,
  warp_frames: warpRange,
  warp_error_final: +meanWarp(finalCoherent).toExponential(3),
  warp_error_final_per_frame: +meanWarp(finalPerFrame).toExponential(3),
  warp_ratio_final: +(meanWarp(finalCoherent) / meanWarp(finalPerFrame)).toFixed(3),
  warp_error_preview: +meanWarp(previewCoherent).toExponential(3),
  warp_error_preview_per_frame: +meanWarp(previewPerFrame).toExponential(3),
  final_shot_seconds_per_frame: +(finalCoherent.seconds / finalCoherent.frames.length).toFixed(2),
  range_equals_whole: identical,
  final_shot_scores: shotAvg,
  crops: sheet,
};
await prod.close();
console.log(JSON.stringify(result));
