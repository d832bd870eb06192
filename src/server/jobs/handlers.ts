// The server's own jobs (refine: a masked re-render recorded in the server's tables), run in a
// worker thread by the job queue (jobs/job-thread.ts imports this module there). Inputs are plain
// data the server built after checking the request; each job opens the production itself.
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { claimShotVersion, releaseIfEmpty } from '../../render/version-dir.js';
import sharp from 'sharp';
import type { JobContext } from '../../engine/worker.js';
import { openProduction, type Production } from '../../store/index.js';
import type { JobRecord } from '../../jobs/queue.js';
import { resolveLookModel } from '../../render/model-ref.js';
import { renderShotFrames } from '../../render/render-shot.js';
import type { ServerDatabase } from '../db.js';
import type { Kysely } from 'kysely';
import { getShotVersion } from '../versions.js';
import { nowIso } from '../../store/time.js';

// The plain jobs live in the job layer; re-exported here for existing imports.
export { trainLookJob, trainUpscaleJob, renderShotJob, type TrainLookInput, type TrainUpscaleInput, type RenderShotInput } from '../../jobs/run-jobs.js';

export interface RefineInput { productionDir: string; requestId: number }

/** A refine job that ended other than "done": its request says so (the job marks success itself).
 *  The farm worker calls this; the dailies server does the same on its own connection in-process. */
export async function refineSettled(input: RefineInput, job: JobRecord): Promise<void> {
  if (job.status === 'done') return;
  const prod = await openProduction(input.productionDir);
  try {
    const db = prod.db as unknown as Kysely<ServerDatabase>;
    await db.updateTable('refine_requests').set({ status: job.status === 'cancelled' ? 'cancelled' : 'failed', error: job.error, updated_at: nowIso() })
      .where('id', '=', input.requestId).execute();
  } finally { await prod.close(); }
}

/** Renders frames [a, b] of a shot with a model version into dir as <shot>.####.png. */
export type FrameRenderer = (prod: Production, shot: string, modelVersion: number, range: [number, number], dir: string, onFrame: (done: number, total: number, frame: number) => void) => Promise<void>;

const renderWithLookModel: FrameRenderer = async (prod, shot, modelVersion, range, dir, onFrame) => {
  const { model } = await resolveLookModel(prod, String(modelVersion));
  try {
    await renderShotFrames(prod, shot, model, null, { outDir: dir, range, onFrame });
  } finally { model.generator.dispose(); }
};

/** A masked local re-render: re-renders the request's frames, composites the new pixels over the
 *  source version inside the feathered mask only, and records every frame as a new version. */
export function refineJob(input: RefineInput, ctx: JobContext) {
  return runRefine(input, ctx, renderWithLookModel);
}

export async function runRefine(input: RefineInput, ctx: JobContext, render: FrameRenderer) {
  const prod = await openProduction(input.productionDir);
  const db = prod.db as unknown as Kysely<ServerDatabase>;
  try {
    const req = await db.selectFrom('refine_requests').selectAll().where('id', '=', input.requestId).executeTakeFirstOrThrow();
    await db.updateTable('refine_requests').set({ status: 'running', updated_at: nowIso() }).where('id', '=', req.id).execute();
    const source = await getShotVersion(prod, req.shot, req.version_id);
    if (!source) throw new Error(`shot ${req.shot} has no version ${req.version_id}`);
    const params = JSON.parse(req.params) as { feather?: number };
    const shot = await prod.shot(req.shot);
    const tmp = prod.tempDir();
    try {
      const [a, b] = [req.frame_start, req.frame_end];
      await render(prod, req.shot, source.modelVersion, [a, b], tmp, (done, total, frame) => {
        ctx.progress({ progress: 0.8 * done / total, message: `re-rendering frame ${frame} (${done}/${total})` });
        if (ctx.cancelled) throw new Error('job cancelled');
      });
      // The refine is a version of its own (the shot's next number and folder) that names its source.
      const version = await claimShotVersion(prod, req.shot, { modelVersion: source.modelVersion, quality: source.quality, refineOf: source.id, refineRequest: req.id });
      const outDir = version.folder;
      ctx.progress({ detail: { version: { id: version.id, number: version.number, frames: source.frames.length } } });
      const maskPath = prod.readBlob(req.mask_hash);
      let alpha: Buffer | null = null;
      let written = false;
      try {
        for (const [i, f] of source.frames.entries()) {
          const src = await prod.db.selectFrom('renders').select(['path', 'hash']).where('id', '=', f.renderId).executeTakeFirstOrThrow();
          const name = `${req.shot}.${String(f.frame).padStart(4, '0')}.png`;
          const out = join(outDir, name);
          const rough = shot.frames.find((x) => x.frame === f.frame)?.rough;
          const masked = f.frame >= a && f.frame <= b;
          let inputs: Record<string, string> = { base: src.hash };
          if (masked) {
            const base = await sharp(src.path).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
            const { width: w, height: h } = base.info;
            alpha ??= await sharp(maskPath).removeAlpha().toColourspace('b-w').resize(w, h, { fit: 'fill' })
              .blur(Math.max(0.3, params.feather ?? 4)).raw().toBuffer();
            const fresh = await sharp(join(tmp, name)).removeAlpha().toColourspace('srgb').resize(w, h, { fit: 'fill' }).raw().toBuffer();
            const px = Buffer.alloc(w * h * 3);
            for (let p = 0; p < w * h; p++) {
              const m = alpha[p]! / 255;
              for (let c = 0; c < 3; c++) px[p * 3 + c] = Math.round(base.data[p * 3 + c]! * (1 - m) + fresh[p * 3 + c]! * m);
            }
            await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(out);
            inputs = { base: src.hash, mask: req.mask_hash, ...(rough ? { rough: rough.hash } : {}) };
          } else {
            copyFileSync(src.path, out);
          }
          await prod.recordRenderedFrame({
            path: out, modelVersion: source.modelVersion, inputHashes: inputs,
            params: { shot: req.shot, frame: f.frame, refine: req.id, from_version: source.id, feather: params.feather ?? 4, masked },
          });
          written = true;
          ctx.progress({ progress: 0.8 + 0.2 * (i + 1) / source.frames.length, message: `writing frame ${f.frame}` });
        }
      } catch (err) {
        if (!written) releaseIfEmpty(outDir); // no frame recorded: the claimed version is given back
        throw err;
      }
      await db.updateTable('refine_requests').set({ status: 'done', result_version_id: version.id, updated_at: nowIso() }).where('id', '=', req.id).execute();
      return { version: version.id, number: version.number, dir: outDir };
    } finally { rmSync(tmp, { recursive: true, force: true }); }
  } finally { await prod.close(); }
}
