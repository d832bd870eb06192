// Temporal coherence without giving up random access: each output frame is the model's frame
// blended with the model's previous `window` frames warped into it along the rough input's optical
// flow (OpenCV DIS), where forward-backward flow agrees (no occlusion) and the source lies in frame.
// The blend reads only model outputs of frames t-window..t, never earlier blends, so any frame range
// renders on its own given pre-roll frames (see preRoll), and chunks equal a whole-shot render.
// DIS runs once per consecutive pair (both directions); flows reaching further back are composed.
// With `motion`, the renderer's motion vectors (a "motion" render pass, motion-pass.ts) replace DIS:
// their visibility channel replaces the forward-backward check.
import * as E from '../engine/index.js';
import { dilate, warpByFlow, occlusionMask, inFrameMask, flowToTensor, greyBytes, gaussianBlur, flowFrame, flowToFull, type FlowFrame } from '../image/index.js';
import type { MotionVectors } from './motion-pass.js';

export interface CoherenceOptions {
  /** Previous frames blended into each frame (0 = per-frame rendering). */
  window: number;
  /** Weight of frame t-k relative to frame t: decay^k. */
  decay: number;
  preset: E.FlowPreset;
  /**
   * Flow is computed on frames downscaled by an integer factor to at most this width, then
   * upsampled. At 1920x1080, DIS "medium" on the half-size frame costs a fifth of the full-size one
   * and lands 1.3 px (mean end-point) from it, where "fast" at full size costs the same and lands
   * 4.0 px away (flows of 8.7 px on average; bench/RESULTS.md, render). Absent: 1024.
   */
  flowMaxWidth?: number;
  /** Flow from the shot's motion pass (every frame must have one) instead of DIS on the rough frames. */
  motion?: boolean;
}

export const DEFAULT_COHERENCE: CoherenceOptions = { window: 2, decay: 0.7, preset: 'medium', flowMaxWidth: 1024 };

/**
 * The default where the shot has the renderer's motion vectors: a wider window, since they follow
 * surfaces exactly where DIS guesses (sample test shots, change along the true motion against
 * per-frame rendering, the frame's 4-px edge left out: motion window 2 0.74, window 4 decay 0.8
 * 0.70, DIS window 2 0.85; bench/RESULTS.md, render).
 */
export const MOTION_COHERENCE: CoherenceOptions = { window: 4, decay: 0.8, preset: 'medium', flowMaxWidth: 1024, motion: true };

/** A shot's default coherence: its motion pass when every frame has one, else DIS. */
export function defaultCoherence(frames: readonly { passes: Record<string, unknown> }[], motionPass: string): CoherenceOptions {
  return frames.length > 0 && frames.every((f) => f.passes[motionPass]) ? MOTION_COHERENCE : DEFAULT_COHERENCE;
}

/** A user's choice of blend (render flags, a dailies request): what is left out takes the shot's default. */
export interface CoherenceChoice { flow?: 'dis' | 'motion'; window?: number }

/** The blend a choice makes on a shot: the chosen flow's defaults (else the shot's), the window if chosen. */
export function chooseCoherence(frames: readonly { passes: Record<string, unknown> }[], motionPass: string, c: CoherenceChoice): CoherenceOptions {
  const base = c.flow === 'motion' ? MOTION_COHERENCE : c.flow === 'dis' ? DEFAULT_COHERENCE : defaultCoherence(frames, motionPass);
  return c.window === undefined ? base : { ...base, window: c.window };
}

/** Whole options (a pinned description's), not a choice still to be made on a shot. */
export const isCoherenceOptions = (c: CoherenceOptions | CoherenceChoice): c is CoherenceOptions => 'decay' in c;

/**
 * Frames to push before the first frame of a range: `window` for its blend, plus one so the
 * previous frame's blend (used by the per-frame warping error) is exact as well.
 */
export function preRoll(o: CoherenceOptions): number {
  return o.window + 1;
}

export { greyBytes };

/** DIS from frame a to frame b, as a (1, 2, h, w) flow on a's (flow-sized) grid in its pixels. */
function dis(a: FlowFrame, b: FlowFrame, preset: E.FlowPreset): E.Tensor {
  return flowToTensor(E.disFlow(a.grey, b.grey, a.w, a.h, preset), a.w, a.h);
}

/** A full-size image on the flow grid (area downscale), or itself when the flow is full size. */
function toFlowSize(img: E.Tensor, f: FlowFrame): E.Tensor {
  return img.size(2) === f.h && img.size(3) === f.w ? img : E.F.interpolate(img, { size: [f.h, f.w], mode: 'area' });
}

/**
 * Sigma (flow-grid pixels) of the ramp a past frame's weight takes inside its mask. A hard 0/1 edge
 * turns any small difference between the past frames and this one into a line where one more
 * frame joins the blend (seen as streaks 8 px apart along the edge a camera pans from, window 4).
 */
const MASK_FEATHER = 2;

/**
 * Full-size pixels along the frame's edges a past frame is not read from: the look model's output
 * differs in its outermost pixels (convolution padding), and a pan would carry that edge line of
 * each past frame into this one's interior.
 */
const EDGE_MARGIN = 4;

/** A 0/1 mask on the flow grid as weights on the full-size grid: feathered inward (never beyond the mask). */
function maskToFull(m: E.Tensor, h: number, w: number): E.Tensor {
  return E.tidy(() => {
    const soft = m.size(2) > 3 * MASK_FEATHER && m.size(3) > 3 * MASK_FEATHER ? gaussianBlur(m, MASK_FEATHER).mul(m) : m;
    return m.size(2) === h && m.size(3) === w ? soft : E.F.interpolate(soft, { size: [h, w], mode: 'bilinear' });
  });
}

export interface BlendResult {
  frame: E.Tensor;
  /** Warping error (Lai et al. 2018) against the previous output frame over visible pixels; NaN for the first. */
  warpError: number;
}

/**
 * The flows of one consecutive pair (t-1, t): backward on frame t's grid, forward on t-1's, both at
 * flow size. Composition and occlusion run at flow size too (a quarter of the pixels at 1080p);
 * only the flows and masks the blend applies are brought to full size.
 */
interface PairFlow { back: E.Tensor; fwd: E.Tensor }

/**
 * A motion-pass pair on frame t's full-size grid: the backward vectors (channels 0-1) and where
 * they are valid (channel 2) in one tensor, so a composition step warps both in one sampling pass;
 * back and visible are views of it.
 */
interface MotionPair { packed: E.Tensor; back: E.Tensor; visible: E.Tensor }

/**
 * Flows reaching k frames back, composed from consecutive pairs (DIS runs once per frame pair, not
 * once per pair in the window): pairs[i] is the pair (t-k+i, t-k+i+1), oldest first.
 * back(x) on frame t: b_t(x) + b_{t-1}(x + b_t(x)) + ...; fwd(y) on frame t-k likewise forwards.
 */
function composeFlows(pairs: PairFlow[]): PairFlow {
  return E.tidy(() => {
    let back = pairs.at(-1)!.back;
    for (let i = pairs.length - 2; i >= 0; i--) back = back.add(warpByFlow(pairs[i]!.back, back));
    let fwd = pairs[0]!.fwd;
    for (let i = 1; i < pairs.length; i++) fwd = fwd.add(warpByFlow(pairs[i]!.fwd, fwd));
    return { back, fwd };
  });
}

/**
 * The flows from frame t back to t-1 .. t-n (pairs: at least the n pairs in between, oldest first)
 * on the flow grid, nearest first, and where each is usable: visible in both frames (forward-backward
 * agreement, or the renderer's visibility), source inside the frame.
 */
function windowFlows(pairs: (PairFlow | MotionPair)[], n: number, margin: number): { back: E.Tensor; mask: E.Tensor }[] {
  if (n === 0) return [];
  if ('visible' in pairs[0]!) return motionWindow(pairs as MotionPair[], n, margin);
  return Array.from({ length: n }, (_, i) => E.tidy(() => {
    const { back, fwd } = composeFlows((pairs as PairFlow[]).slice(pairs.length - i - 1));
    return { back, mask: occlusionMask(back, fwd).mul(inFrameMask(back, margin)) };
  }));
}

/**
 * Most a rough pixel may differ (any channel, 0..1) from where its motion vector says it was, for
 * the pair to be blended there. The renderer's vectors follow surfaces, but drawn outlines follow
 * silhouettes: along the true motion, last frame's outline lands on this frame's background and
 * shows as a ghost line (seen on the sample's fox and character), which this check removes.
 */
const MOTION_PHOTO_TOLERANCE = 0.1;
const MOTION_PHOTO_MARGIN = 2;

/** A kept motion-vector pair: usable where the renderer saw the point and the rough frames agree. */
function motionPair(m: MotionVectors, rough: E.Tensor, prevRough: E.Tensor): MotionPair {
  return E.tidy(() => {
    const disagree = rough.sub(warpByFlow(prevRough, m.back)).abs().max(1, true).ge(MOTION_PHOTO_TOLERANCE).float();
    // Widened by MOTION_PHOTO_MARGIN px: the model draws outlines softer and wider than the rough's.
    const agree = dilate(disagree, MOTION_PHOTO_MARGIN).rsub(1);
    const packed = E.keep(E.F.cat([m.back, m.visible.mul(agree)], 1));
    return { packed, back: E.keep(packed.narrow(1, 0, 2)), visible: E.keep(packed.narrow(1, 2, 1)) };
  });
}

/**
 * Motion vectors reaching 1..n frames back, composed like the flows, each from the one before (the
 * window's compositions share their steps: 3 steps for a window of 4, not 6, each a few full-size
 * warps): a pixel is usable where each step along the way was visible (the renderer's own
 * visibility) and the source lies inside the frame.
 */
function motionWindow(pairs: MotionPair[], n: number, margin: number): { back: E.Tensor; mask: E.Tensor }[] {
  const out: { back: E.Tensor; mask: E.Tensor }[] = [];
  let back = pairs.at(-1)!.back;
  let visible = pairs.at(-1)!.visible;
  for (let k = 1; k <= n; k++) {
    if (k > 1) {
      const step = pairs[pairs.length - k]!;
      // A step through a point outside the frame reads clamped border vectors: not usable, even
      // where the composed vector lands inside again (streaks along the edge a camera pans from).
      const [b, v] = E.tidy(() => {
        const moved = warpByFlow(step.packed, back);
        return [back.add(moved.narrow(1, 0, 2)), out.at(-1)!.mask.mul(moved.narrow(1, 2, 1).gt(0.5).float())];
      });
      back = b!;
      visible = v!;
    }
    out.push({ back, mask: E.tidy(() => visible.mul(inFrameMask(back, margin))) });
  }
  return out;
}

export class TemporalBlender {
  /** Model outputs of the last `window` frames, oldest first. */
  readonly #past: E.Tensor[] = [];
  /** Flows of the last `window` consecutive pairs ending at the newest frame, oldest first. */
  readonly #pairs: (PairFlow | MotionPair)[] = [];
  #prevGrey: FlowFrame | null = null;
  /** With motion vectors: the previous rough frame, for the photometric check of each pair. */
  #prevRough: E.Tensor | null = null;
  /** The previous blended frame on the flow grid, for the warping error. */
  #previous: E.Tensor | null = null;
  constructor(readonly o: CoherenceOptions = DEFAULT_COHERENCE) {}

  /**
   * Feeds consecutive frames: the rough input (1, 3, H, W), the model's output for it and, with
   * the motion option, the frame's motion vectors to the previous frame (the blender keeps them).
   */
  push(rough: E.Tensor, modelOut: E.Tensor, motion?: MotionVectors): BlendResult {
    const [, , h, w] = rough.shape as [number, number, number, number];
    if (!!this.o.motion !== !!motion) throw new Error(this.o.motion ? 'coherence from the motion pass needs each frame\'s motion vectors' : 'motion vectors were given to a blender that computes its flow');
    if (motion && (motion.back.size(2) !== h || motion.back.size(3) !== w)) throw new RangeError(`the motion pass is ${motion.back.size(3)}x${motion.back.size(2)} but the frame is ${w}x${h}`);
    // The grid flows live on: the frame's own with motion vectors, DIS's (at most flowMaxWidth wide) otherwise.
    const grey: FlowFrame = motion ? { grey: new Uint8Array(0), w, h } : flowFrame(rough, this.o.flowMaxWidth ?? 1024);
    if (this.#prevGrey) {
      this.#pairs.push(motion ? motionPair(motion, rough, this.#prevRough!) : {
        back: E.keep(dis(grey, this.#prevGrey, this.o.preset)),
        fwd: E.keep(dis(this.#prevGrey, grey, this.o.preset)),
      });
      // Kept: the pairs the window reaches (at least the last one, for the warping error).
      while (this.#pairs.length > Math.max(1, this.o.window)) {
        E.disposeAll(Object.values(this.#pairs.shift()!));
      }
    }
    const result = E.tidy(() => {
      const acc = modelOut.clone();
      const wsum = E.onesLike(modelOut.slice(1, 0, 1));
      // Frame t-1's flow and mask: the k = 1 term of the blend and the warping error share them.
      const margin = EDGE_MARGIN * grey.w / w; // on the flow grid
      const flows = windowFlows(this.#pairs, Math.max(this.#past.length, this.#pairs.length ? 1 : 0), margin);
      const last = flows[0] ?? null;
      this.#past.forEach((out, i) => {
        const k = this.#past.length - i; // frames back
        const { back, mask } = flows[k - 1]!;
        const full = maskToFull(mask, h, w);
        acc.addcmul_(warpByFlow(out, flowToFull(back, h, w)), full, this.o.decay ** k);
        wsum.add_(full, this.o.decay ** k);
      });
      const frame = acc.div(wsum).clamp(0, 1);
      // The warping error is measured on the flow's grid (the frame area-downscaled like the flow's
      // input above flowMaxWidth): where the flow is measured, and a full-size warp less per frame.
      const atFlowSize = toFlowSize(frame, grey);
      let err = NaN;
      if (this.#previous && last) {
        const denom = last.mask.sum().item();
        if (denom > 0) err = atFlowSize.sub(warpByFlow(this.#previous, last.back)).square().mean(1, true).mul(last.mask).sum().item() / denom;
      }
      return { frame, err, atFlowSize };
    });
    if (this.o.window > 0) {
      // The model's own output is what later frames blend, not this blend: windowed, not recursive.
      this.#past.push(E.keep(modelOut.clone()));
      if (this.#past.length > this.o.window) this.#past.shift()!.dispose();
    }
    this.#prevGrey = grey;
    if (motion) {
      this.#prevRough?.dispose();
      this.#prevRough = E.keep(rough.clone());
    }
    this.#previous?.dispose();
    this.#previous = E.keep(result.atFlowSize === result.frame ? result.frame.clone() : result.atFlowSize);
    return { frame: result.frame, warpError: result.err };
  }

  dispose(): void {
    E.disposeAll([this.#past, this.#pairs.map((p) => Object.values(p) as E.Tensor[])]);
    this.#past.length = 0;
    this.#pairs.length = 0;
    this.#previous?.dispose();
    this.#previous = null;
    this.#prevGrey = null;
    this.#prevRough?.dispose();
    this.#prevRough = null;
  }
}
