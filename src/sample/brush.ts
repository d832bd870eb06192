// One brush stroke with visible bristle texture: a thick curved polyline whose pixels get stroke-local
// coordinates (s along, t across). Bristles are bands in t with their own shade, pigment mix and paint
// load (bristles run dry at different points, giving dry-brush streaks at the stroke's end); the edge is
// ragged; each stroke also deposits paint height (ridges along bristles and at the edges) that the final
// composite lights as impasto.
import { hash32, unit } from './rng.js';

export interface Canvas {
  width: number;
  height: number;
  rgb: Float32Array;
  /** Paint thickness, lit at the end to show ridges and stroke edges. */
  paint: Float32Array;
  /** How much stroke paint covers each pixel (paper shows through where low). */
  cover: Float32Array;
  /** Scratch buffers for rasterising one stroke without allocation. */
  stamp: Int32Array;
  d2: Float32Array;
  sArr: Float32Array;
  tArr: Float32Array;
  touched: Int32Array;
  strokeId: number;
}

export function newCanvas(width: number, height: number): Canvas {
  const n = width * height;
  return {
    width, height, rgb: new Float32Array(n * 3), paint: new Float32Array(n), cover: new Float32Array(n),
    stamp: new Int32Array(n).fill(-1), d2: new Float32Array(n), sArr: new Float32Array(n), tArr: new Float32Array(n),
    touched: new Int32Array(n), strokeId: 0,
  };
}

const TABLE = 256;
const tables = [0, 1, 2, 3, 4].map(() => new Float32Array(TABLE));

/** Fills lattice table `which` with n hashed values in [0, 1]. */
function fillTable(which: number, n: number, seed: number): Float32Array {
  const t = tables[which]!;
  for (let i = 0; i < Math.min(n, TABLE); i++) t[i] = unit(hash32((i * 0x9e3779b1) ^ seed));
  return t;
}

/** Smooth 1-D value noise from a lattice table, x >= 0. */
function lookup(t: Float32Array, x: number): number {
  const i = x | 0, f = x - i, u = f * f * (3 - 2 * f);
  return t[i]! + (t[i + 1]! - t[i]!) * u;
}

// Corners of the current segment's rectangle (module scope: no allocation per row).
let c0x = 0, c0y = 0, c1x = 0, c1y = 0, c2x = 0, c2y = 0, c3x = 0, c3y = 0;
const span = new Float64Array(2);

/** x-interval where the row y crosses the rectangle c0..c3 (written to span; no closures: hot path). */
function rowSpan(y: number): Float64Array {
  span[0] = Infinity; span[1] = -Infinity;
  edgeCross(y, c0x, c0y, c1x, c1y); edgeCross(y, c1x, c1y, c2x, c2y);
  edgeCross(y, c2x, c2y, c3x, c3y); edgeCross(y, c3x, c3y, c0x, c0y);
  return span;
}

function edgeCross(y: number, ax: number, ay: number, bx: number, by: number): void {
  if ((y - ay) * (y - by) > 0 || ay === by) return;
  const x = ax + ((y - ay) / (by - ay)) * (bx - ax);
  if (x < span[0]!) span[0] = x;
  if (x > span[1]!) span[1] = x;
}

const smooth = (e0: number, e1: number, x: number): number => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

export interface StrokeStyle {
  radius: number;
  opacity: number;
  r: number; g: number; b: number;
  /** Second pigment loaded on some bristles. */
  r2: number; g2: number; b2: number;
  seed: number;
  /** Bristle width in pixels (default 1.15: about a pixel, the 256-px sample's brush); the painter
   * scales it with the frame so a bigger frame gets the same brush, more pixels wide. */
  bristle?: number;
}

/**
 * Paints a stroke along pts (x0,y0,x1,y1,...; npts points, npts >= 1) onto the canvas.
 */
export function paintStroke(c: Canvas, pts: Float32Array, npts: number, st: StrokeStyle): void {
  const { width: W, height: H } = c;
  const R = st.radius, reach = R + 0.5, reach2 = reach * reach;
  const id = ++c.strokeId;
  const stamp = c.stamp, D2 = c.d2, S = c.sArr, Tt = c.tArr, touched = c.touched, rgb = c.rgb, paint = c.paint, cover = c.cover;
  let nt = 0;
  let s0 = 0;
  const nseg = Math.max(1, npts - 1);
  for (let k = 0; k < nseg; k++) {
    const ax = pts[k * 2]!, ay = pts[k * 2 + 1]!;
    const bx = npts > 1 ? pts[k * 2 + 2]! : ax, by = npts > 1 ? pts[k * 2 + 3]! : ay;
    const ex = bx - ax, ey = by - ay, len2 = ex * ex + ey * ey, len = Math.sqrt(len2);
    // Visit only the pixels of the segment's capsule: per row, the span covered by the two end discs and
    // the rectangle between them (the capsule is convex, so the union is one interval).
    const nx = len > 1e-9 ? (-ey / len) * reach : 0, ny = len > 1e-9 ? (ex / len) * reach : 0;
    c0x = ax + nx; c0y = ay + ny; c1x = bx + nx; c1y = by + ny; c2x = bx - nx; c2y = by - ny; c3x = ax - nx; c3y = ay - ny;
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - reach)), y1 = Math.min(H - 1, Math.ceil(Math.max(ay, by) + reach));
    for (let y = y0; y <= y1; y++) {
      const yc = y + 0.5;
      let lo = Infinity, hi = -Infinity;
      let dy = yc - ay;
      if (dy * dy < reach2) { const w = Math.sqrt(reach2 - dy * dy); lo = ax - w; hi = ax + w; }
      dy = yc - by;
      if (dy * dy < reach2) { const w = Math.sqrt(reach2 - dy * dy); if (bx - w < lo) lo = bx - w; if (bx + w > hi) hi = bx + w; }
      if (len > 1e-9) {
        const r = rowSpan(yc);
        if (r[0]! < lo) lo = r[0]!;
        if (r[1]! > hi) hi = r[1]!;
      }
      if (lo > hi) continue;
      const x0 = Math.max(0, Math.floor(lo - 0.5)), x1 = Math.min(W - 1, Math.ceil(hi - 0.5));
      const py = yc - ay;
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5 - ax;
        let u = len2 > 1e-9 ? (px * ex + py * ey) / len2 : 0;
        u = u < 0 ? 0 : u > 1 ? 1 : u;
        const qx = px - u * ex, qy = py - u * ey;
        const d2 = qx * qx + qy * qy;
        if (d2 >= reach2) continue;
        const i = y * W + x;
        if (stamp[i] !== id) {
          stamp[i] = id;
          touched[nt++] = i;
        } else if (d2 >= D2[i]!) continue;
        D2[i] = d2;
        S[i] = s0 + u * len;
        const side = ex * py - ey * px;
        Tt[i] = (side >= 0 ? 1 : -1) * Math.sqrt(d2);
      }
    }
    s0 += len;
  }
  const L = Math.max(s0, 1e-3);
  const nb = Math.max(3, Math.round((2 * R) / (st.bristle ?? 1.15))); // bristles st.bristle px wide
  const seed = st.seed;
  const edgeSoft = Math.min(0.3, 0.7 / R);
  // Per-stroke lattice tables for the 1-D noises (hashing per pixel would dominate the cost).
  const tA = fillTable(0, nb + 2, seed);
  const tB = fillTable(1, Math.ceil(nb * 2.7) + 2, seed ^ 0x51ed27);
  const tC = fillTable(2, Math.ceil(nb * 1.3) + 2, seed ^ 0x2c1b3c6d);
  const tD = fillTable(3, Math.ceil(nb * 0.6) + 2, seed ^ 0x3a8f05c5);
  const edgeFreq = 0.45 / Math.max(1, R * 0.5);
  const tE = fillTable(4, Math.min(TABLE - 2, Math.ceil(L * edgeFreq) + 2), seed ^ 0x7f4a7c15);
  for (let k = 0; k < nt; k++) {
    const i = touched[k]!;
    const tn = Tt[i]! / R, at = Math.abs(tn), s = S[i]!, sn = s / L;
    const bpos = Math.min(nb, Math.max(0, (tn * 0.5 + 0.5) * nb));
    // Bristle shade: one value per bristle plus a finer streak, smooth across bristles.
    const bv = 0.7 * lookup(tA, bpos) + 0.3 * lookup(tB, bpos * 2.7);
    // Paint load: each bristle runs dry somewhere in the last part of the stroke.
    const dry = 0.6 + 0.55 * lookup(tC, bpos * 1.3);
    const presence = 1 - smooth(dry, dry + 0.22, sn);
    // Ragged edge that wanders along the stroke.
    const edge = 0.97 - edgeSoft - 0.16 * lookup(tE, Math.min(TABLE - 3, s * edgeFreq));
    const alphaEdge = 1 - smooth(edge, edge + edgeSoft, at);
    const a = st.opacity * alphaEdge * presence * (0.8 + 0.2 * bv);
    if (a <= 0.003) continue;
    const mix = smooth(0.45, 0.85, lookup(tD, bpos * 0.6)) * 0.6;
    const shade = 0.84 + 0.32 * bv;
    const r = (st.r + (st.r2 - st.r) * mix) * shade;
    const g = (st.g + (st.g2 - st.g) * mix) * shade;
    const b = (st.b + (st.b2 - st.b) * mix) * shade;
    rgb[i * 3] += (r - rgb[i * 3]!) * a;
    rgb[i * 3 + 1] += (g - rgb[i * 3 + 1]!) * a;
    rgb[i * 3 + 2] += (b - rgb[i * 3 + 2]!) * a;
    // Paint height: bristle grooves plus a ridge where the brush pushes paint to the stroke's edge.
    const ridge = smooth(0.55, 0.85, at) * (1 - smooth(0.85, 1, at));
    const hval = 0.2 + 0.8 * bv + 0.2 * ridge;
    paint[i] += (hval - paint[i]!) * Math.min(1, a * 1.2);
    if (a > cover[i]!) cover[i] = a;
  }
}
