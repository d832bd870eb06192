// Painterly rendering after Hertzmann 1998 ("Painterly Rendering with Curved Brush Strokes of Multiple
// Sizes"): layers of brushes from large to small; each layer paints from the reference blurred to its
// brush size, with curved strokes that follow the normal of the image gradient (falling back to a
// direction that wraps the object's form where the image is flat), ending where the colour changes, and -
// for all but the first layer - only where the canvas still differs from that blurred reference.
// Unlike the original, strokes start at anchors attached to the scene (anchors.ts), so an animated shot
// paints the same strokes on the same surfaces from frame to frame.
import { collectAnchors } from './anchors.js';
import { newCanvas, paintStroke } from './brush.js';
import type { StrokeStyle } from './brush.js';
import { paintedReference } from './look.js';
import type { GBuffer } from './raycast.js';
import { hashInts, unit, valueNoise2 } from './rng.js';
import type { Scene } from './scene.js';

/** sqrt of a sum of squares (Math.hypot is several times slower in V8, and this runs per pixel). */
const hyp = (a: number, b: number, c = 0): number => Math.sqrt(a * a + b * b + c * c);

export interface PaintOptions {
  /** Brush radii in pixels, large to small; default scales [8, 4, 2, 1.25] with the image size
   * (min(width, height) / 256; never below 1.25 px). */
  radii?: number[];
  /** How many pixels the brush's marks span per pixel of a 256-px frame: bristle width, impasto relief,
   * paper grain, the stroke-direction gradient scale and the shortest stroke tail. Default
   * max(1, min(width, height) / 256), so a 1080p painting has the 256-px painting's marks scaled with
   * the frame (a painter's brush is as wide on the picture, so more pixels wide), not 256-px marks
   * on a bigger canvas; frames up to 256 px are painted exactly as before this option existed. */
  markScale?: number;
  /** Hertzmann's approximation threshold: a finer layer paints where the brush-averaged RGB distance
   * (0..1 scale) between canvas and its reference exceeds it. */
  threshold?: number;
  /** A stroke ends where the reference colour differs from the stroke colour by more than this. */
  stopThreshold?: number;
  /** Seed for the paper texture (fixed per production, so paper grain does not flicker). */
  paperSeed?: number;
  /** Salts the stroke anchors: another value gives the same look with different strokes. */
  strokeSeed?: number;
  /** If given, filled with per-layer counts and timings (for profiling). */
  stats?: PaintStats;
}

export interface PaintStats {
  /** Per layer; `length` is the strokes' summed centre-line length in pixels. */
  layers: { radius: number; anchors: number; strokes: number; length: number; anchorMs: number; strokeMs: number; totalMs: number }[];
  /** The mark scale the frame was painted at (PaintOptions.markScale). */
  markScale?: number;
}

/** Separable box blur of radius r, `iterations` times (2: close to a Gaussian of sigma ~ 0.8 r). */
export function blurRGB(src: Float32Array, W: number, H: number, r: number, iterations = 2): Float32Array {
  if (r < 1) return src.slice();
  let a = src.slice();
  let b = new Float32Array(src.length);
  const rr = Math.round(r);
  for (let pass = 0; pass < 2 * iterations; pass++) {
    const horiz = pass % 2 === 0;
    const n = horiz ? W : H, lines = horiz ? H : W;
    const step = horiz ? 3 : W * 3;
    for (let line = 0; line < lines; line++) {
      const base = horiz ? line * W * 3 : line * 3;
      for (let ch = 0; ch < 3; ch++) {
        let sum = 0;
        for (let k = -rr; k <= rr; k++) sum += a[base + Math.min(n - 1, Math.max(0, k)) * step + ch]!;
        for (let k = 0; k < n; k++) {
          b[base + k * step + ch] = sum / (2 * rr + 1);
          sum += a[base + Math.min(n - 1, k + rr + 1) * step + ch]! - a[base + Math.max(0, k - rr) * step + ch]!;
        }
      }
    }
    const t = a; a = b; b = t;
  }
  return a;
}

function sample(img: Float32Array, W: number, H: number, x: number, y: number, out: Float64Array): void {
  const fx = Math.min(W - 1.001, Math.max(0, x - 0.5)), fy = Math.min(H - 1.001, Math.max(0, y - 0.5));
  const x0 = Math.floor(fx), y0 = Math.floor(fy), tx = fx - x0, ty = fy - y0;
  const i00 = (y0 * W + x0) * 3, i10 = i00 + 3, i01 = i00 + W * 3, i11 = i01 + 3;
  for (let c = 0; c < 3; c++) {
    const top = img[i00 + c]! + (img[i10 + c]! - img[i00 + c]!) * tx;
    const bot = img[i01 + c]! + (img[i11 + c]! - img[i01 + c]!) * tx;
    out[c] = top + (bot - top) * ty;
  }
}

/** Per-pixel stroke direction: gradient normal of the layer's reference, blended with the form flow.
 * The gradient is taken per pixel of a 256-px frame (times `mark`, the mark scale), so the same picture
 * blends the two directions alike at every frame size. */
function strokeFlow(ref: Float32Array, g: GBuffer, mark: number): Float32Array {
  const { width: W, height: H } = g;
  const lum = new Float32Array(W * H);
  for (let i = 0; i < W * H; i++) lum[i] = 0.3 * ref[i * 3]! + 0.59 * ref[i * 3 + 1]! + 0.11 * ref[i * 3 + 2]!;
  const out = new Float32Array(W * H * 2);
  for (let y = 0; y < H; y++) {
    const ym = Math.max(0, y - 1) * W, yp = Math.min(H - 1, y + 1) * W, y0 = y * W;
    for (let x = 0; x < W; x++) {
      const xm = Math.max(0, x - 1), xp = Math.min(W - 1, x + 1);
      const gx = (lum[ym + xp]! + 2 * lum[y0 + xp]! + lum[yp + xp]! - lum[ym + xm]! - 2 * lum[y0 + xm]! - lum[yp + xm]!) / 8;
      const gy = (lum[yp + xm]! + 2 * lum[yp + x]! + lum[yp + xp]! - lum[ym + xm]! - 2 * lum[ym + x]! - lum[ym + xp]!) / 8;
      const i = y0 + x;
      const tx = g.flow[i * 2]!, ty = g.flow[i * 2 + 1]!;
      const mag = hyp(gx, gy);
      let nx = 0, ny = 0;
      if (mag > 1e-6) { nx = -gy / mag; ny = gx / mag; }
      if (nx * tx + ny * ty < 0) { nx = -nx; ny = -ny; }
      const w = Math.min(1, Math.max(0, (mag * mark - 0.004) / 0.03));
      let fx = w * nx + (1 - w) * tx, fy = w * ny + (1 - w) * ty;
      const l = hyp(fx, fy) || 1;
      fx /= l; fy /= l;
      out[i * 2] = fx; out[i * 2 + 1] = fy;
    }
  }
  return out;
}

/** Bilinearly interpolated stroke direction at (x, y), each sample's sign aligned with (rx, ry). */
function flowAt(flow: Float32Array, x: number, y: number, rx: number, ry: number, out: Float64Array): void {
  const W = flowWidth, H = flow.length / 2 / W;
  const fx = Math.min(W - 1.001, Math.max(0, x - 0.5)), fy = Math.min(H - 1.001, Math.max(0, y - 0.5));
  const x0 = Math.floor(fx), y0 = Math.floor(fy), tx = fx - x0, ty = fy - y0;
  let sx = 0, sy = 0;
  for (let k = 0; k < 4; k++) {
    const i = (y0 + (k >> 1)) * W + x0 + (k & 1);
    const w = (k & 1 ? tx : 1 - tx) * (k >> 1 ? ty : 1 - ty);
    let vx = flow[i * 2]!, vy = flow[i * 2 + 1]!;
    if (vx * rx + vy * ry < 0) { vx = -vx; vy = -vy; }
    sx += w * vx; sy += w * vy;
  }
  const l = hyp(sx, sy);
  if (l > 1e-9) { out[0] = sx / l; out[1] = sy / l; } else { out[0] = rx; out[1] = ry; }
}
let flowWidth = 1;

/** Paint order of objects: sky, ground, then far to near, so nearer objects' strokes overlap farther ones. */
function objectOrder(g: GBuffer, scene: Scene): Float64Array {
  const n = scene.objects.length;
  const sum = new Float64Array(n), cnt = new Float64Array(n);
  for (let i = 0; i < g.width * g.height; i++) {
    const o = g.obj[i]!;
    if (o >= 0) { sum[o] += g.depth[i]!; cnt[o]!++; }
  }
  const order = new Float64Array(n + 1);
  order[0] = -2; // sky (index -1 + 1)
  for (let o = 0; o < n; o++) order[o + 1] = scene.objects[o]!.kind === 'ground' ? -1 : cnt[o]! > 0 ? -sum[o]! / cnt[o]! : 0;
  return order;
}

/** Binary dilation by a square of radius r (separable max). */
function dilate(m: Uint8Array, W: number, H: number, r: number): void {
  const t = new Uint8Array(m.length);
  for (let y = 0; y < H; y++) {
    let last = -1e9;
    for (let x = 0; x < W; x++) { if (m[y * W + x]) last = x; if (x - last <= r) t[y * W + x] = 1; }
    last = 1e9;
    for (let x = W - 1; x >= 0; x--) { if (m[y * W + x]) last = x; if (last - x <= r) t[y * W + x] = 1; }
  }
  m.fill(0);
  for (let x = 0; x < W; x++) {
    let last = -1e9;
    for (let y = 0; y < H; y++) { if (t[y * W + x]) last = y; if (y - last <= r) m[y * W + x] = 1; }
    last = 1e9;
    for (let y = H - 1; y >= 0; y--) { if (t[y * W + x]) last = y; if (last - y <= r) m[y * W + x] = 1; }
  }
}

/** Dense integer ranks (0..n) of the object paint order, sky first. */
function objectRanks(order: Float64Array): Int32Array {
  const idx = Array.from(order.keys()).sort((a, b) => order[a]! - order[b]! || a - b);
  const rank = new Int32Array(order.length);
  idx.forEach((o, r) => { rank[o] = r; });
  return rank;
}

/** Anchor spacing per layer in brush radii: sparser for the broad layers, whose long strokes overlap a lot. */
const SPACING = [1.5, 1.3, 1.1, 1.0];

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

export function paintFrame(g: GBuffer, scene: Scene, opts: PaintOptions = {}): Uint8Array {
  const { width: W, height: H } = g;
  const s = Math.min(W, H) / 256;
  const radii = opts.radii ?? [8, 4, 2, 1.25].map((r) => Math.max(1.25, r * s));
  // Marks never get finer than at 256 px, where a bristle is about a pixel wide.
  const mark = opts.markScale ?? Math.max(1, s);
  if (!(mark > 0) || !Number.isFinite(mark)) throw new Error(`paintFrame: markScale must be a positive number, got ${mark}`);
  if (opts.stats) opts.stats.markScale = mark;
  const T = opts.threshold ?? 0.15;
  const TS = opts.stopThreshold ?? 0.12;
  const ref = paintedReference(g, scene.light, scene.seed);
  const canvas = newCanvas(W, H);

  // Underpainting: a broad wash of the scene over a warm toned ground; shows in gaps between strokes.
  const wash = blurRGB(ref, W, H, radii[0]! * 1.5);
  const tone = [0.72, 0.55, 0.38];
  for (let i = 0; i < W * H * 3; i++) canvas.rgb[i] = wash[i]! * 0.8 + tone[i % 3]! * 0.2;

  const order = objectOrder(g, scene);
  const isCharacter = [false, ...scene.objects.map((o) => o.kind === 'character')];
  const pts = new Float32Array(64);
  const col = new Float64Array(3), tmp = new Float64Array(3), fl = new Float64Array(2);
  const style: StrokeStyle = { radius: 1, opacity: 1, r: 0, g: 0, b: 0, r2: 0, g2: 0, b2: 0, seed: 0, bristle: 1.15 * mark };

  const refCache = new Map<number, { refL: Float32Array; flow: Float32Array }>();
  radii.forEach((R, layer) => {
    const tl0 = performance.now();
    let nStrokes = 0, strokeLength = 0;
    // Layers whose blur rounds to the same radius share the reference and its flow field.
    const br = Math.round(R * 0.5);
    if (!refCache.has(br)) {
      const r = blurRGB(ref, W, H, br);
      refCache.set(br, { refL: r, flow: strokeFlow(r, g, mark) });
    }
    const { refL, flow } = refCache.get(br)!;
    flowWidth = W;
    // Hertzmann's error: distance between the canvas and this layer's reference, averaged over the brush.
    let errMap: Float32Array | null = null;
    let need: Uint8Array | undefined;
    if (layer > 0) {
      // Compare the canvas blurred to this brush size (so bristle texture and per-stroke jitter average
      // out, as Hertzmann's flat strokes would) with the layer's reference.
      const cb = blurRGB(canvas.rgb, W, H, R * 0.5, 1);
      errMap = new Float32Array(W * H * 3);
      for (let i = 0; i < W * H; i++) {
        errMap[i * 3] = hyp(cb[i * 3]! - refL[i * 3]!, cb[i * 3 + 1]! - refL[i * 3 + 1]!, cb[i * 3 + 2]! - refL[i * 3 + 2]!);
      }
      need = new Uint8Array(W * H);
      // The detail layer only refines characters (where the eye goes), like a painter's last pass.
      const detail = layer >= 3;
      for (let i = 0; i < W * H; i++) {
        if (errMap[i * 3]! > T * (detail ? 0.85 : 0.5) && (!detail || isCharacter[g.obj[i]! + 1])) need[i] = 1;
      }
      dilate(need, W, H, Math.ceil(R));
    }
    const ta0 = performance.now();
    const A = collectAnchors(g, R * SPACING[Math.min(layer, 3)]!, layer + 16 * (opts.strokeSeed ?? 0), need);
    const ta1 = performance.now();
    // Paint order: by object (far to near), then by the anchor's fixed hash. One numeric key per anchor
    // (object rank, 20 hash bits, anchor index) sorts natively.
    const rank = objectRanks(order);
    const keys = new Float64Array(A.count);
    // The detail layer paints its biggest corrections (eyes, mouth, silhouettes) last, so they stay on top.
    for (let k = 0; k < A.count; k++) {
      const within = errMap && layer >= 3 ? Math.min(1048575, Math.floor(errMap[(Math.floor(A.y[k]!) * W + Math.floor(A.x[k]!)) * 3]! * 2097152)) : A.hash[k]! >>> 12;
      keys[k] = (rank[A.obj[k]! + 1]! * 1048576 + within) * 67108864 + k;
    }
    keys.sort();
    const step = Math.max(1, R * 0.9);
    let curObj = -1, curR = 0, curG = 0, curB = 0;
    /** May a stroke of object curObj and colour cur* continue to (x, y) at step k? */
    const continues = (x: number, y: number, k: number): boolean => {
      if (x < 0 || y < 0 || x >= W || y >= H) return false;
      if (g.obj[Math.floor(y) * W + Math.floor(x)] !== curObj) return false;
      if (k < minLen) return true;
      sample(refL, W, H, x, y, tmp);
      return hyp(tmp[0]! - curR, tmp[1]! - curG, tmp[2]! - curB) <= TS;
    };
    const maxLen = [6, 7, 8, 5][Math.min(layer, 3)]!;
    const minLen = 2;
    for (let kk = 0; kk < A.count; kk++) {
      const k = keys[kk]! % 67108864;
      const ax = A.x[k]!, ay = A.y[k]!, aobj = A.obj[k]!, h = A.hash[k]!;
      let w = A.weight[k]!;
      if (errMap) {
        // Soft threshold, so strokes fade rather than pop between frames.
        const err = errMap[(Math.floor(ay) * W + Math.floor(ax)) * 3]!;
        w *= clamp01((err - T * 0.5) / (T * (layer >= 3 ? 1.5 : 1)) - (layer >= 3 ? 0.35 : 0));
        if (w < 0.02) continue;
      }
      sample(refL, W, H, ax, ay, col);
      // Per-stroke colour jitter (value and temperature), fixed per anchor.
      const jv = 1 + (unit(hashInts(h, 11)) - 0.5) * 0.16, jt = (unit(hashInts(h, 12)) - 0.5) * 0.07;
      const cr = col[0]! * jv + jt, cg = col[1]! * jv, cb = col[2]! * jv - jt;
      // Build the curved stroke.
      curObj = aobj; curR = col[0]!; curG = col[1]!; curB = col[2]!;
      let x = ax, y = ay;
      pts[0] = x; pts[1] = y;
      let n = 1;
      const pi0 = Math.floor(y) * W + Math.floor(x);
      const sign = h & 1 ? 1 : -1;
      const ang = (unit(hashInts(h, 13)) - 0.5) * 0.5;
      const ca = Math.cos(ang), sa = Math.sin(ang);
      flowAt(flow, ax, ay, flow[pi0 * 2]!, flow[pi0 * 2 + 1]!, fl);
      let dx = sign * (fl[0]! * ca - fl[1]! * sa), dy = sign * (fl[0]! * sa + fl[1]! * ca);
      const lenJ = 0.6 + 0.6 * unit(hashInts(h, 14));
      const maxN = Math.max(minLen, Math.round(maxLen * lenJ));
      for (let k = 1; k < maxN; k++) {
        const nx = x + dx * step, ny = y + dy * step;
        if (!continues(nx, ny, k)) {
          // End exactly where the stroke would leave its object or its colour (bisection), so the stroke
          // length varies smoothly from frame to frame instead of jumping by whole steps.
          let lo = 0, hi = 1;
          for (let it = 0; it < 4; it++) {
            const m = (lo + hi) / 2;
            if (continues(x + dx * step * m, y + dy * step * m, k)) lo = m; else hi = m;
          }
          if (lo * step > 0.25 * mark) { pts[n * 2] = x + dx * step * lo; pts[n * 2 + 1] = y + dy * step * lo; n++; }
          break;
        }
        x = nx; y = ny;
        pts[n * 2] = x; pts[n * 2 + 1] = y; n++;
        flowAt(flow, x, y, dx, dy, fl);
        const fx = fl[0]! * ca - fl[1]! * sa, fy = fl[0]! * sa + fl[1]! * ca;
        // Curvature filter: strokes bend gradually.
        const fc = 0.6;
        dx = fc * fx + (1 - fc) * dx; dy = fc * fy + (1 - fc) * dy;
        const l = hyp(dx, dy) || 1;
        dx /= l; dy /= l;
      }
      style.radius = R * (0.85 + 0.3 * unit(hashInts(h, 15)));
      style.opacity = w;
      style.r = cr; style.g = cg; style.b = cb;
      // Second pigment: a warmer or cooler, lighter or darker neighbour of the stroke colour.
      const v2 = 1 + (unit(hashInts(h, 16)) - 0.5) * 0.35, t2 = (unit(hashInts(h, 17)) - 0.5) * 0.12;
      style.r2 = cr * v2 + t2; style.g2 = cg * v2; style.b2 = cb * v2 - t2;
      style.seed = hashInts(h, 18);
      paintStroke(canvas, pts, n, style);
      nStrokes++;
      if (opts.stats) for (let q = 1; q < n; q++) strokeLength += hyp(pts[q * 2]! - pts[q * 2 - 2]!, pts[q * 2 + 1]! - pts[q * 2 - 1]!);
    }
    const tl1 = performance.now();
    opts.stats?.layers.push({ radius: R, anchors: A.count, strokes: nStrokes, length: strokeLength, anchorMs: ta1 - ta0, strokeMs: tl1 - ta1, totalMs: tl1 - tl0 });
  });

  // Final composite: light the paint relief (impasto), let paper grain through thin paint, vignette.
  const out = new Uint8Array(W * H * 3);
  const paperSeed = opts.paperSeed ?? 7;
  const P = canvas.paint;
  // The relief is lit from the height difference across the mark scale (d pixels each side; stroke
  // edges stay pixel-sharp, so a wider difference, not a steeper one, keeps their ridges as wide on
  // the picture and as bright as at 256 px). Paper grain is `mark` times coarser too. At mark = 1
  // these are the 256-px sample's own constants.
  const d = Math.max(1, Math.round(mark)), rk = mark / d;
  const gx1 = 0.9 / mark, gx2 = 0.31 / mark, gy2 = 0.27 / mark;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const hx = P[y * W + Math.min(W - 1, x + d)]! - P[y * W + Math.max(0, x - d)]!;
      const hy = P[Math.min(H - 1, y + d) * W + x]! - P[Math.max(0, y - d) * W + x]!;
      const relief = (0.6 * hx + 0.6 * hy) * rk;
      const shade = 1 + 0.3 * relief + 0.6 * Math.max(0, relief) * Math.max(0, relief);
      const grain = 0.65 * valueNoise2(x * gx1, y * gx1, paperSeed) + 0.35 * valueNoise2(x * gx2, y * gy2, paperSeed + 1);
      const paper = 1 + grain * (0.03 + 0.07 * (1 - canvas.cover[i]!));
      const vx = x / W - 0.5, vy = y / H - 0.5;
      const vig = 1 - 0.35 * (vx * vx + vy * vy);
      for (let c = 0; c < 3; c++) {
        const v = canvas.rgb[i * 3 + c]! * shade * paper * vig;
        out[i * 3 + c] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
      }
    }
  }
  return out;
}
