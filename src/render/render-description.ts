// A render described once: which shot and frames, with which model and upscaler (pinned to
// versions), at which quality, coherence, tiling and bit depth, into which version folder. The CLI,
// the dailies' render job and the farm each build one with describeRender (every check happens
// there, before any work) and then render it here or split it into farm chunks. It is plain JSON:
// it crosses to worker threads and farm machines as it is. frameLineage is the one place a rendered
// frame's lineage record is derived, for frames rendered now and for frames a farm finish repairs.
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { statSync } from 'node:fs';
import type { Production, Shot } from '../store/index.js';
import { checkModelWorkingSpace, type LookModel } from '../models/look/model-file.js';
import type { TilingOptions } from '../models/look/stylize.js';
import type { InferencePrecision } from '../models/look/generator.js';
import { DEFAULT_ENSEMBLE, type UpscaleEnsemble, type UpscaleModel } from '../models/upscale/index.js';
import { DEFAULT_STROKES, type StrokeOptions } from '../synth/stroke-sequence.js';
import { strokeOptionsFor } from '../synth/stroke-defaults.js';
import { DEFAULT_COHERENCE, chooseCoherence, isCoherenceOptions, preRoll, type CoherenceOptions, type CoherenceChoice } from './coherence.js';
import { MOTION_PASS } from './motion-pass.js';
import { resolveLookModel, resolveRenderUpscaler } from './model-ref.js';
import { claimShotVersion } from './version-dir.js';
import { productionColour } from '../store/colour-settings.js';
import { outputSpace } from './frame-io.js';
import { keyframeHashes, shotKeyframePairs, type ShotKeyframePairs } from './keyframe-exemplars.js';
import { checkLookWidth } from './look-grid.js';

export type RenderQuality = 'preview' | 'final';
/** png: 8/16-bit in the production's image colour space (or a chosen one; the default); exr: half float, with alpha. */
export type RenderFormat = 'png' | 'exr';
export const RENDER_FORMATS: readonly RenderFormat[] = ['png', 'exr'];

/** The upscaler of a render, pinned: `model` is a version number (or a file, local renders only). */
export interface PinnedUpscale { model: string; scale: number; passes: UpscaleEnsemble; tile?: number }

export interface RenderDescription {
  shot: string;
  /** Frames written, inclusive. */
  range: [number, number];
  /** The shot's whole range: the pre-roll before `range` (coherence) stays inside it. */
  shotRange: [number, number];
  /** The look model's version; null for a model file (local renders only: nothing is recorded). */
  modelVersion: number | null;
  /** The model file when modelVersion is null. */
  modelFile?: string;
  bits: 8 | 16;
  format: RenderFormat;
  /** The frames' colour space (the config's own name): EXR always; PNG only when chosen (absent:
   *  the production's image_color_space). */
  colorSpace?: string;
  /** The shot's pass that cuts the frames out (their alpha); absent: none. */
  matte?: string;
  coherence: CoherenceOptions | null;
  quality: RenderQuality;
  /** Stroke-stage overrides for quality final. */
  strokes?: Partial<StrokeOptions>;
  /** JSON-safe: "never tile" is Number.MAX_SAFE_INTEGER, not Infinity. */
  tiling: TilingOptions;
  /** The look model runs on wider frames downscaled (look-grid.ts; a preview its blend too); 0: full size; absent: the default. */
  lookWidth?: number;
  upscale: PinnedUpscale | null;
  /** The version folder, relative to the production (machines mount it at their own path). */
  outDir: string;
  /** What the render reads of its shot when it was described (renderInputs); absent in descriptions of older builds. */
  inputs?: RenderInputs;
}

/**
 * Fingerprints of what a render reads of its shot: every frame's rough frame and the passes it
 * reads, and (final quality) the painted keyframes that anchor its strokes and join its exemplars.
 * Farm chunks run later than the render was described, on other machines: a chunk whose shot
 * changed meanwhile (a keyframe painted, a pass replaced) would not match the frames of the chunks
 * before it, so it refuses to render (checkRenderInputs) rather than mix two states of the shot.
 */
export interface RenderInputs { frames: string; keyframes: string | null }

const fingerprint = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 32);

/** The shot's render inputs now; `keys` the keyframe pairs a final render takes as exemplars (null: preview or a model file). */
export async function renderInputs(prod: Production, shot: Shot, s: { guides: readonly { name: string }[]; matte?: string | null; motion: boolean; quality: RenderQuality; modelVersion: number | null }): Promise<{ inputs: RenderInputs; keys: ShotKeyframePairs | null }> {
  const passes = [...s.guides.map((g) => g.name), ...(s.motion ? [MOTION_PASS] : []), ...(s.matte ? [s.matte] : [])];
  const frames = fingerprint(shot.frames.map((f) => [f.frame, f.rough?.hash ?? null, passes.map((n) => f.passes[n]?.hash ?? null)]));
  if (s.quality !== 'final' || s.modelVersion === null) return { inputs: { frames, keyframes: null }, keys: null };
  const keys = await shotKeyframePairs(prod, shot, s.modelVersion);
  const anchors = shot.frames.filter((f) => f.keyframe).map((f) => [f.frame, f.pairId, f.keyframe!.hash]);
  return { inputs: { frames, keyframes: fingerprint({ anchors, exemplars: keyframeHashes(keys.pairs), uncleared: keys.uncleared }) }, keys };
}

/** Refuses a render whose shot changed since it was described (see RenderInputs), naming what changed. */
export function checkRenderInputs(shot: string, described: RenderInputs, now: RenderInputs): void {
  const changed = [
    ...(described.frames !== now.frames ? ['rough frames or render passes'] : []),
    ...(described.keyframes !== now.keyframes ? ['painted keyframes (or their rights)'] : []),
  ];
  if (changed.length) {
    throw new Error(`shot ${shot}'s ${changed.join(' and ')} changed after this render was described: its frames would not match those rendered before the change; render the shot again (a new version)`);
  }
}

/** What a front end asks for; describeRender checks it and fills in the defaults. */
export interface RenderRequest {
  shot: string;
  range?: [number, number];
  /** A version number or a model file; default: the shot's default look model (model-ref.ts). */
  model?: string;
  bits?: number;
  /** png (default) or exr. */
  format?: string;
  /** Output colour space (EXR default: the production's exr_color_space; PNG default: its image_color_space). */
  colorSpace?: string;
  /** A pass of the shot that becomes the frames' alpha (PNG RGBA straight, EXR premultiplied). */
  matte?: string;
  /** null: frame by frame; a choice (or nothing): resolved on the shot (coherence.ts chooseCoherence). */
  coherence?: CoherenceOptions | CoherenceChoice | null;
  quality?: string;
  strokes?: Partial<StrokeOptions>;
  tiling?: TilingOptions;
  /** As RenderDescription.lookWidth. */
  lookWidth?: number;
  upscale?: { model?: string; scale?: number; passes?: UpscaleEnsemble; tile?: number } | null;
  /** An existing version folder (absolute or relative to the production); default: the next vNNN. */
  outDir?: string;
  /** Renders that leave this machine (farm, dailies) need versions, not files. */
  versionsOnly?: boolean;
}

/** The one frame-range check: inclusive, ordered, inside the shot. */
export function checkFrameRange(shot: { name: string; range: [number, number] }, range: [number, number]): void {
  const [a, b] = range;
  if (!Number.isInteger(a) || !Number.isInteger(b) || a > b || a < shot.range[0] || b > shot.range[1]) {
    throw new Error(`frame range ${a}-${b} is outside shot ${shot.name} (${shot.range[0]}-${shot.range[1]})`);
  }
}

/** Tiling as JSON can carry it (JSON has no Infinity, the "never tile" of --tile 0). */
export function jsonSafeTiling(t: TilingOptions): TilingOptions {
  return t.tileAbove === Infinity ? { ...t, tileAbove: Number.MAX_SAFE_INTEGER } : { ...t };
}

/** Checks that the shot has every rough frame and pass the render reads, before any work. */
export function checkShotInputs(shot: Shot, range: [number, number], guides: readonly { name: string }[], coherence: CoherenceOptions | null): void {
  const need = shot.frames.filter((f) => f.frame >= range[0] && f.frame <= range[1]);
  const missing: number[] = [];
  for (let n = range[0]; n <= range[1]; n++) if (!need.find((f) => f.frame === n && f.rough)) missing.push(n);
  if (missing.length) throw new Error(`shot ${shot.name} has no rough frame for frame${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  checkGuidePasses(shot.name, need, guides);
  if (coherence?.motion) {
    const without = need.filter((f) => !f.passes[MOTION_PASS]).map((f) => f.frame);
    if (without.length) throw new Error(`shot ${shot.name} has no ${MOTION_PASS} pass on frame${without.length > 1 ? 's' : ''} ${without.join(', ')}: coherence from motion vectors needs one on every frame (or render with computed flow)`);
  }
}

/** Checks that every frame of the range has the matte pass. */
export function checkMatte(shot: Shot, range: [number, number], matte: string): void {
  if (typeof matte !== 'string' || matte === '') throw new Error(`a matte is the name of one of the shot's passes, got ${JSON.stringify(matte)}`);
  const need = shot.frames.filter((f) => f.frame >= range[0] && f.frame <= range[1]);
  const without = need.filter((f) => !f.passes[matte]).map((f) => f.frame);
  if (without.length === need.length) throw new Error(`shot ${shot.name} has no pass "${matte}" to use as a matte (its passes: ${shot.passNames.join(', ') || 'none'})`);
  if (without.length) throw new Error(`shot ${shot.name} has no "${matte}" pass (the matte) on frame${without.length > 1 ? 's' : ''} ${without.join(', ')}`);
}

/**
 * Checks a render request and pins it: the look model and upscaler resolved to versions (whatever
 * is trained meanwhile, every chunk renders with these), the output version folder claimed. Returns
 * the loaded look model too (the caller renders with it or disposes it).
 */
export async function describeRender(prod: Production, r: RenderRequest): Promise<{ description: RenderDescription; model: LookModel }> {
  if (r.bits !== undefined && r.bits !== 8 && r.bits !== 16) throw new Error(`bits must be 8 or 16, got ${String(r.bits)}`);
  const format = (r.format ?? 'png') as RenderFormat;
  if (!RENDER_FORMATS.includes(format)) throw new Error(`render format must be png or exr, got ${String(r.format)}`);
  if (format === 'exr' && r.bits === 16) throw new Error('bits 8 or 16 are PNG depths; EXR frames are half float (leave bits out)');
  const quality = r.quality ?? 'preview';
  if (quality !== 'preview' && quality !== 'final') throw new Error(`render quality must be preview or final, got ${String(quality)}`);
  if (r.lookWidth !== undefined) checkLookWidth(r.lookWidth);
  if (r.versionsOnly && r.model !== undefined && !/^\d+$/.test(r.model)) throw new Error('this render needs a model version number (workers load the model by its version), not a file');
  if (r.versionsOnly && r.upscale?.model !== undefined && !/^\d+$/.test(r.upscale.model)) throw new Error('this render needs an upscaler version number (workers load it by its version), not a file');
  const shot = await prod.shot(r.shot);
  const range = r.range ?? shot.range;
  checkFrameRange(shot, range);
  const colour = await productionColour(prod);
  const colorSpace = outputSpace(colour, format, r.colorSpace);
  const coherence = r.coherence === null ? null : r.coherence && isCoherenceOptions(r.coherence) ? r.coherence : chooseCoherence(shot.frames, MOTION_PASS, r.coherence ?? {});
  const { model, version, path } = await resolveLookModel(prod, r.model, { shot: shot.name });
  try {
    checkModelWorkingSpace(model, colour, version !== null ? `look model #${version}` : `look model ${path}`);
    if (quality === 'final' && version === null) throw new Error('final quality takes strokes from the model version\'s painted training pairs: give a model version, not a model file');
    // Pre-roll frames are read too (blended, not written).
    const from = Math.max(shot.range[0], range[0] - preRoll(coherence ?? { ...DEFAULT_COHERENCE, window: 0 }));
    checkShotInputs(shot, [from, range[1]], model.config.guides, coherence);
    if (r.matte !== undefined) checkMatte(shot, range, r.matte);
    let upscale: PinnedUpscale | null = null;
    if (r.upscale) {
      const u = await resolveRenderUpscaler(prod, r.upscale);
      u.model.net.dispose();
      upscale = { model: u.version !== null ? String(u.version) : u.path, scale: u.model.config.scale, passes: r.upscale.passes ?? DEFAULT_ENSEMBLE, ...(r.upscale.tile !== undefined ? { tile: r.upscale.tile } : {}) };
    }
    // Inside the production: relative (the production can move); an --output elsewhere stays absolute.
    // Without one, the shot's next version is claimed: its record and its folder vNNN.
    if (r.outDir !== undefined) checkOutputFolder(resolve(prod.dir, r.outDir));
    const outDir = r.outDir !== undefined ? productionRelative(prod, r.outDir) : relative(prod.dir, (await claimShotVersion(prod, shot.name, { modelVersion: version, quality })).folder);
    const { inputs } = await renderInputs(prod, shot, { guides: model.config.guides, matte: r.matte, motion: !!coherence?.motion, quality, modelVersion: version });
    const description: RenderDescription = {
      shot: shot.name, range, shotRange: shot.range, modelVersion: version, ...(version === null ? { modelFile: path } : {}),
      bits: (r.bits ?? 8) as 8 | 16, format, ...(colorSpace ? { colorSpace } : {}), ...(r.matte !== undefined ? { matte: r.matte } : {}), coherence, quality, ...(r.strokes ? { strokes: r.strokes } : {}),
      tiling: jsonSafeTiling(r.tiling ?? {}), ...(r.lookWidth !== undefined ? { lookWidth: r.lookWidth } : {}), upscale, outDir, inputs,
    };
    return { description, model };
  } catch (err) {
    model.generator.dispose();
    throw err;
  }
}

/** A folder relative to the production when it lies inside it, else absolute. */
export function productionRelative(prod: Production, dir: string): string {
  const abs = resolve(prod.dir, dir);
  const rel = relative(prod.dir, abs);
  return !rel || rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
}

/** What a rendered frame's lineage depends on besides the frame: resolved stroke and upscaler settings. */
export interface FrameLineageSettings {
  shot: string;
  bits: 8 | 16;
  coherence: CoherenceOptions | null;
  /** The stroke stage's resolved options (quality final), else null. */
  strokes: StrokeOptions | null;
  /** The upscaler as recorded: its version (or file), scale and ensemble passes. */
  upscale: { model: number | string; scale: number; passes: UpscaleEnsemble } | null;
  /** EXR frames, or PNG frames in a chosen colour space, and that space; null or absent: PNG in
   *  the image colour space (recorded as before, no keys added). */
  output?: { format: RenderFormat; colorSpace: string } | null;
  /** The pass that cut the frames out; null or absent: none (no key added). */
  matte?: string | null;
  /** The look model's precision (models/look/stylize.ts modelPrecision); float32 or absent: no key added, as before. */
  precision?: InferencePrecision | null;
  /** The paintings' hashes of the shot's keyframes the strokes took besides the model's dataset (keyframe-exemplars.ts); none: no key added. */
  keyframes?: readonly string[] | null;
  /** The look model run downscaled (render/look-grid.ts): that grid as [height, width]; full size: no key added. */
  lookGrid?: readonly [number, number] | null;
}

/** The stroke options a final render resolves (defaults, the shot's and the model's settings, overrides). */
export async function resolvedStrokes(prod: Production, modelVersion: number, shot: string, coherence: CoherenceOptions | null, overrides: Partial<StrokeOptions> | undefined): Promise<StrokeOptions> {
  return { ...DEFAULT_STROKES, ...(coherence ? {} : { anchorEvery: 1 }), ...(await strokeOptionsFor(prod, modelVersion, shot, overrides ?? {})) };
}

/** The upscaler as a frame's lineage records it. */
export function upscaleLineage(u: { model: UpscaleModel; version: number | null; path: string }, passes: UpscaleEnsemble | undefined): FrameLineageSettings['upscale'] {
  return { model: u.version ?? u.path, scale: u.model.config.scale, passes: passes ?? DEFAULT_ENSEMBLE };
}

/** The one derivation of a rendered frame's lineage record (its params; key order is kept). */
export function frameLineage(s: FrameLineageSettings, frame: number): Record<string, unknown> {
  return {
    shot: s.shot, frame, bits: s.bits, coherence: s.coherence,
    ...(s.strokes ? { quality: 'final', strokes: s.strokes } : {}),
    ...(s.strokes && s.keyframes?.length ? { keyframes: s.keyframes } : {}),
    ...(s.upscale ? { upscale: s.upscale } : {}),
    ...(s.output ? { format: s.output.format, colorSpace: s.output.colorSpace } : {}),
    ...(s.matte ? { matte: s.matte } : {}),
    ...(s.precision === 'bfloat16' ? { precision: s.precision } : {}),
    ...(s.lookGrid ? { lookGrid: { height: s.lookGrid[0], width: s.lookGrid[1] } } : {}),
  };
}

/** A rendered frame's input hashes as its lineage records them: the rough frame, the model's guides, the matte. */
export function frameInputHashes(f: { rough: { hash: string } | null; passes: Record<string, { hash: string }> }, guides: readonly { name: string }[], matte?: string | null): Record<string, string> {
  return { rough: f.rough!.hash, ...Object.fromEntries(guides.map((g) => [g.name, f.passes[g.name]!.hash])), ...(matte ? { [matte]: f.passes[matte]!.hash } : {}) };
}

/** The output part of a frame's lineage: EXR frames, and PNG frames in a chosen colour space, name
 *  their format and colour space; PNG frames in the image colour space add nothing (as before). */
export function outputLineage(format: RenderFormat | undefined, colorSpace: string | undefined): FrameLineageSettings['output'] {
  if (format !== 'exr') return colorSpace ? { format: 'png', colorSpace } : null;
  if (!colorSpace) throw new Error('an EXR render needs its output colour space');
  return { format, colorSpace };
}

/** Every frame has the passes the model reads; else an error naming, per frame, the ones it lacks. */
export function checkGuidePasses(shot: string, frames: readonly { frame: number; passes: Record<string, unknown> }[], guides: readonly { name: string }[]): void {
  const byMissing = new Map<string, number[]>();
  for (const f of frames) {
    const lacks = guides.filter((g) => !f.passes[g.name]).map((g) => g.name).join(', ');
    if (lacks) byMissing.set(lacks, [...(byMissing.get(lacks) ?? []), f.frame]);
  }
  if (byMissing.size === 0) return;
  const what = [...byMissing].map(([lacks, fs]) => `${lacks} on frame${fs.length > 1 ? 's' : ''} ${fs.join(', ')}`).join('; ');
  throw new Error(`shot ${shot} lacks render passes this model needs (${guides.map((g) => g.name).join(', ')}): ${what}`);
}

/** An output folder given by the user: it, or the nearest part of its path that exists, must be a folder. */
function checkOutputFolder(dir: string): void {
  for (let p = dir; ; p = dirname(p)) {
    let st;
    try { st = statSync(p); } catch { if (dirname(p) === p) return; continue; }
    if (!st.isDirectory()) throw new Error(`output folder ${dir}: ${p === dir ? 'it exists and is not a folder' : `${p} is not a folder`}`);
    return;
  }
}

/** The description as renderShotFrames options (the model is passed alongside; outDir made absolute by the caller). */
export function renderOptionsOf(d: RenderDescription): { range: [number, number]; bits: 8 | 16; format: RenderFormat; colorSpace?: string; matte?: string; coherence: CoherenceOptions | null; quality: RenderQuality; strokes?: Partial<StrokeOptions>; tiling: TilingOptions; lookWidth?: number; upscale?: PinnedUpscale & { scale: 2 | 4 }; inputs?: RenderInputs } {
  return {
    ...(d.inputs ? { inputs: d.inputs } : {}), range: d.range, bits: d.bits, format: d.format, ...(d.colorSpace ? { colorSpace: d.colorSpace } : {}), ...(d.matte !== undefined ? { matte: d.matte } : {}), coherence: d.coherence, quality: d.quality, ...(d.strokes ? { strokes: d.strokes } : {}), tiling: d.tiling,
    ...(d.lookWidth !== undefined ? { lookWidth: d.lookWidth } : {}),
    ...(d.upscale ? { upscale: { ...d.upscale, scale: d.upscale.scale as 2 | 4 } } : {}),
  };
}
