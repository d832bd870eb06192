// Exhaustive nearest-neighbour search as blocked GEMM: argmin_s |t - s|² = argmax_s (2 t·s - |s|²),
// a matrix product per block of target rows and source columns through libtorch. Patent-free
// (plain brute force, no randomized propagation/search) and fast enough at the coarsest pyramid
// level, where it gives the global structure that finer levels refine by coherence.
import * as E from '../engine/index.js';

/**
 * Categories that must match (the IDs of ID passes): a label per target and per source row, and the
 * cost of a source whose label differs from a labelled target's (also when the source has none);
 * a target labelled -1 is matched on features alone.
 */
export interface SearchLabels { target: Int32Array; source: Int32Array; penalty: number }

/** target (Nt·dims), source (Ns·dims) pixel-major features → for each target row the best source row (blocks: rowBlock × colBlock scores at once). */
export function exhaustiveSearch(target: Float32Array, source: Float32Array, dims: number, o: { labels?: SearchLabels; rowBlock?: number; colBlock?: number } = {}): Int32Array {
  const { labels, rowBlock = 512, colBlock = 32768 } = o;
  const nt = target.length / dims, ns = source.length / dims;
  if (!Number.isInteger(nt) || !Number.isInteger(ns) || ns < 1) throw new RangeError(`features must be whole rows of ${dims} values and the source non-empty`);
  if (labels && (labels.target.length !== nt || labels.source.length !== ns)) throw new RangeError(`labels for ${labels.target.length} target and ${labels.source.length} source rows, features for ${nt} and ${ns}`);
  const best = new Int32Array(nt);
  const bestScore = new Float32Array(nt).fill(-Infinity);
  for (let c0 = 0; c0 < ns; c0 += colBlock) {
    const c1 = Math.min(ns, c0 + colBlock);
    E.tidy(() => {
      const s = E.tensor(source.subarray(c0 * dims, c1 * dims), [c1 - c0, dims]);
      const st = s.transpose(0, 1);
      const negNorm = s.square().sum(1).neg().reshape([1, c1 - c0]);
      // Unlabelled sources as -2, so that they never equal an unlabelled (-1) target.
      const sl = labels && E.tensor(Int32Array.from(labels.source.subarray(c0, c1), (v) => (v < 0 ? -2 : v)), [1, c1 - c0], { dtype: 'int32' });
      for (let r0 = 0; r0 < nt; r0 += rowBlock) {
        const r1 = Math.min(nt, r0 + rowBlock);
        E.tidy(() => {
          // The score block is tens of MB: written once (addmm) and read once (maxAlong), not four
          // times (matmul, sub, max, argmax: 500 × 100k rows took 2.5× as long).
          let score = negNorm.addmm(E.tensor(target.subarray(r0 * dims, r1 * dims), [r1 - r0, dims]), st, 2);
          // The penalty as an equal bonus for the same label: argmax over sources is unchanged by it
          // where the target has no label (no source gets it).
          if (labels) score = score.add(E.tensor(labels.target.subarray(r0, r1), [r1 - r0, 1], { dtype: 'int32' }).eq(sl!).float().mul(labels.penalty));
          const [values, arg] = score.maxAlong(1);
          const top = values.data() as Float32Array;
          const idx = arg.data() as BigInt64Array;
          for (let i = 0; i < r1 - r0; i++) {
            if (top[i]! > bestScore[r0 + i]!) { bestScore[r0 + i] = top[i]!; best[r0 + i] = c0 + Number(idx[i]!); }
          }
        });
      }
    });
  }
  return best;
}
