// Peak signal-to-noise ratio: the pixel-fidelity number every image benchmark reports.
import * as E from '../engine/index.js';
import { type Tensor } from '../engine/index.js';
import { asBatch, sameShape } from '../image/shapes.js';

/**
 * Per-image PSNR in dB: 10 log10(maxVal² / MSE), MSE over (C, H, W) of each image.
 * a, b: (N, C, H, W) or (C, H, W), same shape. Returns N numbers; identical images give Infinity.
 */
export function psnrPerImage(a: Tensor, b: Tensor, maxVal = 1): number[] {
  sameShape(a, b, 'psnr');
  const mse = E.tidy(() => {
    const x = asBatch(a, 'psnr input').double();
    const y = asBatch(b, 'psnr input').double();
    return x.sub(y).square().mean([1, 2, 3]).toArray();
  });
  return mse.map((m) => (m === 0 ? Infinity : 10 * Math.log10((maxVal * maxVal) / m)));
}

/**
 * Mean over the batch of per-image PSNR (dB). a, b: (N, C, H, W) or (C, H, W) in [0, maxVal].
 * No cap: if any image pair is identical the mean is Infinity (report it as such, or cap it yourself).
 */
export function psnr(a: Tensor, b: Tensor, maxVal = 1): number {
  const v = psnrPerImage(a, b, maxVal);
  return v.reduce((s, x) => s + x, 0) / v.length;
}
