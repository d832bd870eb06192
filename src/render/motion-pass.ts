// Motion vectors from the renderer, as a render pass named "motion", in place of computed optical
// flow: the renderer knows where every surface point was in the previous frame, exactly, where DIS
// estimates it from the rough pixels (and guesses in flat or occluded areas).
//
// The format (a 16-bit RGB PNG per frame; sample productions write it, a studio's pipeline converts
// its renderer's vector pass to it): R and G hold the backward motion to the previous frame,
// dx = (R - MOTION_OFFSET) / MOTION_SCALE and dy likewise in pixels (y down): the surface point at
// pixel (x, y) of frame t was at (x + dx, y + dy) in frame t-1, the same convention as a backward
// flow here (src/metrics/warp.ts). B = 65535 where that point was visible in frame t-1, 0 where it
// was occluded or unknown (the shot's first frame).
import * as E from '../engine/index.js';

export const MOTION_PASS = 'motion';
export const MOTION_SCALE = 64;
export const MOTION_OFFSET = 32768;

/** A frame's motion to the previous frame: backward flow (1, 2, H, W) in pixels, visibility (1, 1, H, W) 0/1. */
export interface MotionVectors { back: E.Tensor; visible: E.Tensor }

/** Decodes a motion pass loaded as (1, 3, H, W) in [0, 1] (16-bit values / 65535). */
export function decodeMotionPass(pass: E.Tensor): MotionVectors {
  if (pass.ndim !== 4 || pass.size(0) !== 1 || pass.size(1) !== 3) throw new RangeError(`a motion pass must be (1, 3, H, W), got [${pass.shape.join(', ')}]`);
  return E.tidy(() => {
    const v = pass.mul(65535).round();
    const xy = v.slice(1, 0, 2);
    // A vector at the format's limit (±512 px) was clamped: it points at the wrong place, so the
    // point is not known there (a camera whipping past a 1080p frame's width in one frame: the
    // look-hd sample's 3-frame shots carried a second girl onto a hill).
    const inRange = xy.gt(0.5).logicalAnd(xy.lt(65534.5)).float().min(1, true);
    return { back: xy.sub(MOTION_OFFSET).div(MOTION_SCALE), visible: v.slice(1, 2, 3).gt(32767.5).float().mul(inRange) };
  });
}

/**
 * Motion vectors as a motion pass to save as a 16-bit PNG, (1, 3, H, W) in [0, 1]: the inverse of
 * decodeMotionPass to 1/MOTION_SCALE px, vectors clamped to what the format holds (±512 px) and
 * those clamped marked not visible (their point is not where they say).
 */
export function encodeMotionPass(m: MotionVectors): E.Tensor {
  return E.tidy(() => {
    const xy = m.back.mul(MOTION_SCALE).add(MOTION_OFFSET).round();
    const inRange = xy.ge(1).logicalAnd(xy.le(65534)).float().min(1, true);
    return E.F.cat([xy.clamp(0, 65535), m.visible.gt(0.5).float().mul(inRange).mul(65535)], 1).div(65535);
  });
}

/**
 * The last requested frame's motion vectors, decoded once and handed out as copies (each caller
 * disposes its own): a final frame's stroke chains and its blend read the same frame's pass, and a
 * 16-bit 1080p motion PNG takes ~0.1 s to read and decode. Only the last frame is kept, and its last
 * reader takes it (not held while the next frame is made). After close() it loads every request.
 */
export class MotionMemo {
  #last: { frame: number; vectors: Promise<MotionVectors> } | null = null;
  #closed = false;
  constructor(readonly load: (frame: number) => Promise<MotionVectors>) {}

  async get(frame: number): Promise<MotionVectors> {
    if (this.#closed) return this.load(frame);
    if (this.#last?.frame !== frame) {
      this.#drop();
      this.#last = { frame, vectors: this.load(frame) };
    }
    const m = await this.#last.vectors;
    return E.tidy(() => ({ back: m.back.clone(), visible: m.visible.clone() }));
  }

  /** The frame's vectors for their last reader (the caller owns them): the kept ones, not a copy, and the memo forgets them. */
  async take(frame: number): Promise<MotionVectors> {
    if (this.#last?.frame !== frame) return this.load(frame);
    const { vectors } = this.#last;
    this.#last = null;
    return vectors;
  }

  /** Frees the kept vectors; later requests load (a carried-over stroke sequence may still ask). */
  close(): void {
    this.#closed = true;
    this.#drop();
  }

  #drop(): void {
    this.#last?.vectors.then((m) => E.disposeAll([m.back, m.visible]), () => {});
    this.#last = null;
  }
}
