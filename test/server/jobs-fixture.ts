// Job modules for the server tests (run by runInWorker in a worker thread, like the real ones).
import type { JobContext } from '../../src/engine/worker.js';
import { runRefine, type FrameRenderer } from '../../src/server/jobs/handlers.js';
import { framePng } from './fixture.js';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findShotVersion, openProduction } from '../../src/store/index.js';
import { claimShotVersion } from '../../src/render/version-dir.js';

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

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** The refine job with the green stand-in renderer taking `ms` a frame: slow enough to be stopped midway. */
export function slowRefineJob(input: { productionDir: string; requestId: number }, ctx: JobContext) {
  return runRefine(input, ctx, async (prod, shot, model, range, dir, onFrame) => {
    await greenRenderer(prod, shot, model, range, dir, async () => undefined);
    for (let f = range[0]; f <= range[1]; f++) {
      await sleep(300);
      onFrame(f - range[0] + 1, range[1] - range[0] + 1, f);
    }
  });
}

/**
 * A render job as renderShotJob runs one (claims the shot's next version, says so, records frame
 * after frame) with stand-in frames taking `ms` each, so that a test can stop it midway.
 */
export async function slowRenderJob(input: { productionDir: string; shot: string; ms: number; outDir?: string; resume?: boolean }, ctx: JobContext) {
  const prod = await openProduction(input.productionDir);
  try {
    const shot = await prod.shot(input.shot);
    const model = (await prod.db.selectFrom('model_versions').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
    // Resumed (POST /api/jobs/:id/again): the version in outDir, its frames on disk kept.
    const v = input.resume && input.outDir ? (await findShotVersion(prod, shot.name, input.outDir, model))! : await claimShotVersion(prod, shot.name, { modelVersion: model });
    ctx.progress({ detail: { version: { id: v.id, number: v.number, frames: shot.frames.length } } });
    for (const [i, f] of shot.frames.entries()) {
      const path = join(v.folder, `${shot.name}.${String(f.frame).padStart(4, '0')}.png`);
      if (input.resume && existsSync(path)) continue;
      await sleep(input.ms);
      if (ctx.cancelled) throw new Error('job cancelled');
      writeFileSync(path, await framePng(f.frame, [0, 0, 200]));
      await prod.recordRenderedFrame({ path, modelVersion: model, inputHashes: { rough: f.rough!.hash }, params: { shot: shot.name, frame: f.frame } });
      ctx.progress({ progress: (i + 1) / shot.frames.length, message: `frame ${f.frame} (${i + 1}/${shot.frames.length})` });
    }
    return { frames: shot.frames.length, version: { id: v.id, number: v.number } };
  } finally { await prod.close(); }
}
