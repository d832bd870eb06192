// Ray casts a scene into per-pixel geometry buffers (one primary ray and one shadow ray per pixel).
// Everything downstream - render passes, the rough frame, the painted look, stroke anchors - reads these.
import { hashString, valueNoise3 } from './rng.js';
import { intersectLocal, normalLocal, paramRadius } from './geometry.js';
import type { CameraBasis, Primitive, Scene } from './scene.js';
import { cameraBasis, project } from './scene.js';
import { normalize } from './vec.js';

/** sqrt of a sum of squares (Math.hypot is several times slower in V8, and this runs per pixel). */
const hyp = (a: number, b: number, c = 0): number => Math.sqrt(a * a + b * b + c * c);

/** A primitive in the flattened per-frame list, with its owner and a seed that is stable across frames. */
export interface FlatPrim {
  prim: Primitive;
  obj: number;
  seed: number;
  radius: number;
}

export interface GBuffer {
  width: number;
  height: number;
  basis: CameraBasis;
  prims: FlatPrim[];
  /** Global primitive index per pixel, -1 for sky. */
  prim: Int32Array;
  /** Object index per pixel, -1 for sky. */
  obj: Int16Array;
  /** Camera-space depth (distance along the view axis); 1e9 for sky. */
  depth: Float32Array;
  /** World normal (3 per pixel); for sky, the negated view direction. */
  normal: Float32Array;
  /** Hit point in the primitive's local space (3 per pixel); for sky, the world view direction. */
  local: Float32Array;
  albedo: Float32Array;
  /** Lambert term times shadow visibility, 0..1. */
  diffuse: Float32Array;
  /** Object-space colour variation for the painted look, about -1..1 times the primitive's amplitude. */
  variation: Float32Array;
  /** Unit screen-space direction strokes follow when the image has no strong gradient (2 per pixel). */
  flow: Float32Array;
  /** Backward motion in pixels: where this pixel's surface point was in the previous frame, minus here. */
  motion: Float32Array;
  /** 1 where the surface point was visible in the previous frame (known only if that frame was given). */
  motionValid: Uint8Array;
}

export const SKY_DEPTH = 1e9;

function flatten(scene: Scene): FlatPrim[] {
  const out: FlatPrim[] = [];
  scene.objects.forEach((o, oi) => {
    const base = hashString(o.paintSeed ?? o.name);
    o.prims.forEach((p, pi) => out.push({ prim: p, obj: oi, seed: (base + pi * 7919) >>> 0, radius: paramRadius(p) }));
  });
  return out;
}

interface Bound {
  cx: number; cy: number; cz: number; r2: number; infinite: boolean;
  first: number; count: number; shadow: boolean;
  /** Conservative screen rectangle of the bounding sphere (pixels); primary rays outside skip the object. */
  x0: number; x1: number; y0: number; y1: number;
}

function primRadius(p: Primitive): number {
  const [a, b, c] = p.size;
  switch (p.shape) {
    case 'capsule': return b + a;
    case 'cylinder':
    case 'cone': return hyp(a, b);
    case 'box': return hyp(a, b, c);
    default: return Math.max(a, b, c);
  }
}

/** Screen rectangle of each bounding sphere: the projected corners of its bounding cube (all in front
 * of the camera), else the whole screen. */
function screenRects(bnds: Bound[], b: CameraBasis): void {
  const out = new Float64Array(3);
  for (const bd of bnds) {
    if (bd.infinite) continue;
    const r = Math.sqrt(bd.r2);
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity, behind = false;
    for (let k = 0; k < 8 && !behind; k++) {
      project(b, bd.cx + (k & 1 ? r : -r), bd.cy + (k & 2 ? r : -r), bd.cz + (k & 4 ? r : -r), out);
      if (out[2]! <= 1e-3) behind = true;
      x0 = Math.min(x0, out[0]!); x1 = Math.max(x1, out[0]!); y0 = Math.min(y0, out[1]!); y1 = Math.max(y1, out[1]!);
    }
    if (!behind) { bd.x0 = x0 - 1; bd.x1 = x1 + 1; bd.y0 = y0 - 1; bd.y1 = y1 + 1; }
  }
}

function bounds(scene: Scene): Bound[] {
  const out: Bound[] = [];
  let first = 0;
  for (const o of scene.objects) {
    const n = o.prims.length;
    let cx = 0, cy = 0, cz = 0;
    for (const p of o.prims) { cx += p.pos[0] / n; cy += p.pos[1] / n; cz += p.pos[2] / n; }
    let r = 0;
    let infinite = false;
    for (const p of o.prims) {
      if (p.shape === 'plane') infinite = true;
      r = Math.max(r, hyp(p.pos[0] - cx, p.pos[1] - cy, p.pos[2] - cz) + primRadius(p));
    }
    out.push({ cx, cy, cz, r2: r * r, infinite, first, count: n, shadow: o.castsShadow, x0: -Infinity, x1: Infinity, y0: -Infinity, y1: Infinity });
    first += n;
  }
  return out;
}

/** Does the ray (unit d) come within the sphere, not entirely behind the origin or beyond tMax? */
function hitsSphere(b: Bound, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMax: number): boolean {
  const lx = b.cx - ox, ly = b.cy - oy, lz = b.cz - oz;
  const tc = lx * dx + ly * dy + lz * dz;
  const d2 = lx * lx + ly * ly + lz * lz - tc * tc;
  if (d2 > b.r2) return false;
  const half = Math.sqrt(b.r2 - d2);
  return tc + half > 0 && tc - half < tMax;
}

function intersectWorld(p: Primitive, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): number {
  const R = p.rot;
  const qx = ox - p.pos[0], qy = oy - p.pos[1], qz = oz - p.pos[2];
  // local = R^T * world (R's columns are the local axes)
  return intersectLocal(
    p,
    R[0] * qx + R[3] * qy + R[6] * qz, R[1] * qx + R[4] * qy + R[7] * qz, R[2] * qx + R[5] * qy + R[8] * qz,
    R[0] * dx + R[3] * dy + R[6] * dz, R[1] * dx + R[4] * dy + R[7] * dz, R[2] * dx + R[5] * dy + R[8] * dz,
  );
}

export function raycast(scene: Scene, width: number, height: number, prevScene?: Scene, prev?: GBuffer): GBuffer {
  const n = width * height;
  const basis = cameraBasis(scene.camera, width, height);
  const prims = flatten(scene);
  const bnds = bounds(scene);
  const prevPrims = prevScene ? flatten(prevScene) : prims;
  if (prevPrims.length !== prims.length) throw new Error('sample: previous frame has a different scene structure');
  const prevBasis = prevScene ? cameraBasis(prevScene.camera, width, height) : basis;
  const L = normalize(scene.light.dir);
  screenRects(bnds, basis);
  const casters = bnds.filter((b) => b.shadow);
  const g: GBuffer = {
    width, height, basis, prims,
    prim: new Int32Array(n).fill(-1), obj: new Int16Array(n).fill(-1), depth: new Float32Array(n).fill(SKY_DEPTH),
    normal: new Float32Array(n * 3), local: new Float32Array(n * 3), albedo: new Float32Array(n * 3),
    diffuse: new Float32Array(n), variation: new Float32Array(n), flow: new Float32Array(n * 2),
    motion: new Float32Array(n * 2), motionValid: new Uint8Array(n),
  };
  const { right, up, fwd, focal, cx, cy } = basis;
  // The previous frame's pixel holding a point projected at (px, py) there, or -1 outside the frame.
  const prevPixel = (px: number, py: number): number => {
    const qx = Math.floor(px), qy = Math.floor(py);
    return qx >= 0 && qy >= 0 && qx < width && qy < height ? qy * width + qx : -1;
  };
  const [ox, oy, oz] = basis.pos;
  const nl = new Float64Array(3);
  const camLocal = new Float64Array(prims.length * 3);
  prims.forEach((fp, k) => {
    const R = fp.prim.rot, qx = ox - fp.prim.pos[0], qy = oy - fp.prim.pos[1], qz = oz - fp.prim.pos[2];
    camLocal[k * 3] = R[0] * qx + R[3] * qy + R[6] * qz;
    camLocal[k * 3 + 1] = R[1] * qx + R[4] * qy + R[7] * qz;
    camLocal[k * 3 + 2] = R[2] * qx + R[5] * qy + R[8] * qz;
  });
  for (let y = 0; y < height; y++) {
    const row = bnds.filter((b) => y + 0.5 >= b.y0 && y + 0.5 <= b.y1);
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const sx = (x + 0.5 - cx) / focal, sy = -(y + 0.5 - cy) / focal;
      let dx = fwd[0] + right[0] * sx + up[0] * sy;
      let dy = fwd[1] + right[1] * sx + up[1] * sy;
      let dz = fwd[2] + right[2] * sx + up[2] * sy;
      const dl = hyp(dx, dy, dz);
      dx /= dl; dy /= dl; dz /= dl;
      let best = Infinity, bestPrim = -1;
      for (let bi = 0; bi < row.length; bi++) {
        const b = row[bi]!;
        if (x + 0.5 < b.x0 || x + 0.5 > b.x1) continue;
        if (!b.infinite && !hitsSphere(b, ox, oy, oz, dx, dy, dz, best)) continue;
        for (let k = b.first; k < b.first + b.count; k++) {
          // Primary rays share the camera origin: its local coordinates are precomputed per primitive.
          const R = prims[k]!.prim.rot;
          const t = intersectLocal(prims[k]!.prim, camLocal[k * 3]!, camLocal[k * 3 + 1]!, camLocal[k * 3 + 2]!,
            R[0] * dx + R[3] * dy + R[6] * dz, R[1] * dx + R[4] * dy + R[7] * dz, R[2] * dx + R[5] * dy + R[8] * dz);
          if (t < best) { best = t; bestPrim = k; }
        }
      }
      if (bestPrim < 0) {
        // Sky: store the view direction; the look shades it, motion follows camera rotation only.
        g.local[i * 3] = dx; g.local[i * 3 + 1] = dy; g.local[i * 3 + 2] = dz;
        g.normal[i * 3] = -dx; g.normal[i * 3 + 1] = -dy; g.normal[i * 3 + 2] = -dz;
        g.flow[i * 2] = 1;
        const pb = prevBasis;
        const pcz = dx * pb.fwd[0] + dy * pb.fwd[1] + dz * pb.fwd[2];
        const pcx = dx * pb.right[0] + dy * pb.right[1] + dz * pb.right[2];
        const pcy = dx * pb.up[0] + dy * pb.up[1] + dz * pb.up[2];
        const prevX = pb.cx + (pb.focal * pcx) / pcz, prevY = pb.cy - (pb.focal * pcy) / pcz;
        g.motion[i * 2] = prevX - (x + 0.5);
        g.motion[i * 2 + 1] = prevY - (y + 0.5);
        // Seen where that direction showed sky in the previous frame (not where this pixel did: with
        // the camera turning, sky coming out from behind a figure was marked seen).
        const j = prevPixel(prevX, prevY);
        g.motionValid[i] = prev && pcz > 0 && j >= 0 && prev.prim[j] === -1 ? 1 : 0;
        continue;
      }
      const fp = prims[bestPrim]!;
      const p = fp.prim, R = p.rot;
      const wx = ox + dx * best, wy = oy + dy * best, wz = oz + dz * best;
      const qx = wx - p.pos[0], qy = wy - p.pos[1], qz = wz - p.pos[2];
      const lx = R[0] * qx + R[3] * qy + R[6] * qz, ly = R[1] * qx + R[4] * qy + R[7] * qz, lz = R[2] * qx + R[5] * qy + R[8] * qz;
      normalLocal(p, lx, ly, lz, nl);
      let nx = R[0] * nl[0]! + R[1] * nl[1]! + R[2] * nl[2]!;
      let ny = R[3] * nl[0]! + R[4] * nl[1]! + R[5] * nl[2]!;
      let nz = R[6] * nl[0]! + R[7] * nl[1]! + R[8] * nl[2]!;
      if (nx * dx + ny * dy + nz * dz > 0) { nx = -nx; ny = -ny; nz = -nz; }
      const zc = (wx - ox) * fwd[0] + (wy - oy) * fwd[1] + (wz - oz) * fwd[2];
      g.prim[i] = bestPrim; g.obj[i] = fp.obj; g.depth[i] = zc;
      g.normal[i * 3] = nx; g.normal[i * 3 + 1] = ny; g.normal[i * 3 + 2] = nz;
      g.local[i * 3] = lx; g.local[i * 3 + 1] = ly; g.local[i * 3 + 2] = lz;
      g.albedo[i * 3] = p.color[0]; g.albedo[i * 3 + 1] = p.color[1]; g.albedo[i * 3 + 2] = p.color[2];

      // Sun visibility: one shadow ray against shadow casters.
      let lambert = nx * L[0] + ny * L[1] + nz * L[2];
      if (lambert > 0) {
        const sx0 = wx + nx * 2e-3, sy0 = wy + ny * 2e-3, sz0 = wz + nz * 2e-3;
        outer: for (let bi = 0; bi < casters.length; bi++) {
          const b = casters[bi]!;
          if (!hitsSphere(b, sx0, sy0, sz0, L[0], L[1], L[2], Infinity)) continue;
          for (let k = b.first; k < b.first + b.count; k++) {
            if (k === bestPrim) continue;
            if (intersectWorld(prims[k]!.prim, sx0, sy0, sz0, L[0], L[1], L[2]) < Infinity) { lambert = 0; break outer; }
          }
        }
      }
      g.diffuse[i] = Math.max(0, lambert);

      const amp = p.paintVariation ?? 0;
      if (amp > 0) {
        const f = p.shape === 'plane' ? 0.45 : 1.3 / fp.radius;
        g.variation[i] = amp * (0.7 * valueNoise3(lx * f, ly * f, lz * f, fp.seed) + 0.3 * valueNoise3(lx * f * 3.1, ly * f * 3.1, lz * f * 3.1, fp.seed + 1));
      }

      // Stroke flow: a tangent chosen per primitive, projected to the screen.
      let tx: number, ty: number, tz: number;
      const mode = p.flow ?? 'around';
      if (mode === 'fixed') { tx = 0.94; ty = 0; tz = 0.34; }
      else {
        const ax = R[1], ay = R[4], az = R[7];
        if (mode === 'along') { tx = ax; ty = ay; tz = az; }
        else { tx = ay * nz - az * ny; ty = az * nx - ax * nz; tz = ax * ny - ay * nx; }
      }
      const tn = tx * nx + ty * ny + tz * nz;
      tx -= tn * nx; ty -= tn * ny; tz -= tn * nz;
      const ccx = (wx - ox) * right[0] + (wy - oy) * right[1] + (wz - oz) * right[2];
      const ccy = (wx - ox) * up[0] + (wy - oy) * up[1] + (wz - oz) * up[2];
      const tcx = tx * right[0] + ty * right[1] + tz * right[2];
      const tcy = tx * up[0] + ty * up[1] + tz * up[2];
      const tcz = tx * fwd[0] + ty * fwd[1] + tz * fwd[2];
      let fx = tcx * zc - ccx * tcz, fy = -(tcy * zc - ccy * tcz);
      const fl = hyp(fx, fy);
      if (fl > 1e-9) { fx /= fl; fy /= fl; } else { fx = 1; fy = 0; }
      g.flow[i * 2] = fx; g.flow[i * 2 + 1] = fy;

      // Motion: the same local point under the previous frame's transform and camera.
      const pp = prevPrims[bestPrim]!.prim, PR = pp.rot;
      const px = pp.pos[0] + PR[0] * lx + PR[1] * ly + PR[2] * lz;
      const py = pp.pos[1] + PR[3] * lx + PR[4] * ly + PR[5] * lz;
      const pz = pp.pos[2] + PR[6] * lx + PR[7] * ly + PR[8] * lz;
      const pb = prevBasis;
      const ex = px - pb.pos[0], ey = py - pb.pos[1], ez = pz - pb.pos[2];
      const pcz = ex * pb.fwd[0] + ey * pb.fwd[1] + ez * pb.fwd[2];
      const pcx = ex * pb.right[0] + ey * pb.right[1] + ez * pb.right[2];
      const pcy = ex * pb.up[0] + ey * pb.up[1] + ez * pb.up[2];
      const prevX = pb.cx + (pb.focal * pcx) / pcz, prevY = pb.cy - (pb.focal * pcy) / pcz;
      g.motion[i * 2] = prevX - (x + 0.5);
      g.motion[i * 2 + 1] = prevY - (y + 0.5);
      const j = prevPixel(prevX, prevY);
      if (prev && j >= 0) g.motionValid[i] = prev.obj[j] === fp.obj && Math.abs(prev.depth[j]! - pcz) < 0.03 * pcz + 0.02 ? 1 : 0;
    }
  }
  return g;
}
