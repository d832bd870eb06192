// npm run bench -- look-hd: the look benchmark (bench/look-common.ts, the same body as `look`) on the
// sample production generated at 1920×1080, its strokes painted at that size's scale (src/sample's
// painter scales brush radii, stroke length and brush marks with the frame). Beside look's figures:
// baseline_l1_final (the plain L1 model rendered at final quality, with the stroke stage),
// orientation_distance and grid_score per entry, the orientation and grid targets (reported, not
// enforced), final-quality seconds per 1080p frame, wall and CPU seconds per phase, and the
// reference net's speed in the same run (bench/reference-net.ts) to read them against a quiet machine.
//
// Sized for ≤ 25 min on 2 quiet cores: ~7.5 min with the sample already generated (2026-12-04; a
// first run also generates it, ~3.5 min at 1080p, into bench/out/sample-1920x1080-f3, reused after).
// Training dominates (two 120 s models and a keyframe adaptation); per shot the stroke stage renders
// an anchor frame and the scored frame carried from it (~10 s). So every test shot of the sample,
// one scored frame each (a 3-frame sample: painted keyframes 0 and 2, test frame 1): with two shots
// (sh010 and sh040, the default while a run took ~20 min) the orientation ratio moved
// 0.42-0.64 between runs of similar finals.
// Env (seconds unless said):
//   BENCH_LOOK_BUDGET            each training time, model and baseline_l1 (default 120)
//   BENCH_LOOK_KEYFRAMES_BUDGET  keyframe adaptation (default 45)
//   BENCH_LOOK_HD_SHOTS          comma-separated test shots to score (default all five of the sample:
//                                sh010,sh020,sh030,sh040,sh050)
//   BENCH_LOOK_HD_SHOT_FRAMES    frames per test shot in the sample (default 3; first and last are
//                                painted keyframes, the rest test frames)
//   BENCH_LOOK_HD_FRAMES         test frames scored per shot (default all: shot frames − 2)
//   BENCH_LOOK_HD_SIZE           WxH of the sample (default 1920x1080; smaller for a smoke run)
//   BENCH_OUT                    output folder (default bench/out; the sample goes to sample-WxH-fN)
// Smoke run (every code path, 6-15 min on a busy machine): BENCH_LOOK_HD_SIZE=480x270
// BENCH_LOOK_BUDGET=30 BENCH_LOOK_KEYFRAMES_BUDGET=10 npm run bench -- look-hd
// Last line: JSON.
import { envNumber, runLookBench } from './look-common.js';

const size = process.env.BENCH_LOOK_HD_SIZE ?? '1920x1080';
const m = /^(\d+)x(\d+)$/.exec(size);
if (!m) throw new Error(`BENCH_LOOK_HD_SIZE must be WxH, got ${size}`);
const [width, height] = [Number(m[1]), Number(m[2])];
const shotFrames = envNumber('BENCH_LOOK_HD_SHOT_FRAMES', 3);
if (!Number.isInteger(shotFrames) || shotFrames < 3) throw new Error(`BENCH_LOOK_HD_SHOT_FRAMES must be a whole number ≥ 3 (two are keyframes), got ${shotFrames}`);
const frames = process.env.BENCH_LOOK_HD_FRAMES ? envNumber('BENCH_LOOK_HD_FRAMES', 0) : undefined;
const shots = (process.env.BENCH_LOOK_HD_SHOTS || 'sh010,sh020,sh030,sh040,sh050').split(',').map((s) => s.trim()).filter(Boolean);
// 100% crops: look's 128 px scaled with the frame (512 at 1080p: 128 px would not hold a stroke of
// the painting's first layer, ~70 px wide); whole frames shrunk (1/4) so the sheet stays viewable.
const scale = Math.min(width, height) / 256;
await runLookBench({
  name: 'look-hd',
  sampleDir: `sample-${width}x${height}-f${shotFrames}`,
  sample: { width, height, shotFrames },
  budget: envNumber('BENCH_LOOK_BUDGET', 120),
  keyframesBudget: envNumber('BENCH_LOOK_KEYFRAMES_BUDGET', 45),
  ...(frames !== undefined ? { framesPerShot: frames } : {}),
  shots,
  crop: Math.min(512, Math.max(128, Math.round(128 * scale))),
  frameSheetScale: Math.max(1, Math.floor(scale)),
  extended: true,
});
