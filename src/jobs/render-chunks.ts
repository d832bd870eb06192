// The farm's render jobs, run by a worker (in a worker thread through runInWorker, or in-process):
// a chunk renders a frame range of a shot into the version folder (resume: frames already there are
// kept, so a chunk that runs again after a crash or a retry finishes the job without writing any
// frame twice, and every frame is written atomically); the finish job, run once every chunk is done,
// checks the folder holds every frame, records any frame a killed worker wrote but did not record,
// merges the chunks' per-frame coherence, removes temp files left by killed writers, and writes the
// preview movie, like a local `atelier render`.
import { hostname } from 'node:os';
import { existsSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { JobContext } from '../engine/worker.js';
import { openProduction, type Production } from '../store/index.js';
import { resolveLookModel } from '../render/model-ref.js';
import { framePath, missingFrames, renderShotFrames, writeShotMovie, type RenderShotOptions } from '../render/render-shot.js';
import type { CoherenceOptions } from '../render/coherence.js';
import { writeFileAtomic } from '../util/atomic.js';
import { renderVersionId } from '../render/version-dir.js';
import type { LookModel } from '../models/look/model-file.js';
import { modelPrecision } from '../models/look/stylize.js';
import type { StrokeOptions } from '../synth/stroke-sequence.js';
import { productionColour } from '../store/colour-settings.js';
import { checkRenderInputs, frameInputHashes, frameLineage, outputLineage, renderInputs, resolvedStrokes, upscaleLineage, type FrameLineageSettings, type RenderDescription, type RenderInputs } from '../render/render-description.js';
import { CarryOver } from '../render/carry-over.js';
import { keyframeHashes } from '../render/keyframe-exemplars.js';
import type { MovieCodec } from '../render/movie.js';
import { resolveUpscaleModel } from '../render/model-ref.js';
import type { UpscaleEnsemble } from '../models/upscale/index.js';

// In a farm worker's long-lived job thread (job-thread.ts) the production stays open and the last
// model stays loaded from one chunk to the next; elsewhere each job opens and closes its own.
const longLived = () => (globalThis as { atelierJobThread?: boolean }).atelierJobThread === true;
let keptProd: { dir: string; prod: Production } | null = null;
let keptModel: { key: string; model: LookModel; version: number | null } | null = null;
// The last chunk's temporal state: the chunk after it, taken next by this thread, skips its pre-roll.
const carryOver = new CarryOver();

async function useProduction(dir: string): Promise<{ prod: Production; release(): Promise<void> }> {
  if (!longLived()) {
    const prod = await openProduction(dir);
    return { prod, release: () => prod.close() };
  }
  if (keptProd?.dir !== dir) {
    const old = keptProd;
    keptProd = null;
    carryOver.clear();
    if (keptModel) { keptModel.model.generator.dispose(); keptModel = null; }
    if (old) await old.prod.close();
    keptProd = { dir, prod: await openProduction(dir) };
  }
  return { prod: keptProd.prod, release: async () => {} };
}

async function useModel(prod: Production, modelVersion: number): Promise<{ model: LookModel; version: number | null; release(): void }> {
  if (!longLived()) {
    const { model, version } = await resolveLookModel(prod, String(modelVersion));
    return { model, version, release: () => model.generator.dispose() };
  }
  const key = `${prod.dir}#${modelVersion}`;
  if (keptModel?.key !== key) {
    carryOver.clear();
    keptModel?.model.generator.dispose();
    keptModel = null;
    const { model, version } = await resolveLookModel(prod, String(modelVersion));
    keptModel = { key, model, version };
  }
  return { model: keptModel.model, version: keptModel.version, release: () => {} };
}

/** What a farm render's chunks and its finish step share: the shot, model, folder and settings. */
interface FarmRender {
  productionDir: string;
  shot: string;
  modelVersion: number;
  /** Version folder, relative to the production folder (workers mount it at their own path). */
  outDir: string;
  range: [number, number];
  bits?: 8 | 16;
  coherence: CoherenceOptions | null;
  /** The rest of the render's description, passed to renderShotFrames in every chunk. */
  render?: ChunkRenderOptions;
  /** The shot's inputs when the render was described: every chunk and the finish refuse if they changed (absent: jobs of older builds). */
  inputs?: RenderInputs;
}

/** What every chunk of a farm render passes to renderShotFrames besides range and folder. */
export type ChunkRenderOptions = Pick<RenderShotOptions, 'quality' | 'tiling' | 'upscale' | 'strokes' | 'format' | 'colorSpace' | 'matte' | 'lookWidth'>;

/** A render description as a farm render: the chunks' shared input (render-description.ts). */
export function farmRenderSpec(d: RenderDescription): Omit<FarmRender, 'productionDir'> & { shotStart: number } {
  if (d.modelVersion === null) throw new Error('a farm render needs a model version number (workers load the model by its version), not a file');
  const render: ChunkRenderOptions = {
    quality: d.quality, ...(d.format !== 'png' ? { format: d.format } : {}), ...(d.colorSpace ? { colorSpace: d.colorSpace } : {}), ...(d.matte !== undefined ? { matte: d.matte } : {}), ...(Object.keys(d.tiling).length ? { tiling: d.tiling } : {}),
    ...(d.lookWidth !== undefined ? { lookWidth: d.lookWidth } : {}),
    ...(d.upscale ? { upscale: { ...d.upscale, scale: d.upscale.scale as 2 | 4 } } : {}), ...(d.strokes ? { strokes: d.strokes } : {}),
  };
  return { shot: d.shot, modelVersion: d.modelVersion, outDir: d.outDir, range: d.range, shotStart: d.shotRange[0], bits: d.bits, coherence: d.coherence, render, ...(d.inputs ? { inputs: d.inputs } : {}) };
}

export interface RenderChunkInput extends FarmRender {
  chunk?: number;
  chunks?: number;
}

export interface RenderChunkResult {
  range: [number, number];
  rendered: number;
  skipped: number;
  /** Pre-roll frames this run pushed (0 when it continued the previous chunk on this thread). */
  preRolled: number;
  seconds: number;
  /** Per-frame warping error of the frames this run wrote (null: no previous frame). */
  warp: Record<string, number | null>;
  worker: string;
}

export interface RenderFinishInput extends FarmRender {
  movie: boolean;
  codec?: MovieCodec;
  /** Burn-ins on the movie (shot, version, frame, timecode). */
  burnIn?: boolean;
  /** Filled in by the worker: the chunk jobs' results (BullMQ children values). */
  childResults?: Record<string, RenderChunkResult>;
}

export interface RenderFinishResult {
  shot: string;
  model: number;
  dir: string;
  frames: number;
  version: number | null;
  movie: string | null;
  movieNote: string | null;
  chunks: number;
  workers: string[];
  /** Frames a killed worker wrote but had not recorded yet, recorded now. */
  recordsRepaired: number;
  /** Frames chunks found already written when they ran (a chunk run again after its worker died). */
  resumedFrames: number;
  /** Pre-roll frames the chunks pushed (a chunk continuing its worker's previous one pushes none). */
  preRolledFrames: number;
  /** Temp files (.<name>.<pid>.<rand>.tmp) of writers killed mid-write, removed. */
  tempFilesRemoved: number;
  renderSeconds: number;
}

/** The version folder as an absolute path, refusing anything outside the production. */
export function versionDir(prod: Production, outDir: string): string {
  const abs = isAbsolute(outDir) ? outDir : resolve(prod.dir, outDir);
  const rel = relative(prod.dir, abs);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`render folder ${outDir} is not inside the production ${prod.dir}`);
  return abs;
}

export const workerName = () => `${hostname()}:${process.pid}`;

export async function renderChunkJob(input: RenderChunkInput, ctx: JobContext): Promise<RenderChunkResult> {
  const { prod, release } = await useProduction(input.productionDir);
  try {
    const outDir = versionDir(prod, input.outDir);
    const { model, version, release: releaseModel } = await useModel(prod, input.modelVersion);
    try {
      const label = input.chunks ? `chunk ${(input.chunk ?? 0) + 1}/${input.chunks} ` : '';
      const r = await renderShotFrames(prod, input.shot, model, version, {
        ...(input.render ?? {}), outDir, range: input.range, bits: input.bits ?? 8, coherence: input.coherence, resume: true, ...(input.inputs ? { inputs: input.inputs } : {}),
        ...(longLived() ? { carryOver } : {}),
        onFrame: (done, total, frame) => {
          ctx.progress({ progress: done / total, message: `${label}frame ${frame} (${done}/${total})`, detail: { frame, done, total, range: input.range } });
          if (ctx.cancelled) throw new Error('job cancelled');
        },
        onStatus: (message) => ctx.progress({ progress: 0, message: `${label}${message}` }),
      });
      return {
        range: input.range, rendered: r.frames.length, skipped: r.skipped, preRolled: r.preRolled, seconds: r.seconds, worker: workerName(),
        warp: Object.fromEntries(r.frames.map((f) => [String(f.frame), Number.isFinite(f.warpError) ? +f.warpError.toFixed(6) : null])),
      };
    } finally { releaseModel(); }
  } finally { await release(); }
}

export async function renderFinishJob(input: RenderFinishInput, ctx: JobContext): Promise<RenderFinishResult> {
  const { prod, release } = await useProduction(input.productionDir);
  try {
    const outDir = versionDir(prod, input.outDir);
    const shot = await prod.shot(input.shot);
    const format = input.render?.format ?? 'png';
    const missing = missingFrames(outDir, shot.name, input.range, format);
    if (missing.length) throw new Error(`the chunks finished but frames ${missing.join(', ')} of ${shot.name} are not in ${outDir}`);
    ctx.progress({ progress: 0, message: 'checking frames' });

    // Temp files of writers killed mid-write: never under a final name, removed now.
    let tempFilesRemoved = 0;
    for (const n of readdirSync(outDir)) {
      if (n.startsWith('.') && n.endsWith('.tmp')) { unlinkSync(join(outDir, n)); tempFilesRemoved++; }
    }

    // Every frame recorded once: a worker killed between writing a frame and recording it leaves
    // the frame unrecorded (the chunk's re-run keeps the frame, resume), so record it here.
    const paths = new Map<string, number>();
    for (let f = input.range[0]; f <= input.range[1]; f++) paths.set(resolve(framePath(outDir, shot.name, f, format)), f);
    const recorded = new Set((await prod.db.selectFrom('renders').select('path').where('path', 'in', [...paths.keys()]).execute()).map((r) => r.path));
    let recordsRepaired = 0;
    // The lineage renderShotFrames records (render-description.ts): resolved strokes, pinned upscaler.
    const extra = input.render ?? {};
    const unrecorded = [...paths].filter(([p]) => !recorded.has(p));
    if (unrecorded.length) {
      const strokes = extra.quality === 'final' ? await resolvedStrokes(prod, input.modelVersion, shot.name, input.coherence, extra.strokes) : null;
      const up = extra.upscale;
      let upscale: FrameLineageSettings['upscale'] = null;
      if (up?.model) {
        const u = await resolveUpscaleModel(prod, up.model);
        u.model.net.dispose();
        upscale = upscaleLineage(u, up.passes);
      }
      const { model } = await resolveLookModel(prod, String(input.modelVersion));
      const { guides } = model.config;
      const precision = modelPrecision(model);
      model.generator.dispose();
      // The records say what the frames were rendered from: not from a shot that changed since.
      const now = await renderInputs(prod, shot, { guides, matte: extra.matte, motion: !!input.coherence?.motion, quality: extra.quality ?? 'preview', modelVersion: input.modelVersion });
      if (input.inputs) checkRenderInputs(shot.name, input.inputs, now.inputs);
      const keyframes = strokes && now.keys ? keyframeHashes(now.keys.pairs) : null;
      const lineage: FrameLineageSettings = { shot: shot.name, bits: input.bits ?? 8, coherence: input.coherence, strokes, upscale, output: outputLineage(format, extra.colorSpace), matte: extra.matte ?? null, precision, keyframes };
      for (const [path, frame] of unrecorded) {
        const f = shot.frames.find((x) => x.frame === frame)!;
        await prod.recordRenderedFrame({
          path, modelVersion: input.modelVersion,
          inputHashes: frameInputHashes(f, guides, extra.matte),
          params: frameLineage(lineage, frame),
        });
        recordsRepaired++;
      }
    }

    // Per-frame coherence: chunks running at once each merge into coherence.json, and the last
    // writer may not have seen the others' frames; merge every chunk's result once more.
    const cpath = join(outDir, 'coherence.json');
    const merged = existsSync(cpath) ? (JSON.parse(readFileSync(cpath, 'utf8')) as Record<string, number | null>) : {};
    const results = Object.values(input.childResults ?? {});
    for (const r of results) Object.assign(merged, r.warp);
    const sorted = Object.fromEntries(Object.entries(merged).sort((x, y) => Number(x[0]) - Number(y[0])));
    writeFileAtomic(cpath, Buffer.from(JSON.stringify(sorted, null, 1)));

    let movie: string | null = null;
    let movieNote: string | null = null;
    if (input.movie) {
      ctx.progress({ progress: 0.1, message: 'writing the preview movie' });
      const m = await writeShotMovie(outDir, shot, {
        codec: input.codec ?? 'h264', burnIn: !!input.burnIn, format, ...(input.render?.colorSpace ? { colorSpace: input.render.colorSpace } : {}), colour: await productionColour(prod),
        onProgress: (done, total) => ctx.progress({ progress: 0.1 + 0.9 * done / total, message: `movie frame ${done}/${total}` }),
      });
      if (m.written) movie = relative(prod.dir, m.movie.path);
      else movieNote = `no movie: frames ${m.missing.join(', ')} of ${shot.range[0]}-${shot.range[1]} are not in ${relative(prod.dir, outDir)}`;
    }
    return {
      shot: shot.name, model: input.modelVersion, dir: relative(prod.dir, outDir), frames: paths.size, version: await renderVersionId(prod, shot.name, outDir, input.modelVersion),
      movie, movieNote, chunks: results.length, workers: [...new Set(results.map((r) => r.worker))].sort(),
      recordsRepaired, resumedFrames: results.reduce((n, r) => n + r.skipped, 0), preRolledFrames: results.reduce((n, r) => n + (r.preRolled ?? 0), 0), tempFilesRemoved, renderSeconds: +results.reduce((s, r) => s + r.seconds, 0).toFixed(3),
    };
  } finally { await release(); }
}
