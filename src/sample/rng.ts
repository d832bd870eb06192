// Deterministic randomness. Everything in the sample production derives from the seed through these,
// never Math.random, so a seed always regenerates byte-identical files.

/** Integer hash (lowbias32 by Chris Wellons): good avalanche, cheap, stateless. */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hash of up to five integers; order matters. Used to give each stroke anchor its own stable randomness.
 * Fixed arity (no rest arguments) because it runs in per-pixel loops and must not allocate. */
export function hashInts(a: number, b: number, c = 0, d = 0, e = 0): number {
  let h = hash32((0x9e3779b9 ^ (a | 0)) + 0x632be5ab);
  h = hash32((h ^ (b | 0)) + 0x632be5ab);
  h = hash32((h ^ (c | 0)) + 0x632be5ab);
  h = hash32((h ^ (d | 0)) + 0x632be5ab);
  return hash32((h ^ (e | 0)) + 0x632be5ab);
}

/** Uniform float in [0, 1) from a 32-bit hash. */
export function unit(h: number): number {
  return (h >>> 0) / 4294967296;
}

/** Stable 32-bit hash of a string (FNV-1a), e.g. to seed an object's strokes from its name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return hash32(h);
}

/** Small sequential PRNG (mulberry32) for scene layout decisions. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = hash32(seed >>> 0) || 1;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.next() * (hiExclusive - lo));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length)]!;
  }
}

/** Cheap lattice value in [-1, 1] for value noise. */
function lattice(seed: number, x: number, y: number, z: number): number {
  return unit(hash32(Math.imul(x, 0x8da6b343) ^ Math.imul(y, 0xd8163841) ^ Math.imul(z, 0xcb1ab31f) ^ seed)) * 2 - 1;
}

/** Smooth 3-D value noise in [-1, 1], keyed by a seed: object-space colour variation that sticks to surfaces. */
export function valueNoise3(x: number, y: number, z: number, seed: number): number {
  const xi = Math.floor(x), yi = Math.floor(y), zi = Math.floor(z);
  const xf = x - xi, yf = y - yi, zf = z - zi;
  const u = xf * xf * (3 - 2 * xf), v = yf * yf * (3 - 2 * yf), w = zf * zf * (3 - 2 * zf);
  const c000 = lattice(seed, xi, yi, zi), c100 = lattice(seed, xi + 1, yi, zi);
  const c010 = lattice(seed, xi, yi + 1, zi), c110 = lattice(seed, xi + 1, yi + 1, zi);
  const c001 = lattice(seed, xi, yi, zi + 1), c101 = lattice(seed, xi + 1, yi, zi + 1);
  const c011 = lattice(seed, xi, yi + 1, zi + 1), c111 = lattice(seed, xi + 1, yi + 1, zi + 1);
  const x00 = c000 + (c100 - c000) * u;
  const x10 = c010 + (c110 - c010) * u;
  const x01 = c001 + (c101 - c001) * u;
  const x11 = c011 + (c111 - c011) * u;
  const y0 = x00 + (x10 - x00) * v, y1 = x01 + (x11 - x01) * v;
  return y0 + (y1 - y0) * w;
}

/** 2-D value noise in [-1, 1] (paper grain, bristle streaks). */
export function valueNoise2(x: number, y: number, seed: number): number {
  const xi = Math.floor(x), yi = Math.floor(y);
  const xf = x - xi, yf = y - yi;
  const u = xf * xf * (3 - 2 * xf), v = yf * yf * (3 - 2 * yf);
  const a = lattice(seed, xi, yi, 0), b = lattice(seed, xi + 1, yi, 0);
  const c = lattice(seed, xi, yi + 1, 0), d = lattice(seed, xi + 1, yi + 1, 0);
  return a + (b - a) * u + (c - a) * v + (a - b - c + d) * u * v;
}
