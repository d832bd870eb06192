// Strokes that stay on the surfaces through a shot, without giving up random access. Frames are
// grouped from the shot's first frame into runs of `anchorEvery`; the run's first frame (its
// anchor) is synthesized on its own, every other frame starts from the anchor's field carried
// along the rough frames' optical flow (Jamriška et al. 2019 carry the field frame to frame; here it
// is carried from the anchor directly, so a frame depends on itself and its anchors only — a
// bounded dependency, never a recursion over earlier results). A frame between two anchors carries
// both and crossfades them by distance (Jamriška et al. 2019 blend toward the next keyframe), so
// the strokes never jump where the next anchor takes over. Rendering any range therefore gives the
// same frames as rendering the whole shot: anchors outside the range are computed on demand.
import * as E from '../engine/index.js';
import { flowToTensor, gaussianBlur, wideGaussianBlur, warpByFlow, flowFrame, flowToFull, motionOnGrid, dilate, erode } from '../image/index.js';
import { fitColourMap, mapDeparture, type ColourMap } from './colour-map.js';
import { synthesize, copyExemplar, lockToModel, searchSize, searchedGuide, DEFAULT_SYNTH, type Exemplars, type SynthOptions, type SynthResult } from './synthesize.js';
import { down } from './source-levels.js';
import { advectNnf } from './nnf.js';
import { guideAt, guideColour, type TargetGuide } from './target-guide.js';
import { idLabels } from './id-pass.js';
import { clearOfGaps, gapMargin } from './carry-margin.js';
import type { GuidePasses } from './stroke-guide.js';

export interface StrokeOptions {
  /** Frames per run sharing one anchor's strokes (1 = every frame on its own). */
  anchorEvery: number;
  /** Crossfade a frame between two anchors from both (no jump where the next anchor takes over); false: the nearest only. */
  blend: boolean;
  /** Weight of agreeing with the anchor's output carried here (see TemporalHint). */
  temporalWeight: number;
  /** Cost discount of keeping the carried patch (see TemporalHint.bonus). */
  carryBonus: number;
  /** Sigma (pixels) of the seam between carried strokes and newly synthesized ones. */
  feather: number;
  /** Forward-backward flow disagreement (px² of the flow grid) still trusted for carrying strokes. */
  trust: number;
  preset: E.FlowPreset;
  /**
   * Chains of flow are computed on frames downscaled to at most this width (as the preview blend's
   * flow), then upsampled for the warp: at 1080p DIS runs on a quarter of the pixels and the
   * chains' per-pixel steps too.
   */
  flowMaxWidth: number;
  synth: Partial<SynthOptions>;
}

export const DEFAULT_STROKES: StrokeOptions = { anchorEvery: 8, blend: true, temporalWeight: 1, carryBonus: 0.5, feather: 1.5, trust: 2, preset: 'medium', flowMaxWidth: 1024, synth: {} };

/** A painted keyframe and the exemplar that is its painting (the exemplars' index). */
export interface PaintedKeyframe { frame: number; exemplar: number }

/**
 * Loads frame n's rough frame and, when withGuide, its look-model output (both (1, 3, H, W); the
 * sequence disposes them). Frames between an anchor and a range's first frame are loaded without guide.
 */
export type FrameLoader = (frame: number, withGuide: boolean) => Promise<{ rough: E.Tensor; guide: TargetGuide | null }>;

/**
 * The renderer's motion of frame n into frame n-1, full size: back (1, 2, H, W) in pixels (the point
 * at p was at p + back(p)), visible (1, 1, H, W) 0/1 (the motion pass; the sequence disposes them).
 */
export type MotionLoader = (frame: number) => Promise<{ back: E.Tensor; visible: E.Tensor }>;

/** Most a motion vector inverted by fixed-point iteration may miss its target (flow-grid px) to be trusted. */
const INVERSE_TOLERANCE = 0.5;

/**
 * Most the rough frame's luma (0..255) may differ from where a motion vector says the point was,
 * for the strokes to be carried there: the vectors follow surfaces, but where the rough frame
 * changes along them (a limb's shading as it turns, an outline crossing) the marks are painted anew
 * (as the blend's photometric test, render/coherence.ts).
 */
const MOTION_LUMA_TOLERANCE = 0.1 * 255;

/**
 * look: the anchor's look-model output on the chains' flow grid (kept; a few MB at any frame size):
 * what a frame's own output is compared with, carried along the chain (lookAgrees). offset: the
 * anchor's strokes minus that output on the same grid: its colour where it is not the model's (a
 * painted keyframe's; near zero in low frequencies for a synthesis locked to the model). map: a
 * painted keyframe's departure from the model's colour by model colour (colour-map.ts), which
 * every frame anchored there takes where it is not carried; offset is then what the map leaves.
 */
interface Anchor { frame: number; grey: Uint8Array; look: E.Tensor; offset: E.Tensor; result: SynthResult; map: ColourMap | null }

/** An image on the flow grid as planar RGB (3 × n). */
const planar = (t: E.Tensor): Float32Array => E.tidy(() => t.contiguous().data() as Float32Array);

/**
 * Most the chromaticity of the look model's output of a frame may differ (distance of the
 * difference blurred over LOOK_SCALE field pixels) from the anchor's output carried to it along the
 * chain, for the anchor's strokes to be carried there: both are the same model's reading of the
 * footage, so where their colours part the chain has landed on something else (a tree trunk on
 * grass of the same luma, which the rough frames' luma test lets through: the look-hd sample's
 * sh030). Chromaticity, not RGB: light changing on a moving head (lynx, from10's ear) changes the
 * outputs' brightness and kept its strokes carried; RGB at 0.1 painted them anew, in blotches.
 */
const LOOK_TOLERANCE = 0.08;
/** Added to r+g+b before dividing: near-black outputs have no reliable chromaticity. */
const CHROMA_FLOOR = 0.15;
const LOOK_SCALE = 2;

/**
 * Backward flow from a frame into its anchor, composed step by step; where it is trusted (valid),
 * and where the point was seen all the way (in frame, not occluded: valid but for the rough frame's
 * luma agreeing, which changes the marks, not the surface). Gaps in `seen` keep carried strokes off
 * (carry-margin.ts).
 */
interface Chain { frame: number; grey: Uint8Array; flow: Float32Array; valid: Float32Array; seen: Float32Array }

/** Most chains kept (12 bytes a pixel each: 25 MB at 1080p). */
const MAX_KEPT_CHAINS = 48;

/** Bilinear sample of an interleaved `channels`-per-pixel field at (x, y), clamped to the frame. */
function sample(field: ArrayLike<number>, channels: number, w: number, h: number, x: number, y: number, c: number): number {
  const cx = Math.min(Math.max(x, 0), w - 1), cy = Math.min(Math.max(y, 0), h - 1);
  const x0 = Math.floor(cx), y0 = Math.floor(cy), x1 = Math.min(x0 + 1, w - 1), y1 = Math.min(y0 + 1, h - 1);
  const fx = cx - x0, fy = cy - y0;
  const at = (xx: number, yy: number) => field[(yy * w + xx) * channels + c]!;
  return (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
}

/** A level axis of n2 pixels over n full-size ones: each level pixel's block [start, end). */
function levelBlocks(n: number, n2: number): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(n2), end = new Int32Array(n2), s = n / n2;
  for (let k = 0; k < n2; k++) {
    start[k] = Math.floor(k * s);
    end[k] = Math.max(start[k]! + 1, Math.min(n, Math.floor((k + 1) * s)));
  }
  return { start, end };
}

/** A full-size trust mask as seen at a coarser w2×h2 level: trusted only where the whole block is. */
export function trustAtLevel(valid: Float32Array, w: number, h: number, w2: number, h2: number): Float32Array {
  if (w2 === w && h2 === h) return valid;
  const ok = new Float32Array(w2 * h2);
  const rows = levelBlocks(h, h2), cols = levelBlocks(w, w2);
  for (let y = 0; y < h2; y++) for (let x = 0; x < w2; x++) {
    let all = 1;
    for (let yy = rows.start[y]!; yy < rows.end[y]! && all; yy++) for (let xx = cols.start[x]!; xx < cols.end[x]!; xx++) {
      if (!(valid[yy * w + xx]! > 0.5)) { all = 0; break; }
    }
    ok[y * w2 + x] = all;
  }
  return ok;
}

/**
 * A full-size backward flow and its trust, as seen at a coarser w2×h2 level: each level pixel takes
 * its block's mean flow (in level pixels) and is trusted only where its whole block is.
 */
export function flowAtLevel(flow: Float32Array, valid: Float32Array, w: number, h: number, w2: number, h2: number): { flow: Float32Array; valid: Float32Array } {
  if (w2 === w && h2 === h) return { flow, valid };
  const out = new Float32Array(2 * w2 * h2);
  const sx = w / w2, sy = h / h2;
  const rows = levelBlocks(h, h2), cols = levelBlocks(w, w2);
  for (let y = 0; y < h2; y++) for (let x = 0; x < w2; x++) {
    let fx = 0, fy = 0, n = 0;
    for (let yy = rows.start[y]!; yy < rows.end[y]!; yy++) for (let xx = cols.start[x]!; xx < cols.end[x]!; xx++) {
      const i = yy * w + xx;
      fx += flow[2 * i]!; fy += flow[2 * i + 1]!; n++;
    }
    const j = y * w2 + x;
    out[2 * j] = fx / n / sx; out[2 * j + 1] = fy / n / sy;
  }
  return { flow: out, valid: trustAtLevel(valid, w, h, w2, h2) };
}

/** A full-size (1, 3, H, W) image on a w×h grid (area), or itself at that size. */
function toGrid(img: E.Tensor, w: number, h: number): E.Tensor {
  return img.size(2) === h && img.size(3) === w ? img : E.F.interpolate(img, { size: [h, w], mode: 'area' });
}

/**
 * 1 where the anchor's look-model output, carried along the chain, agrees in chromaticity with the
 * frame's own (LOOK_TOLERANCE, compared over LOOK_SCALE field pixels: fieldPx flow-grid pixels
 * each), else 0.
 */
function lookAgrees(anchorLook: E.Tensor, chain: Chain, look: E.Tensor, fieldPx: number): Float32Array {
  const [, , h, w] = look.shape as [number, number, number, number];
  return E.tidy(() => {
    const carried = warpByFlow(anchorLook, flowToTensor(chain.flow, w, h));
    const sigma = Math.max(1, LOOK_SCALE * fieldPx);
    const chroma = (x: E.Tensor) => x.div(x.sum(1, true).add(CHROMA_FLOOR));
    const diff = chroma(carried).sub(chroma(look));
    const blurred = h > 3 * sigma + 1 && w > 3 * sigma + 1 ? gaussianBlur(diff, sigma) : diff;
    return blurred.square().sum(1, true).sqrt().le(LOOK_TOLERANCE).float().contiguous().data() as Float32Array;
  });
}

/**
 * Where the anchors' colour departs from their look-model output (Anchor.offset), carried here
 * along their chains where they carry, crossfaded by the anchors' weights, and spread by
 * normalized blurs of sigma grid pixels (the lock's scale) and coarser: (1, 3, h, w) on the flow
 * grid. It fades to zero where fewer than OFFSET_REACH of the coarsest blur's weight is carried, so
 * that far from any carried strokes the lock is the model's colour alone. A painted keyframe's colour thus holds in
 * the frames it is carried to, shifted by how the model's colour changed since.
 */
function carriedOffset(carried: readonly { anchor: Anchor; chain: Chain; carries: Float32Array; weight: number }[], w: number, h: number, sigma: number): E.Tensor {
  return E.tidy(() => {
    let acc: E.Tensor | null = null, wsum: E.Tensor | null = null;
    for (const c of carried) {
      const m = E.tensor(c.carries, [1, 1, h, w]).mul(c.weight);
      const moved = warpByFlow(c.anchor.offset, flowToTensor(c.chain.flow, w, h)).mul(m);
      acc = acc ? acc.add(moved) : moved;
      wsum = wsum ? wsum.add(m) : m;
    }
    // Coarse to fine: each finer scale's estimate where enough of its blur is carried, the coarser
    // one's where not, so a hole the carried strokes leave (a disocclusion behind a moving arm) takes
    // the offset around it instead of falling back to the model's colour inside.
    let out: E.Tensor | null = null;
    // A blur's reach (3σ) stays inside the grid: small frames have fewer scales.
    const widest = Math.max(1, Math.floor((Math.min(w, h) - 1) / 3));
    const scales = [...new Set(Array.from({ length: OFFSET_SCALES }, (_, k) => Math.min(widest, Math.max(1, sigma * 4 ** k))))];
    for (let k = scales.length - 1; k >= 0; k--) {
      const s = scales[k]!;
      const n = wideGaussianBlur(acc!, s), d = wideGaussianBlur(wsum!, s);
      if (!out) { out = n.div(d.clamp(OFFSET_REACH)); continue; }
      const here = d.div(OFFSET_REACH).clamp(0, 1);
      out = n.div(d.clamp(1e-6)).mul(here).add(out.mul(here.rsub(1)));
    }
    return out!;
  });
}

/** Share of a scale's blur weight from which carriedOffset takes that scale's estimate (at the coarsest, below it fades out). */
const OFFSET_REACH = 0.25;
/** Scales of carriedOffset's fill: σ, 4σ, 16σ. */
const OFFSET_SCALES = 3;

/**
 * 0 where the chain's flow jumps by more than FLOW_EDGE_JUMP grid px to a 4-neighbour beyond the
 * flow's own trend there (the median of its neighbours' differences), else 1:
 * the silhouettes of things moving against what is behind them. There the flow grid's pixels (area
 * means of the motion pass) and the warp's bilinear flow mix the two motions and land between the
 * surfaces in the anchor: a thin line of the anchor's other side along the silhouette (the sky
 * beside keyframe 0's head as a light line around sh030's hair in frame 1). The synthesis fills
 * it; it is no gap (seen), so no margin is kept around it. Against the trend, not against zero: a
 * chain over ten frames of a turning camera stretches the ground by more than a pixel a pixel, and
 * the plain jump test cut it into stripes the synthesis repainted every frame (render bench sh030,
 * frame 10: most of the carried ground).
 */
export function offFlowEdges(flow: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h).fill(1);
  const jump2 = FLOW_EDGE_JUMP ** 2;
  // Pair p of a row or column: its difference against the median of the differences of the pairs
  // up to two before and after it, per component (a silhouette's ramp, two grid pixels wide, stays
  // the odd one out; a step does not move the median of its neighbours). The line's differences
  // are taken once (a 1024-px flow grid: 80 ms on a busy machine, where a sort per pair took 430).
  const line = new Float32Array(2 * Math.max(w, h));
  const few = new Float32Array(4);
  const median = (p: number, m: number, c: number): number => {
    if (p >= 2 && p + 2 < m) return median5(line[2 * p - 4 + c]!, line[2 * p - 2 + c]!, line[2 * p + c]!, line[2 * p + 2 + c]!, line[2 * p + 4 + c]!);
    let k = 0;
    for (let q = Math.max(0, p - 2); q <= Math.min(m - 1, p + 2); q++) few[k++] = line[2 * q + c]!;
    const v = few.subarray(0, k).sort();
    return k % 2 ? v[k >> 1]! : (v[k / 2 - 1]! + v[k / 2]!) / 2;
  };
  // A pair whose window's differences all lie within ±SMALL per component cannot be an edge (its
  // difference and the median are then under FLOW_EDGE_JUMP apart): most pairs of a slow shot.
  const small = FLOW_EDGE_JUMP / (2 * Math.SQRT2);
  const big = new Int32Array(Math.max(w, h) + 1); // pairs before p with a difference over SMALL
  const scan = (start: number, s: number, n: number) => {
    for (let p = 0; p + 1 < n; p++) {
      const i = start + p * s;
      const dx = (line[2 * p] = flow[2 * (i + s)]! - flow[2 * i]!), dy = (line[2 * p + 1] = flow[2 * (i + s) + 1]! - flow[2 * i + 1]!);
      big[p + 1] = big[p]! + (Math.abs(dx) > small || Math.abs(dy) > small ? 1 : 0);
    }
    for (let p = 0; p + 1 < n; p++) {
      if (big[Math.min(n - 1, p + 3)]! === big[Math.max(0, p - 2)]!) continue;
      const i = start + p * s;
      const dx = flow[2 * (i + s)]! - flow[2 * i]! - median(p, n - 1, 0), dy = flow[2 * (i + s) + 1]! - flow[2 * i + 1]! - median(p, n - 1, 1);
      if (dx * dx + dy * dy > jump2) out[i] = out[i + s] = 0;
    }
  };
  for (let y = 0; y < h; y++) scan(y * w, 1, w);
  for (let x = 0; x < w; x++) scan(x, w, h);
  return out;
}

/** The median of five numbers in six comparisons. */
function median5(a: number, b: number, c: number, d: number, e: number): number {
  if (a > b) [a, b] = [b, a];
  if (c > d) [c, d] = [d, c];
  // The smaller of the two pairs' minima is below three others: not the median; e takes its place.
  if (a < c) { a = e; if (a > b) [a, b] = [b, a]; } else { c = e; if (c > d) [c, d] = [d, c]; }
  // The median is now the second smallest of the two ordered pairs.
  return a < c ? Math.min(b, c) : Math.min(a, d);
}

/**
 * The mask (0/1, w×h) opened by a (2r+1)² square: carried regions narrower than that dropped, the
 * rest kept as it was. Inside a region the chain does not carry (a face turned since the keyframe),
 * a few pixels can pass every test by chance (the rough frame's luma and the look's colour agree
 * there); carried, they printed the anchor's other things as light blocks in sh030's eyes.
 */
export function withoutIslands(mask: Float32Array, w: number, h: number, r: number): Float32Array {
  if (r < 1) return mask;
  return E.tidy(() => {
    const m = E.tensor(mask, [1, 1, h, w]);
    return dilate(erode(m, r), r).mul(m).contiguous().data() as Float32Array;
  });
}

/**
 * The carried strokes (warped, where soft) and the synthesis that fills the rest, locked to the
 * frame's target colour. The synthesis is locked before it meets the strokes: locked only as a mix,
 * the step between its colour (the model's) and theirs (the painter's) was blurred into the holes
 * it fills, a pale band a lock's reach wide inside each (sh020's wall beside the waving arm, where
 * the model paints white and the keyframes purple). Frees synth.
 */
export function mixLocked(warped: E.Tensor, synth: E.Tensor, soft: E.Tensor, target: E.Tensor, o: Pick<SynthOptions, 'colorLock'>, level: number): E.Tensor {
  let filled: E.Tensor;
  try { filled = lockToModel(synth, target, o, level); } finally { synth.dispose(); }
  return E.tidy(() => lockToModel(filled.mul_(soft.rsub(1)).add_(warped.mul(soft)), target, o, level));
}

/** Flow grid px: a jump between neighbours that offFlowEdges takes for a silhouette. */
const FLOW_EDGE_JUMP = 1;

export class StrokeSequence {
  /** Synthesized anchors in use (the current frame's one or two). */
  #anchors = new Map<number, Anchor>();
  /** Per anchor: frame → the chain from that anchor to the frame (toward it or away from it). */
  #chains = new Map<number, Map<number, Chain>>();
  readonly o: StrokeOptions;
  readonly keyframes: readonly number[];
  /** Keyframe → the exemplar that is its painting (copied as it is: copyExemplar). */
  #paintings = new Map<number, number>();

  /**
   * keyframes: frames painted by the artist whose paintings are among the exemplars. When given,
   * every frame is anchored at its keyframes and carries its strokes from there, forward or
   * backward (EbSynth's propagation from a keyframe, Jamriška et al. 2019): the keyframe renders as
   * its painting, and a frame ten frames away keeps the painted marks moved along the footage
   * instead of a new synthesis. Otherwise anchors fall every `anchorEvery` frames from firstFrame.
   * With `blend`, a frame between two anchors (up to lastFrame) carries both and crossfades them
   * by distance, so no pair of frames jumps from one anchor's strokes to the next one's.
   * motion: the renderer's motion vectors, which the chains then follow instead of DIS on the
   * rough frames (strokes move with the surfaces they paint, exactly; DIS swims by fractions of a
   * pixel, which shows as the strokes' grain boiling where nothing moves).
   */
  constructor(readonly exemplars: Exemplars, readonly firstFrame: number, o: Partial<StrokeOptions>, readonly load: FrameLoader, keyframes: readonly (number | PaintedKeyframe)[] = [], readonly lastFrame = Infinity, readonly motion?: MotionLoader) {
    this.o = { ...DEFAULT_STROKES, ...o };
    if (!(Number.isInteger(this.o.anchorEvery) && this.o.anchorEvery >= 1)) throw new RangeError(`anchorEvery must be a whole number ≥ 1, got ${this.o.anchorEvery}`);
    const frames = keyframes.map((k) => (typeof k === 'number' ? k : k.frame));
    if (!frames.every(Number.isInteger)) throw new RangeError('keyframes must be frame numbers');
    for (const k of keyframes) if (typeof k !== 'number') this.#paintings.set(k.frame, k.exemplar);
    this.keyframes = [...new Set(frames)].sort((a, b) => a - b);
  }

  /** The nearest anchor (the earlier one on a tie). */
  anchorOf(frame: number): number {
    if (this.keyframes.length) {
      let best = this.keyframes[0]!;
      for (const k of this.keyframes) if (Math.abs(k - frame) < Math.abs(best - frame)) best = k;
      return best;
    }
    return this.firstFrame + Math.floor((frame - this.firstFrame) / this.o.anchorEvery) * this.o.anchorEvery;
  }

  /** The anchors a frame's strokes come from, with their weights (summing to 1). */
  anchorsOf(frame: number): { frame: number; weight: number }[] {
    const near = this.anchorOf(frame);
    if (near === frame || !this.o.blend) return [{ frame: near, weight: 1 }];
    let before: number | undefined, after: number | undefined;
    if (this.keyframes.length) {
      before = this.keyframes.filter((k) => k < frame).at(-1);
      after = this.keyframes.find((k) => k > frame);
    } else {
      before = near;
      after = near + this.o.anchorEvery <= this.lastFrame ? near + this.o.anchorEvery : undefined;
    }
    if (before === undefined || after === undefined) return [{ frame: near, weight: 1 }];
    const t = (frame - before) / (after - before);
    return [{ frame: before, weight: 1 - t }, { frame: after, weight: t }];
  }

  async #anchorFor(frame: number): Promise<Anchor> {
    const hit = this.#anchors.get(frame);
    if (hit) return hit;
    const { rough, guide } = await this.load(frame, true);
    try {
      if (!guide) throw new Error(`the frame loader gave no look-model output for anchor frame ${frame}`);
      return this.#setAnchor(frame, rough, guide);
    } finally {
      E.disposeAll([rough, guide]);
    }
  }

  #setAnchor(frame: number, rough: E.Tensor, guide: TargetGuide): Anchor {
    const hit = this.#anchors.get(frame);
    if (hit) return hit; // synthesized already as the later anchor of earlier frames: the same inputs
    // A painted keyframe is synthesized from its own painting (among the exemplars) and keeps the
    // painter's colour: the frames it is carried to are locked to it, moved by the model's change
    // of colour since (#carry). Locked to the model, the keyframe itself and every frame near it
    // had the model's colours (the look-hd sample's girl orange-tan where she is painted pale).
    const painted = this.keyframes.includes(frame);
    const synthOpts = painted ? { ...this.o.synth, colorLock: 0 } : this.o.synth;
    const painting = this.#paintings.get(frame);
    const result = (painting !== undefined ? copyExemplar(guide, this.exemplars, painting, synthOpts) : null) ?? synthesize(guide, this.exemplars, synthOpts);
    E.keep(result.image);
    const g = this.#grey(rough);
    const look = E.keep(E.tidy(() => toGrid(guideColour(guide), g.w, g.h)));
    let map: ColourMap | null = null;
    const labels = painted ? this.#labelsOnGrid(guide, rough, g.w, g.h) : undefined;
    const offset = E.keep(E.tidy(() => {
      const strokes = toGrid(result.image, g.w, g.h);
      if (!painted) return strokes.sub(look);
      const n = g.w * g.h, lookData = planar(look);
      map = fitColourMap(lookData, planar(strokes), n, labels);
      return strokes.sub(look).sub(E.tensor(mapDeparture(map, lookData, n, labels), [1, 3, g.h, g.w]));
    }));
    const anchor = { frame, grey: g.grey, look, offset, result, map };
    this.#anchors.set(frame, anchor);
    return anchor;
  }

  /** Keeps only the anchors and chains that frames after `frame`, in order, still need. */
  #forget(frame: number, anchors: number[]): void {
    for (const [a, anchor] of this.#anchors) {
      if (anchors.includes(a) || a > frame) continue;
      E.disposeAll([anchor.result.image, anchor.look, anchor.offset]);
      this.#anchors.delete(a);
    }
    for (const [a, chains] of this.#chains) {
      if (!this.#anchors.has(a)) { this.#chains.delete(a); continue; }
      // Away from an earlier anchor the next frame steps from this one; toward a later anchor the
      // chains of the frames after this one were built on the way and are kept.
      for (const n of chains.keys()) if (a < frame ? n < frame : n <= frame) chains.delete(n);
    }
  }

  /**
   * Composes one more flow step: frame t's pixel p was at p + b(p) in the chain's previous frame
   * (t∓1, toward the anchor), which was at (p + b(p)) + chain(p + b(p)) in the anchor. Consecutive frames then carry the anchor's strokes
   * consistently with each other (a direct long-range flow per frame jitters from frame to frame).
   */
  async #step(prev: Chain, frame: number, grey: Uint8Array, w: number, h: number): Promise<Chain> {
    if (this.motion) return this.#motionStep(prev, frame, grey, w, h);
    const b = E.disFlow(grey, prev.grey, w, h, this.o.preset);
    const f = E.disFlow(prev.grey, grey, w, h, this.o.preset);
    const flow = new Float32Array(2 * w * h), valid = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const qx = x + b[2 * i]!, qy = y + b[2 * i + 1]!;
      // Forward-backward check (as occlusionMask, with a tolerance of `trust` px²: the rough
      // frames' flat areas give noisy flow that still moves strokes plausibly).
      const fx = sample(f, 2, w, h, qx, qy, 0), fy = sample(f, 2, w, h, qx, qy, 1);
      const ex = b[2 * i]! + fx, ey = b[2 * i + 1]! + fy;
      const inside = qx >= 0 && qy >= 0 && qx <= w - 1 && qy <= h - 1;
      const stepOk = inside && ex * ex + ey * ey <= 0.01 * (b[2 * i]! ** 2 + b[2 * i + 1]! ** 2 + fx * fx + fy * fy) + this.o.trust;
      flow[2 * i] = b[2 * i]! + sample(prev.flow, 2, w, h, qx, qy, 0);
      flow[2 * i + 1] = b[2 * i + 1]! + sample(prev.flow, 2, w, h, qx, qy, 1);
      valid[i] = stepOk && sample(prev.valid, 1, w, h, qx, qy, 0) > 0.5 ? 1 : 0;
    }
    // The forward-backward check is the occlusion test here: what it trusts was seen.
    return { frame, grey, flow, valid, seen: valid };
  }

  /**
   * One chain step along the renderer's motion vectors. Toward an earlier anchor they are frame t's
   * own (where the point was in t-1). Toward a later one, the point of t is where t+1's vectors
   * land on it: q = p + F(p) with q + back(q) = p, found by fixed-point iteration F = -back(p + F)
   * and trusted where it converges and t+1 saw the point.
   */
  async #motionStep(prev: Chain, frame: number, grey: Uint8Array, w: number, h: number): Promise<Chain> {
    const toEarlier = prev.frame < frame;
    const m = await this.#motionOnGrid(toEarlier ? frame : prev.frame, w, h);
    let b = m.back, ok = m.visible;
    if (!toEarlier) {
      b = new Float32Array(2 * w * h);
      ok = new Float32Array(w * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const i = y * w + x;
        let fx = -m.back[2 * i]!, fy = -m.back[2 * i + 1]!;
        for (let it = 0; it < 4; it++) {
          const nx = -sample(m.back, 2, w, h, x + fx, y + fy, 0);
          fy = -sample(m.back, 2, w, h, x + fx, y + fy, 1);
          fx = nx;
        }
        const qx = x + fx, qy = y + fy;
        const rx = fx + sample(m.back, 2, w, h, qx, qy, 0), ry = fy + sample(m.back, 2, w, h, qx, qy, 1);
        const inside = qx >= 0 && qy >= 0 && qx <= w - 1 && qy <= h - 1;
        b[2 * i] = fx; b[2 * i + 1] = fy;
        ok[i] = inside && rx * rx + ry * ry <= INVERSE_TOLERANCE ** 2 && sample(m.visible, 1, w, h, qx, qy, 0) > 0.999 ? 1 : 0;
      }
    }
    const flow = new Float32Array(2 * w * h), valid = new Float32Array(w * h), seen = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const qx = x + b[2 * i]!, qy = y + b[2 * i + 1]!;
      const inside = qx >= 0 && qy >= 0 && qx <= w - 1 && qy <= h - 1;
      flow[2 * i] = b[2 * i]! + sample(prev.flow, 2, w, h, qx, qy, 0);
      flow[2 * i + 1] = b[2 * i + 1]! + sample(prev.flow, 2, w, h, qx, qy, 1);
      seen[i] = inside && ok[i]! > 0.5 && sample(prev.seen, 1, w, h, qx, qy, 0) > 0.5 ? 1 : 0;
      const agrees = inside && Math.abs(grey[i]! - sample(prev.grey, 1, w, h, qx, qy, 0)) <= MOTION_LUMA_TOLERANCE;
      valid[i] = agrees && seen[i]! > 0.5 && sample(prev.valid, 1, w, h, qx, qy, 0) > 0.5 ? 1 : 0;
    }
    return { frame, grey, flow, valid, seen };
  }

  /** Frame n's motion vectors on the chains' w×h grid: interleaved flow in grid pixels, and where a whole block was visible. */
  async #motionOnGrid(n: number, w: number, h: number): Promise<{ back: Float32Array; visible: Float32Array }> {
    const m = await this.motion!(n);
    try {
      return E.tidy(() => {
        const { back, visible } = motionOnGrid(m.back, m.visible, h, w);
        return { back: back.permute([0, 2, 3, 1]).contiguous().data() as Float32Array, visible: visible.contiguous().data() as Float32Array };
      });
    } finally {
      E.disposeAll([m.back, m.visible]);
    }
  }

  /**
   * The chain from `anchor` (before or after the frame) to `frame`: kept from an earlier call, one
   * step from the previous frame's, or rebuilt from the anchor over the rough frames in between (a
   * range starting inside a run). Toward a later anchor every chain on the way is kept, so frames
   * rendered in order load each frame between once.
   */
  async #chainTo(anchor: Anchor, frame: number, grey: Uint8Array, w: number, h: number): Promise<Chain> {
    let chains = this.#chains.get(anchor.frame);
    if (!chains) this.#chains.set(anchor.frame, (chains = new Map()));
    const kept = chains.get(frame);
    if (kept) return kept;
    const dir = frame > anchor.frame ? 1 : -1;
    let c = chains.get(frame - dir);
    if (!c) {
      const all = new Float32Array(w * h).fill(1);
      c = { frame: anchor.frame, grey: anchor.grey, flow: new Float32Array(2 * w * h), valid: all, seen: all };
      for (let n = anchor.frame + dir; n !== frame; n += dir) {
        const { rough, guide } = await this.load(n, false);
        const g = this.#grey(rough).grey;
        E.disposeAll([rough, guide]);
        c = await this.#step(c, n, g, w, h);
        if (dir > 0 || chains.size < MAX_KEPT_CHAINS) chains.set(n, c);
      }
    }
    const chain = await this.#step(c, frame, grey, w, h);
    chains.set(frame, chain);
    if (process.env.ATELIER_STROKES_DEBUG) process.stderr.write(`strokes: frame ${frame} carries ${(chain.valid.reduce((x, v) => x + v, 0) / (w * h) * 100).toFixed(1)}% from anchor ${anchor.frame}\n`);
    return chain;
  }

  /**
   * A frame's guide as this sequence searches it: strokeGuide(modelOut, rough, passes) with the
   * synthesis' weights, kept at the level searched at this frame size (target-guide.ts).
   */
  guideFor(modelOut: E.Tensor, rough: E.Tensor, passes: GuidePasses): TargetGuide {
    return searchedGuide(modelOut, rough, passes, this.exemplars, this.o.synth);
  }

  /**
   * Whether frame is an anchor this sequence holds already (synthesized as the later anchor of
   * earlier frames): its final frame is that synthesis, and render needs no guide for it (a
   * renderer then skips the look model on it: ~0.4 s a 1080p anchor).
   */
  holds(frame: number): boolean {
    const from = this.anchorsOf(frame);
    return from.length === 1 && from[0]!.frame === frame && this.#anchors.has(frame);
  }

  /** The final frame for frame number `frame` given its rough frame and guide (guideFor; null for a frame it holds); (1, 3, H, W). */
  async render(frame: number, rough: E.Tensor, guide: TargetGuide | null): Promise<E.Tensor> {
    const from = this.anchorsOf(frame);
    try {
      if (!guide) {
        if (!this.holds(frame)) throw new Error(`frame ${frame} needs its guide: the strokes hold no synthesis of it yet`);
        return this.#anchors.get(frame)!.result.image.clone();
      }
      if (from.length === 1 && from[0]!.frame === frame) return this.#setAnchor(frame, rough, guide).result.image.clone();
      return await this.#carry(frame, rough, guide, from);
    } finally {
      this.#forget(frame, from.map((a) => a.frame));
    }
  }

  /** The frame's luma on the chains' flow grid (at most flowMaxWidth wide). */
  #grey(rough: E.Tensor) {
    return flowFrame(rough, this.o.flowMaxWidth);
  }

  /**
   * The frame's ID labels (idLabels, read from its guide at the searched level) on the w×h flow
   * grid, nearest; undefined when the exemplars' guides hold no ID pass.
   */
  #labelsOnGrid(guide: TargetGuide, rough: E.Tensor, w: number, h: number): Int32Array | undefined {
    const codes = this.exemplars.idCodes;
    if (!codes?.length) return undefined;
    const o = { ...DEFAULT_SYNTH, ...this.o.synth };
    const top = searchSize(rough.size(2), rough.size(3), this.exemplars, this.o.synth);
    const g = E.tidy(() => guideAt(guide, top.level, top.height, top.width).mul(o.guideWeight));
    let at: Int32Array;
    try { at = idLabels(g, codes, o.guideWeight); } finally { g.dispose(); }
    const out = new Int32Array(w * h);
    for (let y = 0; y < h; y++) {
      const row = Math.min(top.height - 1, Math.floor(((y + 0.5) * top.height) / h)) * top.width;
      for (let x = 0; x < w; x++) out[y * w + x] = at[row + Math.min(top.width - 1, Math.floor(((x + 0.5) * top.width) / w))]!;
    }
    return out;
  }

  async #carry(frame: number, rough: E.Tensor, guide: TargetGuide, from: { frame: number; weight: number }[]): Promise<E.Tensor> {
    const [, , h, w] = rough.shape as [number, number, number, number];
    const { grey, w: fw, h: fh } = this.#grey(rough);
    // The field is carried at the level the synthesis searches (full size unless the frame is large).
    const top = searchSize(h, w, this.exemplars, this.o.synth);
    const synthOpts = { ...DEFAULT_SYNTH, ...this.o.synth };
    const lock = synthOpts.colorLock * 2 ** top.level;
    // Each chain's trust, kept off the gaps by the reach of the anchor's marks (carry-margin.ts).
    const margin = gapMargin(synthOpts.patch, top.level, w, fw);
    // Carried regions narrower than a patch hold no stroke of the anchor's, only its colour there.
    const islandRadius = Math.max(1, Math.round(((synthOpts.patch - 1) / 2) * 2 ** top.level * fw / w));
    // carries: where the chain is trusted and the looks agree (lookAgrees); trusted: that, off the gaps.
    const carried: { anchor: Anchor; chain: Chain; carries: Float32Array; trusted: Float32Array; weight: number }[] = [];
    const look = E.tidy(() => toGrid(guideColour(guide), fw, fh));
    // The painted keyframes' departures by colour, crossfaded by the anchors' weights (colour-map.ts).
    let departure: Float32Array | null = null;
    let lookData: Float32Array | null = null; // the look as planar RGB, read once for every anchor's map
    let labels: Int32Array | null | undefined; // the frame's ID labels on the flow grid, for maps by object
    try {
      for (const a of from) {
        const anchor = await this.#anchorFor(a.frame);
        const chain = await this.#chainTo(anchor, frame, grey, fw, fh);
        const agrees = lookAgrees(anchor.look, chain, look, 2 ** top.level * fw / w);
        const smooth = offFlowEdges(chain.flow, fw, fh);
        const carries = withoutIslands(chain.valid.map((v, i) => v * agrees[i]! * smooth[i]!), fw, fh, islandRadius);
        carried.push({ anchor, chain, carries, trusted: clearOfGaps(carries, chain.seen, fw, fh, margin), weight: a.weight });
        if (anchor.map && synthOpts.colorLock > 0) {
          lookData ??= planar(look);
          if (labels === undefined && anchor.map.byLabel) labels = this.#labelsOnGrid(guide, rough, fw, fh) ?? null;
          const d = mapDeparture(anchor.map, lookData, fw * fh, labels ?? undefined);
          if (!departure) departure = new Float32Array(d.length);
          for (let i = 0; i < d.length; i++) departure[i] += a.weight * d[i]!;
        }
      }
    } finally {
      look.dispose();
    }
    // Each anchor's strokes moved here where its chain is trusted, crossfaded by distance where
    // both are (weights renormalized where only one is), and where the union is trusted.
    const { warped, mask } = E.tidy(() => {
      let acc: E.Tensor | null = null, wsum: E.Tensor | null = null, w2sum: E.Tensor | null = null;
      for (const c of carried) {
        // Bicubic: a sub-pixel shift keeps more of the strokes' detail than bilinear.
        const img = warpByFlow(c.anchor.result.image, flowToFull(flowToTensor(c.chain.flow, fw, fh), h, w), { mode: 'bicubic' }).clamp(0, 1);
        let m = E.tensor(c.trusted, [1, 1, fh, fw]);
        if (fh !== h || fw !== w) m = E.F.interpolate(m, { size: [h, w], mode: 'bilinear' }).gt(0.5).float();
        m = m.mul(c.weight);
        acc = acc ? acc.add(img.mul(m)) : img.mul(m);
        wsum = wsum ? wsum.add(m) : m;
        w2sum = w2sum ? w2sum.add(m.square()) : m.square();
      }
      const trusted = wsum!.gt(0).float();
      let mixed = acc!.div(wsum!.clamp(1e-6));
      if (carried.length > 1) {
        // A mix of two anchors' unrelated marks keeps only part of their contrast (half-and-half:
        // 1/√2), which shows as the strokes going soft midway between keyframes: the detail above
        // the colour lock's scale is scaled back by Σw / √Σw² (variance-preserving blending,
        // Heitz & Neyret 2018); 1 where one anchor alone is carried.
        const gain = wsum!.div(w2sum!.clamp(1e-12).sqrt()).mul(trusted).add(trusted.rsub(1));
        const sigma = lock > 0 ? lock : 3 * 2 ** top.level;
        const low = wideGaussianBlur(mixed, sigma);
        mixed = low.add(mixed.sub(low).mul(gain));
      }
      return { warped: E.keep(mixed.clamp(0, 1)), mask: E.keep(trusted) };
    });
    // The synthesis fills what no anchor saw, starting from the nearer anchor's field.
    const near = carried.reduce((a, b) => (b.weight > a.weight ? b : a));
    const anchor = near.anchor, backFlat = near.chain.flow;
    let synth: E.Tensor | null = null;
    try {
      // The field is carried wherever the chain is trusted (next to a gap its patches are the
      // surface's own: the spill came from voting neighbours that have moved away); the warped
      // image is agreed with only off the gaps.
      const at = flowAtLevel(backFlat, near.carries, fw, fh, top.width, top.height);
      const nnf = advectNnf(anchor.result.nnf, at.flow, at.valid);
      const clear = trustAtLevel(near.trusted, fw, fh, top.width, top.height);
      const warpedValid = nnf.valid.map((v, i) => (v && clear[i]! > 0.5 ? 1 : 0));
      const warpedAt = top.level > 0 ? E.keep(E.tidy(() => down(warped, top.height, top.width))) : warped;
      try {
        synth = synthesize(guide, this.exemplars, this.o.synth, { nnf: nnf.nnf.index, valid: nnf.valid, warpedValid, warped: warpedAt, weight: this.o.temporalWeight, bonus: this.o.carryBonus, exemplars: anchor.result.exemplars }).image;
      } finally {
        if (warpedAt !== warped) warpedAt.dispose();
      }
      // Where the flow is trusted, the anchors' strokes themselves move with the surface (sub-pixel,
      // bicubic); the synthesis fills the rest. A feathered mask hides the seam, and the colour is
      // locked to this frame's look-model output (its light, not the anchors').
      return E.tidy(() => {
        const soft = gaussianBlur(mask.mul(mask.gt(0.5)), this.o.feather).clamp(0, 1).mul(mask);
        if (!(lock > 0)) return lockToModel(warped.mul(soft).add(synth!.mul(soft.rsub(1))), guideColour(guide), synthOpts, top.level);
        // The lock's target made in place: at 4K each full-size copy is 100 MB of the final's peak.
        const offset = carriedOffset(carried, fw, fh, lock * fw / w);
        if (departure) offset.add_(E.tensor(departure, [1, 3, fh, fw]));
        const target = E.F.interpolate(offset, { size: [h, w], mode: 'bilinear' }).add_(guideColour(guide));
        const out = mixLocked(warped, synth!, soft, target, synthOpts, top.level);
        synth = null; // freed by mixLocked
        return out;
      });
    } finally {
      E.disposeAll([warped, mask, synth]);
    }
  }

  dispose(): void {
    for (const a of this.#anchors.values()) E.disposeAll([a.result.image, a.look, a.offset]);
    this.#anchors.clear();
    this.#chains.clear();
  }
}
