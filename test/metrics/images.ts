// Deterministic test images from a seeded PRNG (the engine's global generator is left alone).
import * as E from '../../src/engine/index.js';
import { type Tensor } from '../../src/engine/index.js';
import { mulberry32, gaussianBlur } from '../../src/metrics/index.js';

/** Uniform noise in [lo, hi), shape (n, c, h, w). */
export function noise(seed: number, shape: [number, number, number, number], lo = 0, hi = 1): Tensor {
  const r = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return E.tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * r()), shape);
}

/**
 * A painterly test image (n, c, h, w) in [0, 1]: smooth colour fields (blurred noise, σ = 4)
 * plus fine grain (uniform noise of amplitude `grain`, from grainSeed). Different seeds give
 * different samples of the same kind of texture.
 */
export function painting(seed: number, shape: [number, number, number, number], grain = 0.15, grainSeed = seed + 1000): Tensor {
  return E.tidy(() => {
    const base = gaussianBlur(noise(seed, shape), 4);
    // Stretch the blurred field (which clusters near 0.5) back to a wide range.
    const m = base.mean(), s = base.std();
    const field = base.sub(m).div(s).mul(0.15).add(0.5);
    return field.add(noise(grainSeed, shape, -grain, grain)).clamp(0, 1);
  });
}
