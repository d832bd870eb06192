// Symmetric eigen-decomposition (cyclic Jacobi) for the patch PCA: the engine has no eig op, and
// the matrices are small (channels × patch² ≤ ~250), so a few Jacobi sweeps in JS take milliseconds.

/**
 * Eigenvectors of the symmetric n×n matrix a (row-major), sorted by decreasing eigenvalue.
 * Returns the first k as rows of a (k, n) Float32Array, and all eigenvalues (descending).
 */
export function topEigenvectors(a: Float64Array, n: number, k: number): { vectors: Float32Array; values: Float64Array } {
  if (a.length !== n * n) throw new RangeError(`an ${n}x${n} matrix holds ${n * n} values, got ${a.length}`);
  if (!(k >= 1 && k <= n)) throw new RangeError(`can take 1..${n} eigenvectors, asked for ${k}`);
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 30; sweep++) {
    let off = 0, diag = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (i === j ? (diag += m[i * n + j]! ** 2) : (off += m[i * n + j]! ** 2));
    if (off <= 1e-18 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = m[p * n + p]!, aqq = m[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let r = 0; r < n; r++) {
          const mrp = m[r * n + p]!, mrq = m[r * n + q]!;
          m[r * n + p] = c * mrp - s * mrq;
          m[r * n + q] = s * mrp + c * mrq;
        }
        for (let r = 0; r < n; r++) {
          const mpr = m[p * n + r]!, mqr = m[q * n + r]!;
          m[p * n + r] = c * mpr - s * mqr;
          m[q * n + r] = s * mpr + c * mqr;
        }
        for (let r = 0; r < n; r++) {
          const vrp = v[r * n + p]!, vrq = v[r * n + q]!;
          v[r * n + p] = c * vrp - s * vrq;
          v[r * n + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[y * n + y]! - m[x * n + x]!);
  const vectors = new Float32Array(k * n);
  order.slice(0, k).forEach((col, row) => { for (let r = 0; r < n; r++) vectors[row * n + r] = v[r * n + col]!; });
  return { vectors, values: Float64Array.from(order, (i) => m[i * n + i]!) };
}
