// Structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004), the standard Gaussian-window form.
import * as E from '../engine/index.js';
import { type Tensor } from '../engine/index.js';
import { asBatch, sameShape } from '../image/shapes.js';
import { gaussianWeights } from '../image/gaussian.js';

export interface SsimOptions {
  /** Dynamic range L of the pixel values (1 for [0, 1] images). */
  dataRange?: number;
}

/** SSIM constants of the paper: 11×11 Gaussian window with σ = 1.5, K1 = 0.01, K2 = 0.03. */
export const SSIM_WINDOW = { size: 11, sigma: 1.5, k1: 0.01, k2: 0.03 } as const;

/**
 * The SSIM map, per channel, over the 'valid' region (no padding): a, b (N, C, H, W), H, W ≥ 11
 * → (N, C, H - 10, W - 10) with values in [-1, 1]. Computed in float64 so that the
 * E[x²] − μ² variances do not lose precision on flat regions.
 */
export function ssimMap(a: Tensor, b: Tensor, o: SsimOptions = {}): Tensor {
  sameShape(a, b, 'ssim');
  return E.tidy(() => {
    const x = asBatch(a, 'ssim input').double();
    const y = asBatch(b, 'ssim input').double();
    const [, c, h, w] = x.shape as [number, number, number, number];
    const { size, sigma, k1, k2 } = SSIM_WINDOW;
    if (h < size || w < size) throw new RangeError(`ssim needs images of at least ${size}x${size}, got ${w}x${h}`);
    const L = o.dataRange ?? 1;
    const c1 = (k1 * L) ** 2;
    const c2 = (k2 * L) ** 2;
    // Depthwise Gaussian-weighted local means of x, y, x², y², xy; the window is separable, so one
    // 11-tap pass per axis (float64 depthwise 11x11 convs took ~0.9 s per 256² RGB pair).
    const g = gaussianWeights(sigma, (size - 1) / 2);
    const rowK = E.tensor(Float64Array.from({ length: c * size }, (_, i) => g[i % size]!), [c, 1, 1, size], { dtype: 'float64' });
    const colK = rowK.reshape([c, 1, size, 1]);
    const filt = (t: Tensor): Tensor => E.F.conv2d(E.F.conv2d(t, rowK, null, { groups: c }), colK, null, { groups: c });
    const muX = filt(x), muY = filt(y);
    const muXX = muX.square(), muYY = muY.square(), muXY = muX.mul(muY);
    const sXX = filt(x.square()).sub(muXX);
    const sYY = filt(y.square()).sub(muYY);
    const sXY = filt(x.mul(y)).sub(muXY);
    const num = muXY.mul(2).add(c1).mul(sXY.mul(2).add(c2));
    const den = muXX.add(muYY).add(c1).mul(sXX.add(sYY).add(c2));
    return num.div(den).float();
  });
}

/**
 * Mean SSIM per image: the SSIM map averaged over its valid region and over channels (each colour
 * channel is compared separately, the common choice; pass luminance(x) for a luma-only SSIM).
 * a, b: (N, C, H, W) or (C, H, W), same shape, H, W ≥ 11. Returns N numbers in [-1, 1].
 */
export function ssimPerImage(a: Tensor, b: Tensor, o: SsimOptions = {}): number[] {
  return E.tidy(() => ssimMap(a, b, o).mean([1, 2, 3]).toArray());
}

/** Mean over the batch of per-image SSIM (see ssimPerImage); 1 for identical images. */
export function ssim(a: Tensor, b: Tensor, o: SsimOptions = {}): number {
  const v = ssimPerImage(a, b, o);
  return v.reduce((s, x) => s + x, 0) / v.length;
}
