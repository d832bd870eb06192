// The "roughening" that makes painted concept art and rough frames the same kind of input: blur away
// brush marks, flatten colours to a few levels, draw dark lines on edges, add a fixed noise field.
// The same function, with the same config, runs on every input at training and at render time.
import * as E from '../../engine/index.js';
import type { RoughenConfig } from './config.js';
import { gaussianKernel1d, luminance, sobelMagnitude, mulberry32, gaussianNoise } from './image-ops.js';

/** Separable Gaussian blur of (N, C, H, W) with reflect padding. */
export function gaussianBlur(x: E.Tensor, sigma: number): E.Tensor {
  if (sigma <= 0) return x.clone();
  return E.tidy(() => {
    const k = gaussianKernel1d(sigma);
    const r = (k.length - 1) / 2;
    const c = x.size(1);
    const kx = E.tensor(k, [1, 1, 1, k.length]).expand([c, 1, 1, k.length]).contiguous();
    const ky = kx.reshape([c, 1, k.length, 1]);
    // Reflect padding needs the border to be smaller than the image; fall back to replicate.
    const mode = r < x.size(2) && r < x.size(3) ? 'reflect' : 'replicate';
    const h = E.F.conv2d(E.F.pad(x, [r, r, 0, 0], mode), kx, null, { groups: c });
    return E.F.conv2d(E.F.pad(h, [0, 0, r, r], mode), ky, null, { groups: c });
  });
}

/** A noise field for an image size: the same numbers for every frame, seeded from the config. */
export function fixedNoise(h: number, w: number, std: number): E.Tensor {
  const rng = mulberry32(0x5eed);
  return E.tensor(gaussianNoise(rng, h * w, std), [1, 1, h, w]);
}

/** (N, 3, H, W) in [0, 1] -> roughened (N, 3, H, W) in [0, 1]. */
export function roughen(rgb: E.Tensor, c: RoughenConfig): E.Tensor {
  return E.tidy(() => {
    let x = gaussianBlur(rgb, c.blurSigma);
    if (c.levels > 0) x = x.mul(c.levels - 1).round().div(c.levels - 1);
    if (c.lineStrength > 0) {
      const edges = sobelMagnitude(luminance(x));
      const lines = edges.sub(c.lineThreshold).mul(4).clamp(0, 1).mul(c.lineStrength);
      x = x.mul(lines.rsub(1));
    }
    if (c.noise > 0) x = x.add(fixedNoise(x.size(2), x.size(3), c.noise));
    return x.clamp(0, 1);
  });
}
