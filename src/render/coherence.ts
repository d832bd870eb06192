// Temporal coherence without giving up random access: each output frame is the model's frame
// blended with the model's previous `window` frames warped into it along the rough input's optical
// flow (OpenCV DIS), where forward-backward flow agrees (no occlusion) and the source lies in frame.
// The blend reads only model outputs of frames t-window..t, never earlier blends, so any frame range
// renders on its own given pre-roll frames (see preRoll), and chunks equal a whole-shot render.
import * as E from '../engine/index.js';
import { warpByFlow, occlusionMask, inFrameMask, flowToTensor, luminance } from '../metrics/index.js';

export interface CoherenceOptions {
  /** Previous frames blended into each frame (0 = per-frame rendering). */
  window: number;
  /** Weight of frame t-k relative to frame t: decay^k. */
  decay: number;
  preset: E.FlowPreset;
}

export const DEFAULT_COHERENCE: CoherenceOptions = { window: 2, decay: 0.7, preset: 'medium' };

/**
 * Frames to push before the first frame of a range: `window` for its blend, plus one so the
 * previous frame's blend (used by the per-frame warping error) is exact as well.
 */
export function preRoll(o: CoherenceOptions): number {
  return o.window + 1;
}

/** 8-bit Rec.601 luma of a (1, 3, H, W) image in [0, 1], the input DIS works on. */
export function greyBytes(rgb: E.Tensor): Uint8Array {
  return E.tidy(() => Uint8Array.from(luminance(rgb).mul(255).round().clamp(0, 255).data() as Float32Array));
}

export interface BlendResult {
  frame: E.Tensor;
  /** Warping error (Lai et al. 2018) against the previous output frame over visible pixels; NaN for the first. */
  warpError: number;
}

export class TemporalBlender {
  readonly #past: { grey: Uint8Array; out: E.Tensor }[] = [];
  #previous: E.Tensor | null = null;
  constructor(readonly o: CoherenceOptions = DEFAULT_COHERENCE) {}

  /** Feeds consecutive frames: the rough input (1, 3, H, W) and the model's output for it. */
  push(rough: E.Tensor, modelOut: E.Tensor): BlendResult {
    const [, , h, w] = rough.shape as [number, number, number, number];
    const grey = greyBytes(rough);
    const flows = (p: { grey: Uint8Array }) => ({
      back: flowToTensor(E.disFlow(grey, p.grey, w, h, this.o.preset), w, h),
      fwd: flowToTensor(E.disFlow(p.grey, grey, w, h, this.o.preset), w, h),
    });
    const result = E.tidy(() => {
      let acc = modelOut.clone();
      let wsum = E.onesLike(modelOut.slice(1, 0, 1));
      let lastBack: E.Tensor | null = null;
      let lastMask: E.Tensor | null = null;
      this.#past.forEach((p, i) => {
        const k = this.#past.length - i; // frames back
        const { back, fwd } = flows(p);
        const mask = occlusionMask(back, fwd).mul(inFrameMask(back));
        acc = acc.add(warpByFlow(p.out, back).mul(mask).mul(this.o.decay ** k));
        wsum = wsum.add(mask.mul(this.o.decay ** k));
        if (k === 1) { lastBack = back; lastMask = mask; }
      });
      const frame = acc.div(wsum).clamp(0, 1);
      if (this.#past.length === 0 && this.#prevGrey) {
        // Per-frame mode (window 0) still reports its coherence: flow to the previous frame.
        const f = flows({ grey: this.#prevGrey });
        lastBack = f.back;
        lastMask = occlusionMask(f.back, f.fwd).mul(inFrameMask(f.back));
      }
      let err = NaN;
      if (this.#previous && lastBack && lastMask) {
        const m: E.Tensor = lastMask;
        const denom = m.sum().item();
        if (denom > 0) err = frame.sub(warpByFlow(this.#previous, lastBack)).square().mean(1, true).mul(m).sum().item() / denom;
      }
      return { frame, err };
    });
    if (this.o.window > 0) {
      // The model's own output is what later frames blend, not this blend: windowed, not recursive.
      this.#past.push({ grey, out: E.keep(modelOut.clone()) });
      if (this.#past.length > this.o.window) this.#past.shift()!.out.dispose();
    }
    this.#prevGrey = grey;
    this.#previous?.dispose();
    this.#previous = E.keep(result.frame.clone());
    return { frame: result.frame, warpError: result.err };
  }

  #prevGrey: Uint8Array | null = null;

  dispose(): void {
    for (const p of this.#past) p.out.dispose();
    this.#past.length = 0;
    this.#previous?.dispose();
    this.#previous = null;
  }
}
