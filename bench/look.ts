// npm run bench -- look: the look benchmark on the 256×256 sample production (the demo's): train the
// look model and baseline_l1, score the final render quality, the look model alone (preview) and
// the baselines on the held-out test shots, keyframe adaptation; crops and whole-frame sheets.
// The body is bench/look-common.ts (shared with look-hd, the same at 1920×1080). Last line: JSON.
// BENCH_LOOK_BUDGET=<seconds> sets each training time (default 420, the demo's);
// BENCH_LOOK_KEYFRAMES_BUDGET=<seconds> the keyframe adaptation's (default 90);
// BENCH_LOOK_FRAMES=<n> scores n test frames per shot (default all 22); BENCH_OUT the output folder.
import { envNumber, runLookBench } from './look-common.js';

const frames = process.env.BENCH_LOOK_FRAMES ? envNumber('BENCH_LOOK_FRAMES', 0) : undefined;
await runLookBench({
  name: 'look',
  sampleDir: 'sample',
  sample: {},
  budget: envNumber('BENCH_LOOK_BUDGET', 420),
  keyframesBudget: envNumber('BENCH_LOOK_KEYFRAMES_BUDGET', 90),
  ...(frames !== undefined ? { framesPerShot: frames } : {}),
  crop: 128,
  frameSheetScale: 1,
  extended: false,
});
