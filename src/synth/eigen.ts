// Symmetric eigen-decomposition for the patch PCA, through the engine's LAPACK eigh. The matrices
// are channels × patch² (~600 at 1080p with the temporal channels): the cyclic Jacobi in JS this
// replaced took 3–5 s each, ~35 s of a 1080p final render's first frames; eigh takes milliseconds.
import * as E from '../engine/index.js';

/**
 * Eigenvectors of the symmetric n×n matrix a (row-major), sorted by decreasing eigenvalue.
 * Returns the first k as rows of a (k, n) Float32Array, and all eigenvalues (descending). Each
 * vector's sign is fixed (its largest-magnitude entry positive), so the basis is the same on any LAPACK.
 */
export function topEigenvectors(a: Float64Array, n: number, k: number): { vectors: Float32Array; values: Float64Array } {
  if (a.length !== n * n) throw new RangeError(`an ${n}x${n} matrix holds ${n * n} values, got ${a.length}`);
  if (!(k >= 1 && k <= n)) throw new RangeError(`can take 1..${n} eigenvectors, asked for ${k}`);
  if (!a.every(Number.isFinite)) throw new RangeError('the matrix has a non-finite entry');
  const [ascending, columns] = E.tidy(() => {
    const [w, v] = E.tensor(a, [n, n]).eigh();
    return [w.data() as Float64Array, v.data() as Float64Array];
  });
  const values = Float64Array.from(ascending).reverse();
  const vectors = new Float32Array(k * n);
  for (let row = 0; row < k; row++) {
    const col = n - 1 - row;
    let big = 0;
    for (let r = 0; r < n; r++) if (Math.abs(columns[r * n + col]!) > Math.abs(big)) big = columns[r * n + col]!;
    const sign = big < 0 ? -1 : 1;
    for (let r = 0; r < n; r++) vectors[row * n + r] = sign * columns[r * n + col]!;
  }
  return { vectors, values };
}
