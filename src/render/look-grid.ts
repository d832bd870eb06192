// The size the look model works at. Its output is soft (a preview's high band is 3 % of a
// painting's at 1080p), and what reads it reads it coarse: the preview's blend (its flow is
// measured at most 1024 px wide already), and the final's stroke stage (it searches the model's
// output two levels down at 1080p and locks to its colour blurred over 12 px). So frames wider than
// LOOK_MAX_WIDTH run the model downscaled by an integer factor (a preview its blend too) and are
// brought back to full size bilinearly. On the look-hd sample's held-out paintings:
// - preview: PSNR 20.46 against 20.39 at full size, SSIM 0.698 against 0.695, the two 35.7 dB
//   apart; softer outlines at 100 %. 1080p: 0.86 → 0.41 s a frame.
// - final: 26.663 against 26.716 dB, the same strokes at 100 %. 1080p: 2.44 → 2.05 s a frame.
// A final's look is at most halved (a quarter, at 4K, is not measured). bench/RESULTS.md, render.
import * as E from '../engine/index.js';
import { isIdPass } from '../synth/id-pass.js';
import { motionOnGrid } from '../image/index.js';
import type { MotionVectors } from './motion-pass.js';

/** Widest frame the look model runs on at full size; wider ones run downscaled by an integer factor. */
export const LOOK_MAX_WIDTH = 1024;

/** The smallest look width asked for that is not full size (0). */
export const MIN_LOOK_WIDTH = 16;

/** A look width as asked for (default LOOK_MAX_WIDTH; 0: full size), checked. */
export function checkLookWidth(width: number | undefined): number {
  const w = width ?? LOOK_MAX_WIDTH;
  if (!(Number.isInteger(w) && (w === 0 || w >= MIN_LOOK_WIDTH))) throw new Error(`the look's width must be 0 (full size) or at least ${MIN_LOOK_WIDTH} pixels, got ${String(width)}`);
  return w;
}

/** The coarsest a final's look model runs: half size, as measured (see the header). */
export const FINAL_LOOK_FACTOR = 2;

/**
 * The integer factor the look of a w-pixel-wide frame is computed downscaled by (the flow grid's
 * rule, flowFrame); maxWidth 0: full size. A final's at most FINAL_LOOK_FACTOR.
 */
export const lookFactor = (w: number, maxWidth: number = LOOK_MAX_WIDTH, quality: 'preview' | 'final' = 'preview'): number =>
  maxWidth > 0 ? Math.min(quality === 'final' ? FINAL_LOOK_FACTOR : Infinity, Math.max(1, Math.ceil(w / maxWidth))) : 1;

/** The size a frame of h×w is computed at for a factor f. */
export const lookSize = (h: number, w: number, f: number): [number, number] => [Math.ceil(h / f), Math.ceil(w / f)];

/**
 * A frame's rough image and passes on the look's grid (new tensors). Area averaging, but ID passes
 * are categories (an average of two objects' colours is a third object's): nearest.
 */
export function toLookGrid(rough: E.Tensor, passes: Map<string, E.Tensor>, f: number): { rough: E.Tensor; passes: Map<string, E.Tensor> } {
  const [h, w] = lookSize(rough.size(2), rough.size(3), f);
  const down = (t: E.Tensor, mode: 'area' | 'nearest') => E.F.interpolate(t, { size: [h, w], mode });
  return { rough: down(rough, 'area'), passes: new Map([...passes].map(([k, v]) => [k, down(v, isIdPass(k) ? 'nearest' : 'area')])) };
}

/** Motion vectors on the look's grid (motionOnGrid, as the strokes' chains take them). */
export function motionToLookGrid(m: MotionVectors, f: number): MotionVectors {
  return motionOnGrid(m.back, m.visible, ...lookSize(m.back.size(2), m.back.size(3), f));
}

/** An image computed on the look's grid, at the frame's full size (bilinear). */
export const fromLookGrid = (frame: E.Tensor, h: number, w: number): E.Tensor =>
  frame.size(2) === h && frame.size(3) === w ? frame.clone() : E.F.interpolate(frame, { size: [h, w], mode: 'bilinear' });
