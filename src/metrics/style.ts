// Look metrics: does the output have the production's colours/strokes (patch SWD) and its fine
// texture (high-pass SWD and energy ratio)? Pixel metrics (PSNR/SSIM) reward blur; these do not.
import * as E from '../engine/index.js';
import { type Tensor } from '../engine/index.js';
import { asBatch } from '../image/shapes.js';
import { samplePatches } from './patches.js';
import { swd } from './swd.js';
import { highPass, luminance } from '../image/luminance.js';

export interface PatchSwdOptions {
  /** Most patches per image (default 4096). */
  perImage?: number;
  /** Seed of patch positions and projection directions (default 0). */
  seed?: number;
  /** Number of projections (default 128). */
  projections?: number;
}

/** Sigma of the Gaussian whose residual is the texture band (kernel radius 6). */
export const TEXTURE_SIGMA = 2;

function patchSwd(a: Tensor, b: Tensor, k: number, o: PatchSwdOptions): number {
  return E.tidy(() => {
    const seed = o.seed ?? 0;
    const pa = samplePatches(a, k, { perImage: o.perImage, seed });
    const pb = samplePatches(b, k, { perImage: o.perImage, seed });
    return swd(pa, pb, { projections: o.projections, seed });
  });
}

/**
 * "Patch SWD": sliced Wasserstein distance between the distributions of 5×5 RGB patches (75-D) of
 * out and gt, pooled over each batch. out, gt: (N, C, H, W) or (C, H, W) in [0, 1]; sizes and batch
 * sizes may differ. ≥ 0 in pixel units; 0 for identical inputs; lower = closer look.
 */
export function styleSwd(out: Tensor, gt: Tensor, o: PatchSwdOptions = {}): number {
  return patchSwd(out, gt, 5, o);
}

/** The texture band of an RGB (or grey) image: highPass(luminance(x), σ = 2) → (N, 1, H, W). */
export function textureBand(x: Tensor): Tensor {
  return E.tidy(() => highPass(luminance(x), TEXTURE_SIGMA));
}

/**
 * "Texture SWD": sliced Wasserstein distance between 7×7 patches (49-D) of the luminance high-pass
 * band (luma minus its σ = 2 Gaussian blur, reflect padding) of out and gt. Shapes as styleSwd;
 * images must be larger than 6 px. A blurred or texture-less output scores high.
 */
export function textureSwd(out: Tensor, gt: Tensor, o: PatchSwdOptions = {}): number {
  return E.tidy(() => patchSwd(textureBand(out), textureBand(gt), 7, o));
}

/**
 * High-frequency energy ratio: variance of out's texture band ÷ variance of gt's (pooled over
 * pixels and batch). ≈ 1 when the output has the reference's amount of fine detail, < 1 when it is
 * smoother (blurry), > 1 when noisier/over-sharpened. Infinity if gt has no detail and out has some.
 */
export function hfRatio(out: Tensor, gt: Tensor): number {
  return E.tidy(() => {
    const vo = textureBand(asBatch(out, 'hfRatio output')).double().var().item();
    const vg = textureBand(asBatch(gt, 'hfRatio ground truth')).double().var().item();
    return vo === 0 && vg === 0 ? 1 : vo / vg;
  });
}
