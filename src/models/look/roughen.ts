// The "roughening" that makes painted concept art and rough frames the same kind of input: blur away
// brush marks, flatten colours to a few levels, draw dark lines on edges, add a fixed noise field.
// The same function, with the same config, runs on every input at training and at render time.
import * as E from '../../engine/index.js';
import type { RoughenConfig } from './config.js';
import { sobelMagnitude } from './image-ops.js';
import { gaussianBlur, luminance, mulberry32, gaussians } from '../../metrics/index.js';

// The last size's unit noise field, kept: drawing 2M Gaussians in JS took ~0.25 s of every 1080p
// frame, and the numbers are the same for every frame of a size by design.
let cached: { h: number; w: number; unit: E.Tensor } | null = null;

/** A noise field for an image size: the same numbers for every frame, seeded from the config. */
export function fixedNoise(h: number, w: number, std: number): E.Tensor {
  if (!cached || cached.h !== h || cached.w !== w) {
    cached?.unit.dispose();
    cached = { h, w, unit: E.keep(E.tensor(Float32Array.from(gaussians(mulberry32(0x5eed), h * w)), [1, 1, h, w])) };
  }
  return cached.unit.mul(std);
}

/** (N, 3, H, W) in [0, 1] -> roughened (N, 3, H, W) in [0, 1]. */
export function roughen(rgb: E.Tensor, c: RoughenConfig): E.Tensor {
  return E.tidy(() => {
    // Tiny images cannot take the blur's reflect padding; they are left unblurred.
    const radius = Math.ceil(3 * c.blurSigma);
    let x = c.blurSigma > 0 && rgb.size(2) > radius && rgb.size(3) > radius ? gaussianBlur(rgb, c.blurSigma) : rgb.clone();
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
