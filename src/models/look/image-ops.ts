// Small image operations shared by the look model's preprocessing.
import * as E from '../../engine/index.js';

/** Normalized 1-D Gaussian taps, radius ceil(3 sigma). */
export function gaussianKernel1d(sigma: number): number[] {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / s);
}

/** Rec. 601 luma of (N, 3, H, W) -> (N, 1, H, W). */
export function luminance(rgb: E.Tensor): E.Tensor {
  return E.tidy(() => {
    const w = E.tensor([0.299, 0.587, 0.114], [1, 3, 1, 1]);
    return rgb.mul(w).sum(1, true);
  });
}

/** Sobel gradient magnitude of (N, 1, H, W), replicate-padded. */
export function sobelMagnitude(g: E.Tensor): E.Tensor {
  return E.tidy(() => {
    const k = E.tensor([-1, 0, 1, -2, 0, 2, -1, 0, 1, -1, -2, -1, 0, 0, 0, 1, 2, 1], [2, 1, 3, 3]).div(4);
    const d = E.F.conv2d(E.F.pad(g, 1, 'replicate'), k);
    return d.square().sum(1, true).add(1e-12).sqrt();
  });
}

/** A small seeded PRNG (mulberry32): fixed noise and random features without touching libtorch's generator. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n Gaussian samples (Box-Muller) with the given std. */
export function gaussianNoise(rng: () => number, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rng(), 1e-12);
    const v = rng();
    const m = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}
