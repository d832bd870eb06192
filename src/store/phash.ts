// Perceptual hash (DCT pHash): 32×32 greyscale → 2-D DCT → the 8×8 lowest frequencies, each bit
// set when the coefficient is above their median. Images that look alike (re-encoded, resized,
// slightly retouched) differ in few of the 64 bits; the Hamming distance measures it.

const N = 32;
const COS: Float64Array = (() => {
  const t = new Float64Array(N * N);
  for (let k = 0; k < N; k++) for (let n = 0; n < N; n++) t[k * N + n] = Math.cos((Math.PI / N) * (n + 0.5) * k);
  return t;
})();

/** pixels: 32×32 luminance values (any scale), row-major. Returns 16 hex digits. */
export function phashFromGrey32(pixels: ArrayLike<number>): string {
  if (pixels.length !== N * N) throw new Error(`phash needs ${N * N} pixels, got ${pixels.length}`);
  const rows = new Float64Array(N * 8); // DCT along x, only the 8 lowest frequencies
  for (let y = 0; y < N; y++) for (let k = 0; k < 8; k++) {
    let s = 0;
    for (let x = 0; x < N; x++) s += pixels[y * N + x] * COS[k * N + x];
    rows[y * 8 + k] = s;
  }
  const coeffs = new Float64Array(64);
  for (let ky = 0; ky < 8; ky++) for (let kx = 0; kx < 8; kx++) {
    let s = 0;
    for (let y = 0; y < N; y++) s += rows[y * 8 + kx] * COS[ky * N + y];
    coeffs[ky * 8 + kx] = s;
  }
  const sorted = Array.from(coeffs.subarray(1)).sort((a, b) => a - b); // DC excluded from the median
  const median = (sorted[31] + sorted[32]) / 2;
  let hex = '';
  for (let nib = 0; nib < 16; nib++) {
    let v = 0;
    for (let b = 0; b < 4; b++) v = (v << 1) | (coeffs[nib * 4 + b] > median ? 1 : 0);
    hex += v.toString(16);
  }
  return hex;
}

const POP4 = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

export function hammingDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < 16; i++) d += POP4[parseInt(a[i], 16) ^ parseInt(b[i], 16)];
  return d;
}

/** The closest hash in candidates within maxDistance, or null. */
export function nearest<T extends { phash: string | null }>(phash: string, candidates: Iterable<T>, maxDistance: number): { item: T; distance: number } | null {
  let best: { item: T; distance: number } | null = null;
  for (const c of candidates) {
    if (!c.phash) continue;
    const d = hammingDistance(phash, c.phash);
    if (d <= maxDistance && (!best || d < best.distance)) best = { item: c, distance: d };
  }
  return best;
}
