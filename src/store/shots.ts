// Shots: a range of rough frames (from a frame sequence or a video), render passes per frame and
// painted keyframes. A painted keyframe on a frame that has a rough frame becomes a paintover
// pair (with that frame's render passes). Missing and mismatched frames are reported.
import { checkName } from './names.js';
import { rmSync, existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { compareText } from './db.js';
import type { Production } from './production.js';
import { nowIso } from './time.js';
import { IngestSession, summarize, type IngestCheck, type IngestMeta, type IngestResult } from './ingest.js';
import { isSequencePattern, parseSequencePattern, findSequenceFrames, scanSequence, formatFrames, type SequencePattern } from './sequence-pattern.js';
import { probeVideo, runTool } from './ffmpeg.js';
import { sha256File } from './content-store.js';
import { linkPair } from './pairs.js';
import type { Database } from './schema.js';
import { splitExrFrames, type SplitFrame } from './exr-split.js';
import { exrParts } from '../data/exr-file.js';
import { productionColour } from './colour-settings.js';
import { colourSpace } from '../data/colour.js';
import { parseTimecode, formatTimecode } from './timecode.js';

/** path: the stored copy; sourcePath: the file it was ingested from (for messages). */
export interface FrameAsset { id: number; hash: string; path: string; sourcePath: string; width: number; height: number; format: string; bitDepth: number }
export interface ShotFrame { frame: number; rough: FrameAsset | null; passes: Record<string, FrameAsset>; keyframe: FrameAsset | null; pairId: number | null }
export interface Mismatch { frame: number; what: string; reason: string }

export interface Shot {
  id: number;
  name: string;
  sourceKind: 'sequence' | 'video';
  source: string;
  sourceHash: string | null;
  range: [number, number];
  fps: number;
  width: number | null;
  height: number | null;
  passNames: string[];
  /** The rough frames' colour space when set for the shot (else each file's own or the default). */
  colorSpace: string | null;
  /** Start timecode of the first frame of the range (HH:MM:SS:FF), or null. */
  timecode: string | null;
  frames: ShotFrame[];     // every frame of the range, in order
  missing: number[];       // frames of the range without a rough frame
  missingPasses: Record<string, number[]>;
  mismatched: Mismatch[];
  keyframes: number[];
  createdAt: string;
  updatedAt: string;
}

export interface ShotRejection { frame: number | null; file: string; reason: string }

/** An import refused for its rejected frames (`code` for --json); the production was not changed. */
export class RejectedFramesError extends Error {
  readonly code = 'REJECTED_FRAMES';
  constructor(message: string, readonly rejected: ShotRejection[]) { super(message); }
}

/** Rejections for an error message: the first few, then how many more. */
function listRejections(rejected: readonly ShotRejection[], shown = 5): string {
  const list = rejected.slice(0, shown).map((r) => `${r.frame !== null ? `frame ${r.frame}: ` : ''}${r.file}: ${r.reason}`).join('; ');
  return rejected.length > shown ? `${list}; and ${rejected.length - shown} more` : list;
}

export interface ShotReport {
  shot: Shot;
  ingest: ReturnType<typeof summarize>;
  rejected: ShotRejection[];
  outsideRange: number[];  // frames on disk that the range left out
  warnings: string[];
}


export interface ShotAddOptions {
  range?: [number, number];
  fps?: number;
  replace?: boolean;
  meta?: Omit<IngestMeta, 'kind'>;
  maxMegapixels?: number;
  onResult?: (r: IngestResult) => void;
  /** EXR sequences: the layer (or part) that is the rough frame (default: beauty, else the default layer). */
  layer?: string;
  /** EXR sequences: render passes from layers of the same files, pass name -> layer or channel (depth -> Z). */
  passes?: Record<string, string>;
  /** The rough frames' OCIO colour space (checked against the production's config). */
  colorSpace?: string;
  /** Start timecode HH:MM:SS:FF of the range's first frame (default: the first EXR's header, if any). */
  timecode?: string;
}

async function shotRow(db: Kysely<Database>, name: string) {
  return db.selectFrom('shots').selectAll().where('name', '=', name).executeTakeFirst();
}

function rangeFrames([a, b]: [number, number]): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

function frameOfResult(r: IngestResult, byFile: Map<string, number>): number | null {
  return byFile.get(r.file) ?? null;
}

type FrameSize = { width: number; height: number };

/** A render pass frame must be its rough frame's size (else the shot's): the look model takes them together. */
function passFits(rough: ReadonlyMap<number, FrameSize>, shot: FrameSize | null): (frame: number) => IngestCheck {
  return (frame) => (image) => {
    const ref = rough.get(frame) ?? shot;
    if (!ref || (image.width === ref.width && image.height === ref.height)) return null;
    return `the image is ${image.width}×${image.height}, the shot's rough frame${rough.has(frame) ? '' : 's'} ${rough.has(frame) ? 'is' : 'are'} ${ref.width}×${ref.height} (a render pass must be the size of its rough frame)`;
  };
}

/** Ingests the files of a sequence (frame → file) and returns frame → asset id (and its size). check: what each frame must also be. */
async function ingestFrames(prod: Production, frames: Map<number, string>, meta: IngestMeta, opts: { maxMegapixels?: number; onResult?: (r: IngestResult) => void; check?: (frame: number) => IngestCheck }, origins?: Map<number, SplitFrame['origin']>) {
  const session = await IngestSession.start(prod, { nearDuplicates: false, maxMegapixels: opts.maxMegapixels, onResult: opts.onResult });
  const results: IngestResult[] = [];
  const ids = new Map<number, number>();
  const sizes = new Map<number, FrameSize>();
  const rejected: ShotRejection[] = [];
  const byFile = new Map([...frames].map(([f, p]) => [resolve(p), f]));
  for (const [frame, file] of frames) {
    const origin = origins?.get(frame);
    const r = await session.ingest(file, meta, origin, opts.check?.(frame));
    results.push(r);
    if (r.status === 'rejected') rejected.push({ frame: frameOfResult(r, byFile) ?? frame, file: origin ? `${origin.sourcePath} (${origin.originalName.split('#').pop()})` : r.file, reason: r.reason });
    else {
      ids.set(frame, r.asset.id);
      sizes.set(frame, { width: r.asset.width, height: r.asset.height });
    }
  }
  return { ids, sizes, rejected, summary: summarize(results) };
}

/** `atelier shot add`: a sequence pattern (name.####.png) or a video file. */
export async function addShot(prod: Production, name: string, source: string, opts: ShotAddOptions = {}): Promise<ShotReport> {
  checkName('shot', name, 'sq010_sh020');
  const existing = await shotRow(prod.db, name);
  if (existing && !opts.replace) throw new Error(`shot ${name} already exists (use --replace to re-import its rough frames)`);
  if (opts.fps !== undefined && !(opts.fps > 0)) throw new Error(`fps must be positive, got ${opts.fps}`);
  const warnings: string[] = [];
  const passSel = opts.passes ?? {};
  for (const n of Object.keys(passSel)) checkName('render pass', n);
  const layered = opts.layer !== undefined || Object.keys(passSel).length > 0;
  if (layered && !(isSequencePattern(source) && /\.exr$/i.test(source))) throw new Error(`--layer and --pass need an EXR frame sequence (name.####.exr), got ${source}`);
  const colour = opts.colorSpace !== undefined || layered ? await productionColour(prod) : null;
  const shotSpace = opts.colorSpace !== undefined ? colourSpace(colour!.config, opts.colorSpace) : null;
  const meta: IngestMeta = { ...opts.meta, kind: 'rough_frame', colorSpace: shotSpace };

  let sourceKind: 'sequence' | 'video';
  let frames: Map<number, string>;
  let range: [number, number];
  let fps: number;
  let sourceHash: string | null = null;
  let cleanup: string | null = null;
  let sourceText = source;
  try {
    if (isSequencePattern(source)) {
      sourceKind = 'sequence';
      const p = parseSequencePattern(source);
      sourceText = join(p.dir, basename(source));
      const scanned = scanSequence(p);
      frames = scanned.frames;
      const odd = scanned.otherPadding;
      if (odd.length) warnings.push(`${odd.length} file${odd.length > 1 ? 's' : ''} named like frames but padded otherwise ${odd.length > 1 ? 'are' : 'is'} left out (${odd.slice(0, 5).join(', ')}${odd.length > 5 ? ', …' : ''}): the pattern asks for ${p.padding} digits`);
      if (frames.size === 0) throw new Error(`${source}: no files match this frame pattern in ${p.dir}${odd.length ? ` (${odd.length} file${odd.length > 1 ? 's are' : ' is'} padded otherwise: ${odd.slice(0, 3).join(', ')})` : ''}`);
      const found = [...frames.keys()];
      range = opts.range ?? [found[0], found[found.length - 1]];
      if (opts.fps === undefined) warnings.push('no --fps given for the sequence; using 24');
      fps = opts.fps ?? 24;
    } else {
      if (!existsSync(source) || !statSync(source).isFile()) throw new Error(`${source}: no such video file or frame pattern (patterns look like name.####.png)`);
      sourceKind = 'video';
      sourceText = resolve(source);
      const probe = probeVideo(source);
      if (probe.width * probe.height > (opts.maxMegapixels ?? (await prod.settings()).maxMegapixels) * 1e6) {
        throw new Error(`${source}: video frames are ${probe.width}×${probe.height}, over the pixel limit`);
      }
      sourceHash = sha256File(source);
      const start = opts.range?.[0] ?? 1;
      cleanup = prod.tempDir();
      const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_');
      // A WebM's alpha is a second stream that ffmpeg's own VP8/VP9 decoders drop: libvpx reads it.
      const decoder = probe.alpha && (probe.codec === 'vp9' || probe.codec === 'vp8') ? ['-c:v', probe.codec === 'vp9' ? 'libvpx-vp9' : 'libvpx'] : [];
      runTool('ffmpeg', ['-v', 'error', '-nostdin', ...decoder, '-i', source, '-map', '0:v:0', '-vsync', 'passthrough', '-start_number', String(start),
        join(cleanup, `${safe}.%06d.png`)], `${source}: frame extraction`);
      frames = findSequenceFrames(parseSequencePattern(join(cleanup, `${safe}.######.png`)));
      if (frames.size === 0) throw new Error(`${source}: the video has no decodable frames`);
      const found = [...frames.keys()];
      range = opts.range ?? [start, found[found.length - 1]];
      if (probe.frames !== null && probe.frames !== frames.size) warnings.push(`the container says ${probe.frames} frames but ${frames.size} were decoded`);
      if (opts.fps !== undefined && Math.abs(opts.fps - probe.fps) > 0.01) warnings.push(`--fps ${opts.fps} differs from the video's ${probe.fps.toFixed(3)} fps`);
      fps = opts.fps ?? probe.fps;
    }
    const outsideRange = [...frames.keys()].filter((f) => f < range[0] || f > range[1]);
    for (const f of outsideRange) frames.delete(f);
    // Multi-layer / multi-part EXR: one file per layer (the beauty, each pass), then ingested.
    let origins: Map<number, SplitFrame['origin']> | undefined;
    const passFrames = new Map<string, Map<number, SplitFrame>>();
    const splitRejected: ShotRejection[] = [];
    let headerTimeCode: [number, number, number, number] | null = null;
    if (layered) {
      cleanup = prod.tempDir();
      const split = splitExrFrames(frames, cleanup, { layer: opts.layer, passes: passSel, colour: colour!, colourSpace: shotSpace });
      frames = new Map([...split.rough].map(([f, x]) => [f, x.file]));
      origins = new Map([...split.rough].map(([f, x]) => [f, x.origin]));
      for (const [n, m] of split.passes) passFrames.set(n, m);
      splitRejected.push(...split.rejected);
      headerTimeCode = split.timeCode;
    } else if (isSequencePattern(source) && /\.exr$/i.test(source) && frames.size > 0) {
      try { headerTimeCode = exrParts(frames.values().next().value!)[0]?.timeCode ?? null; } catch { /* validation reports it */ }
    }
    const p2 = (n: number) => String(n).padStart(2, '0');
    const timecode = opts.timecode !== undefined ? formatTimecode(parseTimecode(opts.timecode, fps))
      : headerTimeCode ? `${p2(headerTimeCode[0])}:${p2(headerTimeCode[1])}:${p2(headerTimeCode[2])}:${p2(headerTimeCode[3])}` : null;
    const ingested = await ingestFrames(prod, frames, meta, opts, origins);
    const { ids, summary } = ingested;
    const rejected = [...splitRejected, ...ingested.rejected].sort((a, b) => (a.frame ?? 0) - (b.frame ?? 0));
    summary.rejected += splitRejected.length;
    if (sourceKind === 'video') for (const r of rejected) r.file = `${sourceText} frame ${r.frame}`;
    // A shot without a single rough frame is of no use (and a --replace would empty the shot).
    if (ids.size === 0) {
      const outcome = existing ? `shot ${name} is left as it was` : `shot ${name} was not created`;
      throw new RejectedFramesError(rejected.length
        ? `${sourceText}: none of its ${rejected.length} frame${rejected.length > 1 ? 's' : ''} in the range ${range[0]}-${range[1]} could be read, so ${outcome}: ${listRejections(rejected)}`
        : `${sourceText}: no frame in the range ${range[0]}-${range[1]} (the files are frames ${formatFrames(outsideRange)}), so ${outcome}`, rejected);
    }
    const roughRejected = [...rejected];
    const passRejected: { pass: string; r: ShotRejection }[] = [];
    const passIds = new Map<string, Map<number, number>>();
    for (const [n, m] of passFrames) {
      const keep = new Map([...m].filter(([f]) => ids.has(f)));
      // A multi-part EXR's parts may differ in size: a pass part is checked against its beauty.
      const r = await ingestFrames(prod, new Map([...keep].map(([f, x]) => [f, x.file])), { ...opts.meta, kind: 'render_pass' }, { ...opts, check: passFits(ingested.sizes, null) }, new Map([...keep].map(([f, x]) => [f, x.origin])));
      passIds.set(n, r.ids);
      rejected.push(...r.rejected);
      passRejected.push(...r.rejected.map((x) => ({ pass: n, r: x })));
    }

    const shotId = await prod.transaction(async (trx) => {
      const now = nowIso();
      const again = await shotRow(trx, name);
      if (again && !opts.replace) throw new Error(`shot ${name} already exists (use --replace to re-import its rough frames)`);
      if (again) {
        // A replace drops the shot's rough frames (and the passes it re-imports): where the new file
        // was rejected, what the shot has would be lost, so nothing is replaced.
        const hadFrames = new Set((await trx.selectFrom('shot_frames').select('frame').where('shot_id', '=', again.id).execute()).map((r) => r.frame));
        const hadPasses = new Set((await trx.selectFrom('shot_passes').select(['name', 'frame']).where('shot_id', '=', again.id).execute()).map((p) => `${p.name} ${p.frame}`));
        const had = (pass: string | null, frame: number | null) => frame !== null && (pass === null
          ? hadFrames.has(frame) || [...passIds.keys()].some((n) => hadPasses.has(`${n} ${frame}`))
          : hadPasses.has(`${pass} ${frame}`));
        const lost = [...roughRejected.filter((r) => had(null, r.frame)), ...passRejected.filter((x) => had(x.pass, x.r.frame)).map((x) => x.r)];
        if (lost.length) {
          throw new RejectedFramesError(`${sourceText}: the new file${lost.length > 1 ? 's' : ''} of ${lost.length} frame${lost.length > 1 ? 's' : ''} of shot ${name} could not be read, so the shot is left as it was (the replace would drop what it has there; the frames read are stored: fix the others and run it again): ${listRejections(lost)}`, rejected);
        }
      }
      const values = { source_kind: sourceKind, source: sourceText, source_hash: sourceHash, frame_start: range[0], frame_end: range[1], fps, width: null, height: null, color_space: shotSpace, timecode, updated_at: now };
      let id: number;
      if (again) {
        id = again.id;
        await trx.updateTable('shots').set(values).where('id', '=', id).execute();
        await trx.deleteFrom('shot_frames').where('shot_id', '=', id).execute();
        for (const n of passIds.keys()) await trx.deleteFrom('shot_passes').where('shot_id', '=', id).where('name', '=', n).execute();
      } else {
        id = (await trx.insertInto('shots').values({ name, ...values, created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
      }
      for (const [frame, assetId] of ids) await trx.insertInto('shot_frames').values({ shot_id: id, frame, asset_id: assetId }).execute();
      for (const [n, m] of passIds) for (const [frame, assetId] of m) await trx.insertInto('shot_passes').values({ shot_id: id, frame, name: n, asset_id: assetId }).execute();
      // The shot's resolution is the most common one among its frames.
      const sizes = await trx.selectFrom('shot_frames').innerJoin('assets', 'assets.id', 'shot_frames.asset_id')
        .select(['assets.width', 'assets.height']).where('shot_frames.shot_id', '=', id).execute();
      const count = new Map<string, number>();
      for (const s of sizes) count.set(`${s.width}x${s.height}`, (count.get(`${s.width}x${s.height}`) ?? 0) + 1);
      const top = [...count].sort((a, b) => b[1] - a[1])[0];
      if (top) {
        const [w, h] = top[0].split('x').map(Number);
        await trx.updateTable('shots').set({ width: w, height: h }).where('id', '=', id).execute();
      }
      return id;
    });
    void shotId;
    return { shot: await getShot(prod, name), ingest: summary, rejected, outsideRange, warnings };
  } finally {
    if (cleanup) rmSync(cleanup, { recursive: true, force: true });
  }
}

export interface PassReport { shot: Shot; pass: string; linked: number; ingest: ReturnType<typeof summarize>; rejected: ShotRejection[]; outsideRange: number[]; missing: number[]; mismatched: Mismatch[] }

/** Render pass frames (pattern) for a shot, e.g. name "depth", "shots/sh010/depth.####.exr". */
export async function addShotPass(prod: Production, shotName: string, passName: string, pattern: string, opts: { meta?: Omit<IngestMeta, 'kind'>; maxMegapixels?: number; onResult?: (r: IngestResult) => void } = {}): Promise<PassReport> {
  checkName('render pass', passName);
  const row = await shotRow(prod.db, shotName);
  if (!row) throw new Error(`no shot named ${shotName}`);
  const p: SequencePattern = parseSequencePattern(pattern);
  const frames = findSequenceFrames(p);
  if (frames.size === 0) throw new Error(`${pattern}: no files match this frame pattern in ${p.dir}`);
  const outsideRange = [...frames.keys()].filter((f) => f < row.frame_start || f > row.frame_end);
  for (const f of outsideRange) frames.delete(f);
  const rough = await prod.db.selectFrom('shot_frames').innerJoin('assets', 'assets.id', 'shot_frames.asset_id')
    .select(['shot_frames.frame', 'assets.width', 'assets.height']).where('shot_frames.shot_id', '=', row.id).execute();
  const check = passFits(new Map(rough.map((r) => [r.frame, r])), row.width !== null && row.height !== null ? { width: row.width, height: row.height } : null);
  const { ids, rejected, summary } = await ingestFrames(prod, frames, { ...opts.meta, kind: 'render_pass' }, { ...opts, check });
  await prod.transaction(async (trx) => {
    for (const [frame, assetId] of ids) {
      await trx.insertInto('shot_passes').values({ shot_id: row.id, frame, name: passName, asset_id: assetId })
        .onConflict((oc) => oc.columns(['shot_id', 'frame', 'name']).doUpdateSet({ asset_id: assetId })).execute();
      // Keep the pairs of painted keyframes on this frame in step.
      const kf = await trx.selectFrom('shot_keyframes').select('pair_id').where('shot_id', '=', row.id).where('frame', '=', frame).executeTakeFirst();
      if (kf?.pair_id) {
        await trx.insertInto('pair_passes').values({ pair_id: kf.pair_id, name: passName, asset_id: assetId })
          .onConflict((oc) => oc.columns(['pair_id', 'name']).doUpdateSet({ asset_id: assetId })).execute();
      }
    }
  });
  const shot = await getShot(prod, shotName);
  return {
    shot, pass: passName, linked: ids.size, ingest: summary, rejected, outsideRange,
    missing: shot.missingPasses[passName] ?? [],
    mismatched: shot.mismatched.filter((m) => m.what === `pass ${passName}`),
  };
}

export interface KeyframeResult { file: string; frame: number | null; status: 'linked' | 'rejected'; assetId?: number; pairId?: number | null; reason?: string; warnings?: string[] }

/** Painted keyframes: the frame number comes from opts.frame or the last number in the file name. */
export async function addShotKeyframes(prod: Production, shotName: string, files: string[], opts: { frame?: number; meta?: Omit<IngestMeta, 'kind'>; maxMegapixels?: number } = {}): Promise<{ shot: Shot; keyframes: KeyframeResult[] }> {
  const row = await shotRow(prod.db, shotName);
  if (!row) throw new Error(`no shot named ${shotName}`);
  if (opts.frame !== undefined && files.length !== 1) throw new Error('--frame applies to a single keyframe file');
  const session = await IngestSession.start(prod, { maxMegapixels: opts.maxMegapixels });
  const out: KeyframeResult[] = [];
  for (const file of files) {
    let frame: number | null = opts.frame ?? null;
    if (frame === null) {
      const nums = basename(file).match(/\d+/g);
      frame = nums ? Number(nums[nums.length - 1]) : null;
    }
    if (frame === null) { out.push({ file, frame, status: 'rejected', reason: 'no frame number in the file name (use --frame N)' }); continue; }
    if (frame < row.frame_start || frame > row.frame_end) { out.push({ file, frame, status: 'rejected', reason: `frame ${frame} is outside shot ${shotName} (${row.frame_start}-${row.frame_end})` }); continue; }
    const r = await session.ingest(file, { ...opts.meta, kind: 'keyframe' });
    if (r.status === 'rejected') { out.push({ file: r.file, frame, status: 'rejected', reason: r.reason }); continue; }
    const assetId = r.asset.id;
    const f = frame;
    const res = await prod.transaction(async (trx) => {
      const rough = await trx.selectFrom('shot_frames').select('asset_id').where('shot_id', '=', row.id).where('frame', '=', f).executeTakeFirst();
      let pairId: number | null = null;
      let warnings: string[] = [];
      if (rough) {
        const passes = await trx.selectFrom('shot_passes').select(['name', 'asset_id']).where('shot_id', '=', row.id).where('frame', '=', f).execute();
        const link = await linkPair(prod, assetId, rough.asset_id, Object.fromEntries(passes.map((p) => [p.name, p.asset_id])), trx);
        pairId = link.id;
        warnings = link.warnings;
      } else warnings.push(`shot ${shotName} has no rough frame ${f}, so this keyframe is not paired`);
      await trx.insertInto('shot_keyframes').values({ shot_id: row.id, frame: f, asset_id: assetId, pair_id: pairId })
        .onConflict((oc) => oc.columns(['shot_id', 'frame']).doUpdateSet({ asset_id: assetId, pair_id: pairId })).execute();
      return { pairId, warnings };
    });
    out.push({ file: r.file, frame, status: 'linked', assetId, pairId: res.pairId, warnings: res.warnings });
  }
  return { shot: await getShot(prod, shotName), keyframes: out };
}

/**
 * Takes painted keyframes off a shot: its renders and keyframe trainings stop using them. The images,
 * their pairs and whatever was trained on them stay (lineage); attaching a keyframe again relinks it.
 */
export async function removeShotKeyframes(prod: Production, shotName: string, frames: readonly number[]): Promise<{ shot: Shot; removed: number[]; notKeyframes: number[] }> {
  const row = await shotRow(prod.db, shotName);
  if (!row) throw new Error(`no shot named ${shotName}`);
  const removed = await prod.transaction(async (trx) => {
    const keyed = new Set((await trx.selectFrom('shot_keyframes').select('frame').where('shot_id', '=', row.id).execute()).map((r) => r.frame));
    const gone = frames.filter((f) => keyed.has(f));
    if (gone.length) await trx.deleteFrom('shot_keyframes').where('shot_id', '=', row.id).where('frame', 'in', gone).execute();
    return gone;
  });
  return { shot: await getShot(prod, shotName), removed, notKeyframes: frames.filter((f) => !removed.includes(f)) };
}

export async function getShot(prod: Production, name: string): Promise<Shot> {
  const row = await shotRow(prod.db, name);
  if (!row) throw new Error(`no shot named ${name}`);
  const assetCols = ['assets.id', 'assets.hash', 'assets.source_path', 'assets.width', 'assets.height', 'assets.format', 'assets.bit_depth'] as const;
  const toFA = (a: { id: number; hash: string; source_path: string; width: number; height: number; format: string; bit_depth: number }): FrameAsset =>
    ({ id: a.id, hash: a.hash, path: prod.store.pathFor(a.hash), sourcePath: a.source_path, width: a.width, height: a.height, format: a.format, bitDepth: a.bit_depth });
  const rough = await prod.db.selectFrom('shot_frames').innerJoin('assets', 'assets.id', 'shot_frames.asset_id')
    .select(['shot_frames.frame', ...assetCols]).where('shot_frames.shot_id', '=', row.id).execute();
  const passes = await prod.db.selectFrom('shot_passes').innerJoin('assets', 'assets.id', 'shot_passes.asset_id')
    .select(['shot_passes.frame', 'shot_passes.name', ...assetCols]).where('shot_passes.shot_id', '=', row.id).execute();
  const keys = await prod.db.selectFrom('shot_keyframes').innerJoin('assets', 'assets.id', 'shot_keyframes.asset_id')
    .select(['shot_keyframes.frame', 'shot_keyframes.pair_id', ...assetCols]).where('shot_keyframes.shot_id', '=', row.id).execute();
  const range: [number, number] = [row.frame_start, row.frame_end];
  const roughBy = new Map(rough.map((r) => [r.frame, toFA(r)]));
  const keyBy = new Map(keys.map((k) => [k.frame, { fa: toFA(k), pairId: k.pair_id }]));
  const passBy = new Map<number, Record<string, FrameAsset>>();
  const passNames = [...new Set(passes.map((p) => p.name))].sort();
  for (const p of passes) (passBy.get(p.frame) ?? passBy.set(p.frame, {}).get(p.frame)!)[p.name] = toFA(p);
  const frames: ShotFrame[] = rangeFrames(range).map((frame) => ({
    frame, rough: roughBy.get(frame) ?? null, passes: passBy.get(frame) ?? {}, keyframe: keyBy.get(frame)?.fa ?? null, pairId: keyBy.get(frame)?.pairId ?? null,
  }));
  const missing = frames.filter((f) => !f.rough).map((f) => f.frame);
  const missingPasses: Record<string, number[]> = {};
  for (const n of passNames) missingPasses[n] = frames.filter((f) => f.rough && !f.passes[n]).map((f) => f.frame);
  const mismatched: Mismatch[] = [];
  const expect = row.width !== null ? `${row.width}×${row.height}` : null;
  for (const f of frames) {
    if (f.rough && expect && `${f.rough.width}×${f.rough.height}` !== expect) {
      mismatched.push({ frame: f.frame, what: 'rough', reason: `rough frame is ${f.rough.width}×${f.rough.height}, the shot is ${expect}` });
    }
    const ref = f.rough ? `${f.rough.width}×${f.rough.height}` : expect;
    for (const [n, p] of Object.entries(f.passes)) {
      if (ref && `${p.width}×${p.height}` !== ref) mismatched.push({ frame: f.frame, what: `pass ${n}`, reason: `render pass ${n} is ${p.width}×${p.height}, the rough frame is ${ref}` });
    }
    if (f.keyframe && ref && `${f.keyframe.width}×${f.keyframe.height}` !== ref) {
      mismatched.push({ frame: f.frame, what: 'keyframe', reason: `keyframe is ${f.keyframe.width}×${f.keyframe.height}, the rough frame is ${ref}` });
    }
  }
  return {
    id: row.id, name: row.name, sourceKind: row.source_kind as Shot['sourceKind'], source: row.source, sourceHash: row.source_hash,
    range, fps: row.fps, width: row.width, height: row.height, passNames, colorSpace: row.color_space ?? null, timecode: row.timecode ?? null, frames, missing, missingPasses, mismatched,
    keyframes: [...keyBy.keys()].sort((a, b) => a - b), createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

export async function listShots(prod: Production): Promise<{ id: number; name: string; range: [number, number]; fps: number; frames: number; keyframes: number; sourceKind: string }[]> {
  const rows = (await prod.db.selectFrom('shots').selectAll().execute()).sort((x, y) => compareText(x.name, y.name));
  const out = [];
  for (const r of rows) {
    const { n } = await prod.db.selectFrom('shot_frames').select((eb) => eb.fn.countAll<number>().as('n')).where('shot_id', '=', r.id).executeTakeFirstOrThrow();
    const { k } = await prod.db.selectFrom('shot_keyframes').select((eb) => eb.fn.countAll<number>().as('k')).where('shot_id', '=', r.id).executeTakeFirstOrThrow();
    out.push({ id: r.id, name: r.name, range: [r.frame_start, r.frame_end] as [number, number], fps: r.fps, frames: Number(n), keyframes: Number(k), sourceKind: r.source_kind });
  }
  return out;
}
