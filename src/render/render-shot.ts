// Rendering a shot through a look model: frames written atomically as <shot>.####.png (or .exr:
// half float in the output colour space, with the rough frame's alpha) with a lineage record each, temporal coherence by windowed flow-guided blending (see coherence.ts),
// any frame range on its own (pre-roll frames are computed, not written), resumable (frames already
// written are kept), a coherence.json of per-frame warping errors next to the frames, and large
// frames through the generator in tiles (see stylize.ts). writeShotMovie makes the preview movie
// of a complete version folder.
import { frameNumber } from '../store/sequence-pattern.js';
import { basename, join } from 'node:path';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { colourSpace, SPACE, type ColourContext } from '../data/colour.js';
import { productionColour } from '../store/colour-settings.js';
import * as E from '../engine/index.js';
import { latestRenderAt, type Production, type ShotFrame } from '../store/index.js';
import { checkModelWorkingSpace, type LookModel } from '../models/look/model-file.js';
import { stylizeTensor, modelPrecision, DEFAULT_TILING, type TilingOptions } from '../models/look/stylize.js';
import { loadImage } from '../data/image-io.js';
import { loadRough, writeFrame, outputSpace, frameTimeCode, frameComplete, type RoughFrame } from './frame-io.js';
import { writeMoviePngs } from './movie-frames.js';
import { writeFileAtomic } from '../util/atomic.js';
import { TemporalBlender, DEFAULT_COHERENCE, defaultCoherence, preRoll, type CoherenceOptions } from './coherence.js';
import { writeMovie, type MovieCodec, type MovieResult } from './movie.js';
import { holdExemplarBank } from '../synth/exemplar-bank.js';
import { keyframeHashes } from './keyframe-exemplars.js';
import { StrokeSequence, DEFAULT_STROKES, type StrokeOptions } from '../synth/stroke-sequence.js';
import { strokeOptionsFor } from '../synth/stroke-defaults.js';
import { DEFAULT_SYNTH } from '../synth/synthesize.js';
import { dropState, type CarryOver } from './carry-over.js';
import { MOTION_PASS, MotionMemo, decodeMotionPass, type MotionVectors } from './motion-pass.js';
import { upscaleImage, DEFAULT_ENSEMBLE, type UpscaleEnsemble } from '../models/upscale/index.js';
import { resolveRenderUpscaler } from './model-ref.js';
import { lookFactor, lookSize, toLookGrid, motionToLookGrid, fromLookGrid, checkLookWidth } from './look-grid.js';

/** preview: the look model (+ blend); final: + the production's brush strokes (src/synth). */
export type { RenderQuality } from './render-description.js';
import { checkFrameRange, checkGuidePasses, checkMatte, checkRenderInputs, frameInputHashes, frameLineage, outputLineage, renderInputs, upscaleLineage, RENDER_FORMATS, type RenderFormat, type RenderInputs, type RenderQuality } from './render-description.js';

export interface RenderShotOptions {
  outDir: string;
  /** Inclusive frame range; default the whole shot. */
  range?: [number, number];
  bits?: 8 | 16;
  /** png (default) or exr (half float, ZIP, alpha when the rough frame has one). */
  format?: RenderFormat;
  /** The frames' colour space (EXR default: the production's exr_color_space; PNG: its image_color_space). */
  colorSpace?: string;
  /** A pass of the shot that cuts the frames out: it becomes their alpha (PNG RGBA straight, EXR premultiplied). */
  matte?: string;
  /** Flow-guided blending; null renders every frame on its own. */
  coherence?: CoherenceOptions | null;
  /** Keep frames already written in outDir and continue from the first missing one. */
  resume?: boolean;
  /** When the generator runs in tiles (frames above 2048x1152 by default); see stylize.ts. */
  tiling?: TilingOptions;
  /** Default preview. final needs a registered model version (its training pairs give the strokes). */
  quality?: RenderQuality;
  /**
   * The look model runs on frames wider than this downscaled by an integer factor (a preview's
   * blend too; a final's at most halved) and its output is brought back to full size (look-grid.ts);
   * default LOOK_MAX_WIDTH; 0: at full size.
   */
  lookWidth?: number;
  /** Stroke-stage settings for quality final (see src/synth/stroke-sequence.ts). */
  strokes?: Partial<StrokeOptions>;
  /**
   * Upscale every written frame with the production's upscaler: `model` (a version number or file)
   * or the newest of `scale` (the frames are blended at render size, then upscaled). passes 8 (default) averages the eight
   * flips and rotations (+0.19 dB, 8x the time), 1 runs the network once.
   */
  upscale?: { model?: string; scale?: 2 | 4; passes?: UpscaleEnsemble; tile?: number };
  /**
   * Temporal state to continue from (skipping the pre-roll when the last range ended just before
   * this one, with the same inputs and settings) and to keep for the next range (carry-over.ts).
   */
  carryOver?: CarryOver;
  /** The shot's inputs when the render was described (a farm chunk's): refused if they changed since. */
  inputs?: RenderInputs;
  onFrame?: (done: number, total: number, frame: number, path: string) => void;
  /** What the render does before its first frame when that takes long (the stroke stage's exemplars). */
  onStatus?: (message: string) => void;
}

export interface RenderedShot {
  frames: { frame: number; path: string; warpError: number }[];
  skipped: number;
  /** Frames pushed before the first written one (computed for the blend, not written). */
  preRolled: number;
  seconds: number;
}

export function framePath(outDir: string, shot: string, frame: number, format: RenderFormat = 'png'): string {
  return join(outDir, `${shot}.${frameNumber(frame)}.${format}`);
}

/** A frame's inputs: the rough frame in the working space (frame-io.ts), passes as data. */
async function loadFrame(model: LookModel, f: ShotFrame, rf: RoughFrame, matte?: string): Promise<{ rough: E.Tensor; alpha: E.Tensor | null; passes: Map<string, E.Tensor> }> {
  // Read side by side (sharp decodes off the main thread; no measured change end to end at 1080p),
  // and when one read fails the others are freed (the loop before leaked the rough frame).
  // Passes (normals, depth, ids) are data: never colour-converted (EXR passes are Raw).
  const guides = model.config.guides;
  const loaded = await E.settleAll<Awaited<ReturnType<typeof loadRough>> | E.Tensor>([
    loadRough(f.rough!.path, rf, matte !== undefined ? f.passes[matte]!.path : undefined),
    ...guides.map(async (g) => (await loadImage(f.passes[g.name]!.path, g.channels === 1 ? 1 : 3)).tensor),
  ]);
  const [{ rough, alpha }, ...passTensors] = loaded as [Awaited<ReturnType<typeof loadRough>>, ...E.Tensor[]];
  return { rough, alpha, passes: new Map(guides.map((g, i) => [g.name, passTensors[i]!])) };
}

/** What a kept frame's record is compared on: the strokes' resolved options are left out (known only once the bank is built). */
const comparable = (params: unknown) => JSON.stringify({ ...(JSON.parse(JSON.stringify(params)) as Record<string, unknown>), strokes: undefined, keyframes: undefined });

/**
 * --resume keeps the frames already written only where their lineage records say this render
 * would write them: the same model version, input files and settings. A frame written but never
 * recorded (a render killed between the two) is kept, as before.
 */
async function checkKeptFrames(prod: Production, shot: string, kept: readonly ShotFrame[], pathOf: (n: number) => string, modelVersion: number, lineageOf: (sf: ShotFrame) => { inputs: Record<string, string>; params: unknown }): Promise<void> {
  const differ: { frame: number; why: string }[] = [];
  for (const sf of kept) {
    const rec = await latestRenderAt(prod, pathOf(sf.frame));
    if (!rec) continue;
    let want: { inputs: Record<string, string>; params: unknown };
    try { want = lineageOf(sf); } catch { differ.push({ frame: sf.frame, why: 'its inputs are gone from the shot' }); continue; }
    const changed = Object.keys({ ...want.inputs, ...rec.inputs }).filter((k) => want.inputs[k] !== rec.inputs[k]);
    if (rec.modelVersion !== modelVersion) differ.push({ frame: sf.frame, why: `written by model #${rec.modelVersion}` });
    else if (changed.length) differ.push({ frame: sf.frame, why: `its ${changed.join(', ')} ${changed.length > 1 ? 'have' : 'has'} changed since` });
    else if (comparable(rec.params) !== comparable(want.params)) differ.push({ frame: sf.frame, why: 'written with other settings' });
  }
  if (differ.length === 0) return;
  const shown = differ.slice(0, 5).map((d) => `frame ${d.frame} ${d.why}`).join('; ');
  throw new Error(`--resume would keep frames of shot ${shot} that this render would not write: ${shown}${differ.length > 5 ? `; and ${differ.length - 5} more` : ''}. Render into a new version (leave out --resume and --output), or remove those frames first`);
}

/** Frames up to the size the generator runs whole (2K) read the next frame's inputs while they write (see renderShotFrames). */
const READ_AHEAD_PIXELS = DEFAULT_TILING.tileAbove;

async function loadMotion(path: string): Promise<MotionVectors> {
  const pass = (await loadImage(path, 3)).tensor;
  try { return decodeMotionPass(pass); } finally { pass.dispose(); }
}

export async function renderShotFrames(prod: Production, shotName: string, model: LookModel, modelVersion: number | null, o: RenderShotOptions): Promise<RenderedShot> {
  const shot = await prod.shot(shotName);
  const [a, b] = o.range ?? shot.range;
  checkFrameRange(shot, [a, b]);
  const coherence = o.coherence === undefined ? defaultCoherence(shot.frames, MOTION_PASS) : o.coherence;
  const opts: CoherenceOptions = coherence ?? { ...DEFAULT_COHERENCE, window: 0 };
  const lookWidth = checkLookWidth(o.lookWidth);
  const format = o.format ?? 'png';
  if (!RENDER_FORMATS.includes(format)) throw new Error(`render format must be png or exr, got ${String(format)}`);
  const colour: ColourContext = await productionColour(prod);
  checkModelWorkingSpace(model, colour, modelVersion !== null ? `look model #${modelVersion}` : 'the look model');
  const outSpace = outputSpace(colour, format, o.colorSpace);
  const rf: RoughFrame = { colour, from: shot.colorSpace ?? undefined, alpha: format === 'exr' || o.matte !== undefined };
  let first = a;
  // Resume after the frames already written whole (a cut one is rendered again, and those after it).
  if (o.resume) while (first <= b && frameComplete(framePath(o.outDir, shot.name, first, format), format)) first++;
  const skipped = first - a;
  const t0 = Date.now();
  if (first > b) return { frames: [], skipped, preRolled: 0, seconds: 0 };
  const quality = o.quality ?? 'preview';
  const precision = modelPrecision(model);
  // The shot's painted keyframes outside the model's dataset join its exemplars (keyframe-exemplars.ts).
  const { inputs, keys } = await renderInputs(prod, shot, { guides: model.config.guides, matte: o.matte, motion: !!opts.motion, quality, modelVersion });
  if (o.inputs) checkRenderInputs(shot.name, o.inputs, inputs);
  const keyframes = keys ? keyframeHashes(keys.pairs) : null;
  // Everything the frames depend on besides the frame numbers: a kept state continues only under it.
  const carryKey = JSON.stringify({
    prod: prod.dir, shot: shot.name, inputs, modelVersion, coherence, quality, strokes: o.strokes ?? null, tiling: o.tiling ?? null, matte: o.matte ?? null, precision,
    lookWidth,
  });
  const continues = o.carryOver?.continues(carryKey, model, first) ?? false;
  const start = continues ? first : Math.max(shot.range[0], first - preRoll(opts));
  const frames = shot.frames.filter((f) => f.frame >= start && f.frame <= b);
  // Check every frame before any work: a render never stops half-way on bad input.
  const missing = [];
  for (let n = start; n <= b; n++) if (!frames.find((f) => f.frame === n && f.rough)) missing.push(n);
  if (missing.length) throw new Error(`shot ${shot.name} has no rough frame for frame${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  checkGuidePasses(shot.name, frames, model.config.guides);
  if (o.matte !== undefined) checkMatte(shot, [first, b], o.matte);
  if (opts.motion) {
    const without = frames.filter((f) => !f.passes[MOTION_PASS]);
    if (without.length) throw new Error(`shot ${shot.name} has no ${MOTION_PASS} pass on frame${without.length > 1 ? 's' : ''} ${without.map((f) => f.frame).join(', ')}: coherence from motion vectors needs one on every frame (or render with computed flow)`);
  }
  // A pass is read with its rough frame (the look model's guides, the blend's motion, the matte):
  // one of another size would stop the render at its frame, unnamed; named here, with its file.
  for (const f of frames) {
    const used = [...model.config.guides.map((g) => g.name), ...(opts.motion ? [MOTION_PASS] : []), ...(o.matte !== undefined && f.frame >= first ? [o.matte] : [])];
    for (const n of used) {
      const p = f.passes[n], r = f.rough!;
      if (!p || (p.width === r.width && p.height === r.height)) continue; // a missing one is named where it is needed
      throw new Error(`shot ${shot.name}: render pass "${n}" of frame ${f.frame}${f.frame < first ? ' (read for the blend of the frames after it)' : ''} is ${p.width}x${p.height} but the rough frame is ${r.width}x${r.height}: ${p.sourcePath}; attach one of the rough frame's size (atelier shot pass ${shot.name} ${n} <pattern>)`);
    }
  }
  const size = `${frames[0]!.rough!.width}x${frames[0]!.rough!.height}`;
  const odd = frames.filter((f) => `${f.rough!.width}x${f.rough!.height}` !== size);
  if (odd.length) throw new Error(`shot ${shot.name}: frame ${odd[0]!.frame} is ${odd[0]!.rough!.width}x${odd[0]!.rough!.height}, frame ${frames[0]!.frame} is ${size}; all frames must have one size`);
  // The look of a large frame is computed on a downscaled grid (look-grid.ts); 1 at full size. A
  // preview works on it throughout (model and blend), a final's look model only.
  const gridFactor = lookFactor(frames[0]!.rough!.width, lookWidth, quality);
  const onGrid = quality === 'preview' && gridFactor > 1;

  if (quality !== 'preview' && quality !== 'final') throw new Error(`render quality must be preview or final, got ${String(quality)}`);
  if (quality === 'final' && modelVersion === null) throw new Error('final quality takes strokes from the model version\'s painted training pairs: give a model version, not a model file');
  // The upscaler is resolved before any frame is rendered: a bad reference fails here.
  const upscaler = o.upscale ? await resolveRenderUpscaler(prod, o.upscale) : null;
  const upscaleParams = upscaler ? upscaleLineage(upscaler, o.upscale!.passes) : null;

  // Frames --resume keeps must be this render's: a shot re-imported, another model or other settings
  // since they were written would leave a version of mixed frames, with nothing saying so.
  if (first > a && modelVersion !== null) {
    const lineageOf = (sf: ShotFrame) => ({
      inputs: frameInputHashes(sf, model.config.guides, o.matte),
      params: frameLineage({ shot: shot.name, bits: o.bits ?? 8, coherence, strokes: quality === 'final' ? DEFAULT_STROKES : null, upscale: upscaleParams, output: outputLineage(format, outSpace), matte: o.matte ?? null, precision, keyframes: null, lookGrid: gridFactor > 1 ? lookSize(frames[0]!.rough!.height, frames[0]!.rough!.width, gridFactor) : null }, sf.frame),
    });
    await checkKeptFrames(prod, shot.name, shot.frames.filter((sf) => sf.frame >= a && sf.frame < first), (n) => framePath(o.outDir, shot.name, n, format), modelVersion, lineageOf);
  }

  // From here every resource is released (or kept for the next range) by the finally below.
  let strokes: StrokeSequence | null = null;
  let blender: TemporalBlender | null = null;
  let release: (() => void) | undefined;
  // With a motion pass (the shot's default when every frame has one) the final's strokes follow the
  // renderer's vectors where the blend does; both read each frame's pass, decoded once.
  const motionOf = new MotionMemo(async (n) => {
    const sf = shot.frames.find((x) => x.frame === n);
    if (!sf?.passes[MOTION_PASS]) throw new Error(`shot ${shot.name} has no ${MOTION_PASS} pass on frame ${n} (the strokes of its neighbours follow it)`);
    return loadMotion(sf.passes[MOTION_PASS].path);
  });
  const out: RenderedShot['frames'] = [];
  const total = b - first + 1;
  let finished = false;
  // The next frame's inputs, read ahead during a write; released below if the render stops first.
  let ahead: ReturnType<typeof loadFrame> | null = null;
  try {
    const carried = continues ? o.carryOver!.take(carryKey, model, first) : null;
    release = carried?.release;
    // Final frames carry their strokes along the flow themselves (measured: the flow blend on top
    // halves their high-frequency energy); the blender then only reports the warping error.
    blender = carried ? carried.blender : new TemporalBlender(quality === 'final' ? { ...opts, window: 0 } : opts);
    // Strokes of frame t depend on t and its run's anchor only (loaded here on demand), so ranges stay independent.
    // The stroke stage's guide: the model's output, the rough frame and the passes (strokeGuide),
    // built alike for the exemplars (the bank) and every frame.
    const strokeOpts = quality === 'final' ? await strokeOptionsFor(prod, modelVersion!, shot.name, o.strokes) : {};
    const weights = { ...DEFAULT_SYNTH, ...strokeOpts.synth };
    // Kept at the searched level beside the full-size colour: what the stroke stage reads (target-guide.ts).
    const guideOf = (rough: E.Tensor, passes: Map<string, E.Tensor>, modelOut: E.Tensor) => strokes!.guideFor(modelOut, rough, passes);
    // The look model on the look's grid (look-grid.ts). A preview's frames are on it already, with
    // their blend; a final's stroke stage works at full size on the model's output brought back.
    const lookOf = (rough: E.Tensor, passes: Map<string, E.Tensor>): E.Tensor => {
      const guides = (p: Map<string, E.Tensor>) => (model.config.guides.length ? p : new Map<string, E.Tensor>());
      if (quality !== 'final' || gridFactor === 1) return stylizeTensor(model, rough, guides(passes), o.tiling);
      const g = toLookGrid(rough, passes, gridFactor);
      try {
        return E.tidy(() => fromLookGrid(stylizeTensor(model, g.rough, guides(g.passes), o.tiling), rough.size(2), rough.size(3)));
      } finally {
        E.disposeAll([g.rough, [...g.passes.values()]]);
      }
    };
    const needsBank = quality === 'final' && !carried;
    if (needsBank && keys!.uncleared.length) {
      o.onStatus?.(`the painted keyframe${keys!.uncleared.length > 1 ? 's' : ''} of frame${keys!.uncleared.length > 1 ? 's' : ''} ${keys!.uncleared.join(', ')} ${keys!.uncleared.length > 1 ? 'are' : 'is'} left out of the strokes: not cleared for training (\`atelier set <asset…> --cleared\`)`);
    }
    if (needsBank) o.onStatus?.(`preparing the strokes: the painted exemplars of the model's dataset${keys!.pairs.length ? ` and ${keys!.pairs.length} of the shot's keyframes` : ''}`);
    const held = needsBank ? await holdExemplarBank(prod, modelVersion!, model, weights, keys!.pairs) : null;
    if (held) release = held.release;
    const bank = held?.bank ?? null;
    // Painted keyframes among the exemplars anchor the strokes (see StrokeSequence).
    const anchors = bank ? shot.frames.filter((f) => f.keyframe && f.pairId !== null && bank.pairIds.includes(f.pairId)).map((f) => ({ frame: f.frame, exemplar: bank.pairIds.indexOf(f.pairId!) })) : [];
    strokes = carried ? carried.strokes : bank
      ? new StrokeSequence(bank, shot.range[0], { ...(coherence ? {} : { anchorEvery: 1 }), ...strokeOpts }, async (n, withGuide) => {
        const sf = shot.frames.find((x) => x.frame === n && x.rough);
        if (!sf) throw new Error(`shot ${shot.name} has no rough frame ${n} (the stroke anchor of later frames)`);
        if (!withGuide) {
          const r = await loadRough(sf.rough!.path, { ...rf, alpha: false });
          return { rough: r.rough, guide: null };
        }
        const { rough, alpha, passes } = await loadFrame(model, sf, { ...rf, alpha: false });
        alpha?.dispose();
        const out = lookOf(rough, passes);
        const guide = guideOf(rough, passes, out);
        E.disposeAll([out, [...passes.values()]]);
        return { rough, guide };
      }, coherence ? anchors : [], shot.range[1], opts.motion ? (n) => motionOf.get(n) : undefined)
      : null;
    mkdirSync(o.outDir, { recursive: true });
    const load = (i: number) => {
      const f = frames[i]!;
      const p = loadFrame(model, f, rf, f.frame >= first ? o.matte : undefined);
      p.catch(() => {}); // handled where it is awaited (the next frame, or the finally below)
      return p;
    };
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const loaded = await (ahead ?? load(i));
      ahead = null;
      const { alpha } = loaded;
      const [fullH, fullW] = [loaded.rough.size(2), loaded.rough.size(3)];
      const { rough, passes } = onGrid ? toLookGrid(loaded.rough, loaded.passes, gridFactor) : loaded;
      if (onGrid) E.disposeAll([loaded.rough, [...loaded.passes.values()]]);
      const stylize = () => lookOf(rough, passes);
      let modelOut: E.Tensor;
      if (strokes) {
        // An anchor the strokes synthesized already (the later anchor of earlier frames) is final
        // as it is: no look model, no guide. The guide holds copies of what the stroke stage reads
        // of the model output and the passes: both go before it runs (at 4K the passes alone are
        // ~0.4 GB of the final frame's peak).
        const out = strokes.holds(f.frame) ? null : stylize();
        const guide = out ? guideOf(rough, passes, out) : null;
        E.disposeAll([out, [...passes.values()]]);
        passes.clear();
        try {
          modelOut = await strokes.render(f.frame, rough, guide);
        } finally {
          E.disposeAll(guide);
        }
      } else modelOut = stylize();
      const taken = opts.motion ? await motionOf.take(f.frame) : undefined;
      const motion = taken && onGrid ? motionToLookGrid(taken, gridFactor) : taken;
      if (motion !== taken) E.disposeAll([taken!.back, taken!.visible]);
      const blended = blender.push(rough, modelOut, motion);
      const { warpError } = blended;
      const frame = onGrid ? fromLookGrid(blended.frame, fullH, fullW) : blended.frame;
      if (frame !== blended.frame) blended.frame.dispose();
      if (motion) E.disposeAll([motion.back, motion.visible]);
      E.disposeAll([rough, modelOut, [...passes.values()]]);
      // The next frame's inputs are decoded while this one is encoded and written (both off the main
      // thread, where it would wait for each: 1080p final 1.6 s a frame, 50 ms reading, 100 ms
      // writing). Not above 2K: there they held 60-200 MB more at the 4K renders' peaks.
      if (i + 1 < frames.length && fullH * fullW <= READ_AHEAD_PIXELS) ahead = load(i + 1);
      if (f.frame < first) {
        frame.dispose(); // pre-roll: computed for the blend, written by whoever renders that range
        alpha?.dispose();
        continue;
      }
      const path = framePath(o.outDir, shot.name, f.frame, format);
      const final = upscaler ? upscaleImage(upscaler.model.net, frame, o.upscale!.tile, o.upscale!.passes ?? DEFAULT_ENSEMBLE) : frame;
      if (final !== frame) frame.dispose();
      try {
        await writeFrame(path, final, alpha, { format, bits: o.bits ?? 8, colour, space: outSpace, timeCode: frameTimeCode(shot, f.frame), shot: shot.name });
      } finally { E.disposeAll([final, alpha ?? []]); }
      if (modelVersion !== null) {
        await prod.recordRenderedFrame({
          path, modelVersion,
          inputHashes: frameInputHashes(f, model.config.guides, o.matte),
          params: frameLineage({ shot: shot.name, bits: o.bits ?? 8, coherence, strokes: strokes ? strokes.o : null, upscale: upscaleParams, output: outputLineage(format, outSpace), matte: o.matte ?? null, precision, keyframes, lookGrid: gridFactor > 1 ? lookSize(fullH, fullW, gridFactor) : null }, f.frame),
        });
      }
      out.push({ frame: f.frame, path, warpError });
      // Recorded as each frame is written (not once at the end): a render stopped part-way (Ctrl-C, a
      // killed worker) keeps its frames' figures for the --resume that follows, which writes only its own.
      recordCoherence(o.outDir, [out.at(-1)!]);
      o.onFrame?.(out.length, total, f.frame, path);
    }
    finished = true;
  } finally {
    if (ahead) {
      const left = await ahead.catch(() => null);
      if (left) E.disposeAll([left.rough, left.alpha ?? [], [...left.passes.values()]]);
    }
    motionOf.close();
    upscaler?.model.net.dispose();
    if (blender) {
      const state = { key: carryKey, model, next: b + 1, blender, strokes, release };
      if (finished && o.carryOver) o.carryOver.keep(state);
      else dropState(state);
    } else release?.();
  }
  return { frames: out, skipped, preRolled: first - start, seconds: (Date.now() - t0) / 1000 };
}

/** Per-frame coherence for the dailies plot (coherence.json), merged with what other ranges wrote. */
function recordCoherence(outDir: string, frames: readonly { frame: number; warpError: number }[]): void {
  const cpath = join(outDir, 'coherence.json');
  const prior = existsSync(cpath) ? (JSON.parse(readFileSync(cpath, 'utf8')) as Record<string, number | null>) : {};
  for (const f of frames) prior[f.frame] = Number.isFinite(f.warpError) ? +f.warpError.toFixed(6) : null;
  writeFileAtomic(cpath, Buffer.from(JSON.stringify(prior, null, 1)));
}

/** Frames of `range` that are not (yet) in outDir. */
export function missingFrames(outDir: string, shot: string, range: [number, number], format: RenderFormat = 'png'): number[] {
  const missing: number[] = [];
  for (let f = range[0]; f <= range[1]; f++) if (!existsSync(framePath(outDir, shot, f, format))) missing.push(f);
  return missing;
}

export type ShotMovie = { written: true; movie: MovieResult } | { written: false; missing: number[] };

/**
 * The preview movie of a version folder: <outDir>/<shot>.mp4 (H.264) or .mov (ProRes 422 HQ or 4444
 * with alpha) from every frame of the shot's range at the shot's fps, stamped with the shot's start
 * timecode, only when the folder holds them all (a render
 * of a sub-range leaves the folder incomplete until the other ranges are rendered into it). EXR
 * frames, and PNG frames in a chosen colorSpace other than the image space, are encoded from PNG
 * copies through the production's view (movie-frames.ts; needs `colour`).
 * burnIn: the shot, the version (the folder's name), frame and timecode drawn on the picture.
 */
export async function writeShotMovie(outDir: string, shot: { name: string; range: [number, number]; fps: number; timecode?: string | null }, o: { codec?: MovieCodec; format?: RenderFormat; colour?: ColourContext; colorSpace?: string; burnIn?: boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<ShotMovie> {
  const format = o.format ?? 'png';
  const missing = missingFrames(outDir, shot.name, shot.range, format);
  if (missing.length) return { written: false, missing };
  const codec = o.codec ?? 'h264';
  if (format === 'exr' && !o.colour) throw new Error('a movie of EXR frames needs the production\'s colour context');
  if (o.colorSpace !== undefined && !o.colour) throw new Error('a movie of frames in a chosen colour space needs the production\'s colour context');
  // PNG frames in a chosen colour space other than the image space are shown through the view, as EXR frames.
  const pngFrom = format === 'png' && o.colorSpace !== undefined && colourSpace(o.colour!.config, o.colorSpace) !== colourSpace(o.colour!.config, o.colour!.image ?? SPACE.srgbTexture) ? o.colorSpace : undefined;
  const pngDir = format === 'exr' || pngFrom ? await writeMoviePngs(outDir, shot.name, shot.range, o.colour!, (f) => framePath(outDir, shot.name, f, format), pngFrom) : outDir;
  try {
    const movie = await writeMovie(join(pngDir, `${shot.name}.####.png`), join(outDir, `${shot.name}.${codec === 'h264' ? 'mp4' : 'mov'}`), {
      fps: shot.fps, codec, range: shot.range, timecode: shot.timecode ?? null, onProgress: o.onProgress,
      burnIn: o.burnIn ? { shot: shot.name, version: basename(outDir) } : null,
    });
    return { written: true, movie };
  } finally {
    if (pngDir !== outDir) rmSync(pngDir, { recursive: true, force: true });
  }
}
