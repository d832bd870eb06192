// Sliced Wasserstein distance between two sets of feature vectors (as used for texture/style by
// Heitz et al. 2021, "A Sliced Wasserstein Loss for Neural Texture Synthesis"): project both sets on
// random unit directions, where 1-D optimal transport is just matching sorted values.
import * as E from '../engine/index.js';
import { type Tensor } from '../engine/index.js';
import { gaussians, mulberry32 } from '../image/prng.js';

export interface SwdOptions {
  /** Number of random unit directions (default 128). */
  projections?: number;
  /** Seed of the directions; the same seed gives the same directions (default 0). */
  seed?: number;
}

/**
 * count random unit vectors of dimension dim as the columns of a (dim, count) float32 tensor,
 * drawn from a private seeded PRNG (mulberry32 + Box–Muller): the global engine generator is
 * neither used nor advanced.
 */
export function randomProjections(dim: number, count: number, seed = 0): Tensor {
  const g = gaussians(mulberry32(seed), dim * count);
  const out = new Float32Array(dim * count);
  for (let j = 0; j < count; j++) {
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += g[i * count + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < dim; i++) out[i * count + j] = g[i * count + j]! / norm;
  }
  return E.tensor(out, [dim, count]);
}

/**
 * Resamples sorted columns (n, P) to q quantiles (q, P) by linear interpolation of the empirical
 * quantile function. Sample i of n stands for level (i + 0.5) / n, and output j is read at level
 * (j + 0.5) / q (clamped to the end samples), so q = n returns the input unchanged.
 */
export function resampleQuantiles(sorted: Tensor, q: number): Tensor {
  const n = sorted.size(0);
  if (n === q) return sorted.clone();
  return E.tidy(() => {
    const lo = new Int32Array(q), hi = new Int32Array(q), w = new Float32Array(q);
    for (let j = 0; j < q; j++) {
      const t = Math.min(Math.max(((j + 0.5) / q) * n - 0.5, 0), n - 1);
      lo[j] = Math.floor(t);
      hi[j] = Math.min(lo[j]! + 1, n - 1);
      w[j] = t - lo[j]!;
    }
    const a = sorted.indexSelect(0, E.tensor(lo, [q]));
    const b = sorted.indexSelect(0, E.tensor(hi, [q]));
    const wt = E.tensor(w, [q, 1]);
    return a.add(b.sub(a).mul(wt));
  });
}

/**
 * Sliced Wasserstein-2 distance between feature sets a (M, D) and b (K, D); M and K may differ
 * (both are resampled to max(M, K) quantiles). For each of the projections, project, sort and take
 * the mean squared difference of matched quantiles; the result is sqrt(mean over projections), in
 * the units of the features (≥ 0; 0 for identical sets). Deterministic for a seed.
 */
export function swd(a: Tensor, b: Tensor, o: SwdOptions = {}): number {
  if (a.ndim !== 2 || b.ndim !== 2 || a.size(1) !== b.size(1)) {
    throw new RangeError(`swd needs two (count, dim) feature sets of the same dim, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  }
  if (a.size(0) === 0 || b.size(0) === 0) throw new RangeError('swd needs non-empty feature sets');
  const count = o.projections ?? 128;
  return E.tidy(() => {
    const proj = randomProjections(a.size(1), count, o.seed ?? 0);
    let [pa] = a.float().matmul(proj).sort(0);
    let [pb] = b.float().matmul(proj).sort(0);
    const q = Math.max(a.size(0), b.size(0));
    pa = resampleQuantiles(pa, q);
    pb = resampleQuantiles(pb, q);
    return Math.sqrt(pa.sub(pb).square().mean().item());
  });
}
