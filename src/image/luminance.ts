// Luminance and its high-frequency band: where painted texture (brush marks, grain) lives.
import * as E from '../engine/index.js';
import { type Tensor } from '../engine/index.js';
import { asBatch } from './shapes.js';
import { gaussianBlur } from './gaussian.js';

/** Rec.601 luma weights (R, G, B). */
export const REC601 = [0.299, 0.587, 0.114] as const;

/**
 * Rec.601 luma Y = 0.299 R + 0.587 G + 0.114 B of rgb (N, 3, H, W) or (3, H, W) in [0, 1]
 * → (N, 1, H, W) in [0, 1] (always 4-D). A one-channel input is taken as luma already (copied).
 */
export function luminance(rgb: Tensor): Tensor {
  return E.tidy(() => {
    const x = asBatch(rgb, 'luminance input');
    if (x.size(1) === 1) return x.clone();
    if (x.size(1) !== 3) throw new RangeError(`luminance needs 1 or 3 channels, got ${x.size(1)}`);
    // Elementwise, not a 1x1 conv: libtorch sends a 3->1 conv through oneDNN when it has more than
    // one thread, which took ~100 ms on a 1080p frame against ~5 ms this way.
    const [r, g, b] = REC601;
    return x.slice(1, 0, 1).mul(r).add(x.slice(1, 1, 2).mul(g)).add(x.slice(1, 2, 3).mul(b));
  });
}

/**
 * High-pass band: image minus its Gaussian blur (σ = sigma, radius ceil(3σ) = 6 for σ = 2,
 * reflect padding). lumaImage (N, C, H, W) or (C, H, W), usually C = 1 from luminance();
 * → (N, C, H, W), zero-mean-ish values in about [-1, 1]. H and W must exceed the radius.
 */
export function highPass(lumaImage: Tensor, sigma = 2): Tensor {
  return E.tidy(() => {
    const x = asBatch(lumaImage, 'highPass input');
    return x.sub(gaussianBlur(x, sigma));
  });
}

/** 8-bit Rec.601 luma of a (1, 3, H, W) image in [0, 1]: the input optical flow (DIS) works on. */
export function greyBytes(rgb: Tensor): Uint8Array {
  return E.tidy(() => Uint8Array.from(luminance(rgb).mul(255).round().clamp(0, 255).data() as Float32Array));
}
