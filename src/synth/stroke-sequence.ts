// Strokes that stay on the surfaces through a shot, without giving up random access. Frames are
// grouped from the shot's first frame into runs of `anchorEvery`; the run's first frame (its
// anchor) is synthesized on its own, every other frame starts from the anchor's field carried
// along the rough frames' optical flow (Jamriška et al. 2019 carry the field frame to frame; here it
// is carried from the anchor directly, so a frame depends on itself and its anchor only — a
// bounded dependency, never a recursion over earlier results). Rendering any range therefore gives
// the same frames as rendering the whole shot: an anchor before the range is computed on demand.
import * as E from '../engine/index.js';
import { occlusionMask, inFrameMask, flowToTensor, warpByFlow } from '../metrics/index.js';
import { greyBytes } from '../render/coherence.js';
import { synthesize, type Exemplars, type SynthOptions, type SynthResult } from './synthesize.js';
import { advectNnf } from './nnf.js';

export interface StrokeOptions {
  /** Frames per run sharing one anchor's strokes (1 = every frame on its own). */
  anchorEvery: number;
  /** Weight of agreeing with the anchor's output carried here (see TemporalHint). */
  temporalWeight: number;
  preset: E.FlowPreset;
  synth: Partial<SynthOptions>;
}

export const DEFAULT_STROKES: StrokeOptions = { anchorEvery: 8, temporalWeight: 1, preset: 'medium', synth: {} };

/** Loads frame n's rough frame and look-model output (both (1, 3, H, W); the sequence disposes them). */
export type FrameLoader = (frame: number) => Promise<{ rough: E.Tensor; guide: E.Tensor }>;

interface Anchor { frame: number; grey: Uint8Array; result: SynthResult }

export class StrokeSequence {
  #anchor: Anchor | null = null;
  readonly o: StrokeOptions;

  constructor(readonly exemplars: Exemplars, readonly firstFrame: number, o: Partial<StrokeOptions>, readonly load: FrameLoader) {
    this.o = { ...DEFAULT_STROKES, ...o };
    if (!(Number.isInteger(this.o.anchorEvery) && this.o.anchorEvery >= 1)) throw new RangeError(`anchorEvery must be a whole number ≥ 1, got ${this.o.anchorEvery}`);
  }

  anchorOf(frame: number): number {
    return this.firstFrame + Math.floor((frame - this.firstFrame) / this.o.anchorEvery) * this.o.anchorEvery;
  }

  async #anchorFor(frame: number): Promise<Anchor> {
    if (this.#anchor?.frame === frame) return this.#anchor;
    const { rough, guide } = await this.load(frame);
    try {
      return this.#setAnchor(frame, rough, guide);
    } finally {
      E.disposeAll([rough, guide]);
    }
  }

  #setAnchor(frame: number, rough: E.Tensor, guide: E.Tensor): Anchor {
    const result = synthesize(guide, this.exemplars, this.o.synth);
    E.keep(result.image);
    this.#anchor?.result.image.dispose();
    this.#anchor = { frame, grey: greyBytes(rough), result };
    return this.#anchor;
  }

  /** The final frame for frame number `frame` given its rough frame and look-model output; (1, 3, H, W). */
  async render(frame: number, rough: E.Tensor, guide: E.Tensor): Promise<E.Tensor> {
    const a = this.anchorOf(frame);
    if (a === frame) return this.#setAnchor(frame, rough, guide).result.image.clone();
    const anchor = await this.#anchorFor(a);
    const [, , h, w] = rough.shape as [number, number, number, number];
    const grey = greyBytes(rough);
    const backFlat = E.disFlow(grey, anchor.grey, w, h, this.o.preset);
    const { valid, warped } = E.tidy(() => {
      const back = flowToTensor(backFlat, w, h);
      const fwd = flowToTensor(E.disFlow(anchor.grey, grey, w, h, this.o.preset), w, h);
      const m = occlusionMask(back, fwd).mul(inFrameMask(back));
      return { valid: m.data() as Float32Array, warped: warpByFlow(anchor.result.image, back) };
    });
    try {
      const carried = advectNnf(anchor.result.nnf, backFlat, valid);
      return synthesize(guide, this.exemplars, this.o.synth, { nnf: carried.nnf.index, valid: carried.valid, warped, weight: this.o.temporalWeight, exemplars: anchor.result.exemplars }).image;
    } finally {
      warped.dispose();
    }
  }

  dispose(): void {
    this.#anchor?.result.image.dispose();
    this.#anchor = null;
  }
}
