// Job modules for the server tests (run by runInWorker in a worker thread, like the real ones).
import type { JobContext } from '../../src/engine/worker.js';
import { runRefine, type FrameRenderer } from '../../src/server/jobs/handlers.js';
import { framePng } from './fixture.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Keeps its thread busy for `ms` (in slices, checking for cancel): the server must stay responsive. */
export async function busyJob(input: { ms: number }, ctx: JobContext) {
  const t0 = Date.now();
  let spins = 0;
  while (Date.now() - t0 < input.ms) {
    if (ctx.cancelled) return { cancelled: true, spins };
    const s = Date.now();
    while (Date.now() - s < 20) spins++;
    ctx.progress({ progress: (Date.now() - t0) / input.ms, message: `busy ${Date.now() - t0} ms` });
  }
  return { spins };
}

/** The refine job with a stand-in renderer (a bright green frame), so the masked composite can be checked without a trained model. */
const greenRenderer: FrameRenderer = async (_prod, shot, _model, [a, b], dir, onFrame) => {
  for (let f = a; f <= b; f++) {
    const png = await framePng(0, [0, 0, 0]);
    const sharp = (await import('sharp')).default;
    const green = await sharp(png).ensureAlpha().composite([{ input: { create: { width: 64, height: 48, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 1 } } } }]).removeAlpha().png().toBuffer();
    writeFileSync(join(dir, `${shot}.${String(f).padStart(4, '0')}.png`), green);
    onFrame(f - a + 1, b - a + 1, f);
  }
};

export function fakeRefineJob(input: { productionDir: string; requestId: number }, ctx: JobContext) {
  return runRefine(input, ctx, greenRenderer);
}
