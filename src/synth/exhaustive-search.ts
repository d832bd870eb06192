// Exhaustive nearest-neighbour search as blocked GEMM: argmin_s |t - s|² = argmax_s (2 t·s - |s|²),
// a matrix product per block of target rows and source columns through libtorch. Patent-free
// (plain brute force, no randomized propagation/search) and fast enough at the coarsest pyramid
// level, where it gives the global structure that finer levels refine by coherence.
import * as E from '../engine/index.js';

/** target (Nt·dims), source (Ns·dims) pixel-major features → for each target row the best source row. */
export function exhaustiveSearch(target: Float32Array, source: Float32Array, dims: number, rowBlock = 512, colBlock = 32768): Int32Array {
  const nt = target.length / dims, ns = source.length / dims;
  if (!Number.isInteger(nt) || !Number.isInteger(ns) || ns < 1) throw new RangeError(`features must be whole rows of ${dims} values and the source non-empty`);
  const best = new Int32Array(nt);
  const bestScore = new Float32Array(nt).fill(-Infinity);
  for (let c0 = 0; c0 < ns; c0 += colBlock) {
    const c1 = Math.min(ns, c0 + colBlock);
    E.tidy(() => {
      const s = E.tensor(source.subarray(c0 * dims, c1 * dims), [c1 - c0, dims]);
      const st = s.transpose(0, 1).contiguous().mul(2);
      const norm = s.square().sum(1).reshape([1, c1 - c0]);
      for (let r0 = 0; r0 < nt; r0 += rowBlock) {
        const r1 = Math.min(nt, r0 + rowBlock);
        E.tidy(() => {
          const score = E.tensor(target.subarray(r0 * dims, r1 * dims), [r1 - r0, dims]).matmul(st).sub(norm);
          const arg = score.argmax(1);
          const top = score.max(1).data() as Float32Array;
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
