// Stroke anchors attached to the scene (in the spirit of Meier 1996, "Painterly rendering for
// animation"): an anchor is a fixed point of a primitive's surface parametrisation, so it moves with
// the object and the same stroke reappears on the next frame. Density adapts to the screen: anchors sit
// on jittered cells of a quadtree over (face, u, v); a layer uses all levels up to the one whose cells are
// about `spacing` pixels apart on screen, and fades the finest level in by each anchor's fixed rank, so
// zooming in or out adds or removes strokes one at a time instead of re-scattering them.
import { hashInts, unit } from './rng.js';
import { cubeDir, cubeMap, surfaceParam, surfacePoint } from './geometry.js';
import type { GBuffer } from './raycast.js';

/** Anchors visible in one frame for one layer (struct of arrays: tens of thousands per frame). */
export interface Anchors {
  count: number;
  /** Screen position (pixels, continuous). */
  x: Float32Array;
  y: Float32Array;
  /** Owning object index, -1 for sky. */
  obj: Int16Array;
  /** Fade-in weight from level of detail (0..1). */
  weight: Float32Array;
  /** Stable per-anchor random bits: stroke direction sign, jitter, bristle seed, paint order. */
  hash: Uint32Array;
}

const MAX_LEVEL = 10;

/** Open-addressing set of (hi, lo) int32 pairs; a JS Set of numeric keys this large would box every key
 * above 2^31 as a heap number, and garbage collection would dominate. */
class KeySet {
  hi: Int32Array;
  lo: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.hi = new Int32Array(capacity).fill(-1);
    this.lo = new Int32Array(capacity);
  }
  add(hi: number, lo: number): void {
    if ((this.size + 1) * 2 > this.hi.length) this.grow();
    const mask = this.hi.length - 1;
    let h = (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi + 0x632be5ab, 0x85ebca77)) >>> 0;
    h = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const k = this.hi[h]!;
      if (k === -1) { this.hi[h] = hi; this.lo[h] = lo; this.size++; return; }
      if (k === hi && this.lo[h] === lo) return;
      h = (h + 1) & mask;
    }
  }
  private grow(): void {
    const oh = this.hi, ol = this.lo;
    this.hi = new Int32Array(oh.length * 2).fill(-1);
    this.lo = new Int32Array(oh.length * 2);
    this.size = 0;
    for (let i = 0; i < oh.length; i++) if (oh[i] !== -1) this.add(oh[i]!, ol[i]!);
  }
}

const OFF = 32768;

/** Cells per parameter unit at level 0: cube faces span [-1, 1]; planes are in world units. */
const baseCell = (plane: boolean): number => (plane ? 4 : 1);

/** Level of detail at which cells are `spacing` pixels apart, for a pixel's footprint. */
function lambda(g: GBuffer, i: number, radius: number, sky: boolean, spacing: number, plane: boolean): number {
  const f = g.basis.focal;
  let uvPerPx: number;
  if (sky) uvPerPx = 1 / f;
  else {
    const fwd = g.basis.fwd;
    const cos = Math.abs(g.normal[i * 3]! * fwd[0] + g.normal[i * 3 + 1]! * fwd[1] + g.normal[i * 3 + 2]! * fwd[2]);
    uvPerPx = g.depth[i]! / f / Math.sqrt(Math.max(cos, 0.08)) / radius;
  }
  return Math.log2(baseCell(plane) / (spacing * uvPerPx));
}

/** `need`, if given, marks pixels where strokes may be wanted (non-zero); cells elsewhere are skipped. */
export function collectAnchors(g: GBuffer, spacing: number, layer: number, need?: Uint8Array): Anchors {
  const { width: W, height: H, prims } = g;
  const skyIndex = prims.length;
  const stride = Math.max(1, Math.floor(spacing / 3));
  const keys = new KeySet(1 << Math.max(12, Math.ceil(Math.log2((8 * W * H) / (spacing * spacing)))));
  const lastHi = new Int32Array(MAX_LEVEL + 1).fill(-1), lastLo = new Int32Array(MAX_LEVEL + 1);
  const par = new Float64Array(3);
  const isPlane = prims.map((fp) => fp.prim.shape === 'plane');
  for (let y = 0; y < H; y += stride) {
    for (let x = 0; x < W; x += stride) {
      const i = y * W + x;
      if (need && !need[i]) continue;
      const pi = g.prim[i]!;
      const sky = pi < 0;
      const plane = !sky && isPlane[pi]!;
      if (sky) cubeMap(g.local[i * 3]!, g.local[i * 3 + 1]!, g.local[i * 3 + 2]!, par);
      else surfaceParam(prims[pi]!.prim, g.local[i * 3]!, g.local[i * 3 + 1]!, g.local[i * 3 + 2]!, par);
      const lam = lambda(g, i, sky ? 1 : prims[pi]!.radius, sky, spacing, plane);
      const top = Math.min(MAX_LEVEL, Math.ceil(lam));
      const pidx = sky ? skyIndex : pi;
      const u = plane ? par[1]! : par[1]! + 1, v = plane ? par[2]! : par[2]! + 1;
      let cell = baseCell(plane);
      for (let l = 0; l <= top; l++, cell *= 0.5) {
        // Coarse cells span many pixels: visit them on a sparser grid of samples (big time saver).
        const m = stride << Math.max(0, Math.min(12, top - 1 - l));
        if (m > stride && (x % m !== 0 || y % m !== 0)) continue;
        const ci = Math.floor(u / cell) + OFF, cj = Math.floor(v / cell) + OFF;
        if (ci < 0 || cj < 0 || ci >= 65536 || cj >= 65536) continue;
        const hi = (pidx * 6 + par[0]!) * 16 + l, lo = (ci << 16) | cj;
        if (hi === lastHi[l] && lo === lastLo[l]) continue;
        lastHi[l] = hi; lastLo[l] = lo;
        keys.add(hi, lo);
      }
    }
  }

  const cap = keys.size;
  const list = keys.hi;
  const out: Anchors = {
    count: 0, x: new Float32Array(cap), y: new Float32Array(cap), obj: new Int16Array(cap),
    weight: new Float32Array(cap), hash: new Uint32Array(cap),
  };
  const pt = new Float64Array(3);
  const { pos: cp, right, up, fwd, focal, cx, cy } = g.basis;
  for (let e = 0; e < list.length; e++) {
    const hi = list[e]!;
    if (hi === -1) continue;
    const lo = keys.lo[e]!;
    const ci = lo >>> 16, cj = lo & 0xffff;
    const l = hi % 16, face = ((hi - l) / 16) % 6, pidx = ((hi - l) / 16 - face) / 6;
    const sky = pidx === skyIndex;
    const fp = sky ? null : prims[pidx]!;
    const plane = fp?.prim.shape === 'plane';
    const seed = fp ? fp.seed : 0x5eed;
    const h = hashInts(seed, face * 16 + l, ci, cj, layer);
    const cell = baseCell(plane) / 2 ** l;
    const ju = 0.1 + 0.8 * unit(hashInts(h, 1, 0)), jv = 0.1 + 0.8 * unit(hashInts(h, 2, 0));
    let u = (ci - OFF + ju) * cell, v = (cj - OFF + jv) * cell;
    if (!plane) { u -= 1; v -= 1; }
    // World position (sky: a direction) of the anchor, then its projection.
    let wx: number, wy: number, wz: number;
    if (sky) {
      cubeDir(face, u, v, pt);
      wx = pt[0]!; wy = pt[1]!; wz = pt[2]!;
    } else {
      const p = fp!.prim, R = p.rot;
      surfacePoint(p, face, u, v, pt);
      const lx = pt[0]!, ly = pt[1]!, lz = pt[2]!;
      wx = p.pos[0] + R[0] * lx + R[1] * ly + R[2] * lz - cp[0];
      wy = p.pos[1] + R[3] * lx + R[4] * ly + R[5] * lz - cp[1];
      wz = p.pos[2] + R[6] * lx + R[7] * ly + R[8] * lz - cp[2];
    }
    const zc = wx * fwd[0] + wy * fwd[1] + wz * fwd[2];
    if (zc <= 1e-4) continue;
    const sx = cx + (focal * (wx * right[0] + wy * right[1] + wz * right[2])) / zc;
    const sy = cy - (focal * (wx * up[0] + wy * up[1] + wz * up[2])) / zc;
    if (sx < 0 || sy < 0 || sx >= W || sy >= H) continue;
    const i = Math.floor(sy) * W + Math.floor(sx);
    if (need && !need[i]) continue;
    // Visible only if the pixel there shows the same surface at the same depth.
    if (sky ? g.prim[i] !== -1 : g.prim[i] !== pidx || Math.abs(g.depth[i]! - zc) > 0.03 * zc + 0.01) continue;
    const lam = lambda(g, i, sky ? 1 : fp!.radius, sky, spacing, plane);
    const p = l === 0 ? (lam >= 0 ? 1 : 4 ** lam) : Math.min(1, Math.max(0, lam - l + 1));
    const rank = unit(hashInts(h, 3, 0));
    const weight = Math.min(1, Math.max(0, (p * 1.2 - rank) * 5));
    if (weight < 0.01) continue;
    const k2 = out.count++;
    out.x[k2] = sx; out.y[k2] = sy; out.obj[k2] = sky ? -1 : fp!.obj; out.weight[k2] = weight; out.hash[k2] = h;
  }
  return out;
}
