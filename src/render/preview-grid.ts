// The preview's working size. A preview is the look model and the temporal blend, whose output is
// soft (its high band is 3 % of a painting's at 1080p): computed on the frames downscaled to the
// flow's grid (at most PREVIEW_MAX_WIDTH wide, the grid the blend's flow is measured on already)
// and brought back to full size bilinearly, a 1080p preview frame costs a quarter of the generator
// and of the blend's full-size warps. Against the look-hd sample's held-out paintings it scored as
// the full-size preview did (PSNR 20.46 against 20.39, SSIM 0.698 against 0.695; the two 35.7 dB
// apart), with softer outlines at 100 % (bench/RESULTS.md, render). Final frames stay full size.
import * as E from '../engine/index.js';
import { isIdPass } from '../synth/id-pass.js';
import type { MotionVectors } from './motion-pass.js';

/** Widest preview computed at full size; wider frames are computed downscaled by an integer factor. */
export const PREVIEW_MAX_WIDTH = 1024;

/** The smallest preview width asked for that is not full size (0). */
export const MIN_PREVIEW_WIDTH = 16;

/** A preview width as asked for (default PREVIEW_MAX_WIDTH; 0: full size), checked. */
export function checkPreviewWidth(width: number | undefined): number {
  const w = width ?? PREVIEW_MAX_WIDTH;
  if (!(Number.isInteger(w) && (w === 0 || w >= MIN_PREVIEW_WIDTH))) throw new Error(`the preview's width must be 0 (full size) or at least ${MIN_PREVIEW_WIDTH} pixels, got ${String(width)}`);
  return w;
}

/**
 * The integer factor a preview of a w-pixel-wide frame is computed downscaled by (the flow grid's
 * rule, flowFrame); maxWidth 0: full size.
 */
export const previewFactor = (w: number, maxWidth: number = PREVIEW_MAX_WIDTH): number => (maxWidth > 0 ? Math.max(1, Math.ceil(w / maxWidth)) : 1);

/** The size a frame of h×w is computed at for a factor f. */
export const previewSize = (h: number, w: number, f: number): [number, number] => [Math.ceil(h / f), Math.ceil(w / f)];

/**
 * A frame's rough image and passes on the preview grid (new tensors). Area averaging, but ID passes
 * are categories (an average of two objects' colours is a third object's): nearest.
 */
export function toPreviewGrid(rough: E.Tensor, passes: Map<string, E.Tensor>, f: number): { rough: E.Tensor; passes: Map<string, E.Tensor> } {
  const [h, w] = previewSize(rough.size(2), rough.size(3), f);
  const down = (t: E.Tensor, mode: 'area' | 'nearest') => E.F.interpolate(t, { size: [h, w], mode });
  return { rough: down(rough, 'area'), passes: new Map([...passes].map(([k, v]) => [k, down(v, isIdPass(k) ? 'nearest' : 'area')])) };
}

/** Motion vectors on the preview grid: block means in grid pixels, visible where the whole block was. */
export function motionToPreviewGrid(m: MotionVectors, f: number): MotionVectors {
  const [H, W] = [m.back.size(2), m.back.size(3)];
  const [h, w] = previewSize(H, W, f);
  return E.tidy(() => ({
    back: E.F.interpolate(m.back, { size: [h, w], mode: 'area' }).mul(E.tensor([w / W, h / H], [1, 2, 1, 1])),
    visible: E.F.interpolate(m.visible, { size: [h, w], mode: 'area' }).ge(0.999).float(),
  }));
}

/** A preview computed on the grid, at the frame's full size (bilinear). */
export const fromPreviewGrid = (frame: E.Tensor, h: number, w: number): E.Tensor =>
  frame.size(2) === h && frame.size(3) === w ? frame.clone() : E.F.interpolate(frame, { size: [h, w], mode: 'bilinear' });
