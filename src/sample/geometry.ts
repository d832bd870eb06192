// Ray/primitive intersection, normals and the surface parametrisation that stroke anchors live in.
// Everything works in the primitive's local space (world = rot * local + pos, rot orthonormal), so a
// point stored in local coordinates follows the primitive wherever the animation moves it.
import type { Primitive } from './scene.js';

/** sqrt of a sum of squares (Math.hypot is several times slower in V8, and this runs per pixel). */
const hyp = (a: number, b: number, c = 0): number => Math.sqrt(a * a + b * b + c * c);

const EPS = 1e-4;

/** Nearest hit distance t > EPS of the local ray o + t d (d unit length), or Infinity. */
export function intersectLocal(
  p: Primitive, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number,
): number {
  const sz = p.size, a = sz[0], b = sz[1], c = sz[2];
  switch (p.shape) {
    case 'ellipsoid': {
      const qx = ox / a, qy = oy / b, qz = oz / c, ex = dx / a, ey = dy / b, ez = dz / c;
      const A = ex * ex + ey * ey + ez * ez, B = qx * ex + qy * ey + qz * ez, C = qx * qx + qy * qy + qz * qz - 1;
      const disc = B * B - A * C;
      if (disc < 0) return Infinity;
      const s = Math.sqrt(disc);
      let t = (-B - s) / A;
      if (t > EPS) return t;
      t = (-B + s) / A;
      return t > EPS ? t : Infinity;
    }
    case 'box': {
      // Slab test without allocations (this runs millions of times per production).
      let tmin = -Infinity, tmax = Infinity;
      for (let i = 0; i < 3; i++) {
        const o = i === 0 ? ox : i === 1 ? oy : oz, d = i === 0 ? dx : i === 1 ? dy : dz, h = i === 0 ? a : i === 1 ? b : c;
        if (Math.abs(d) < 1e-12) {
          if (o < -h || o > h) return Infinity;
          continue;
        }
        let t1 = (-h - o) / d, t2 = (h - o) / d;
        if (t1 > t2) { const tt = t1; t1 = t2; t2 = tt; }
        if (t1 > tmin) tmin = t1;
        if (t2 < tmax) tmax = t2;
        if (tmin > tmax) return Infinity;
      }
      if (tmin > EPS) return tmin;
      return tmax > EPS ? tmax : Infinity;
    }
    case 'capsule': {
      // Infinite cylinder around y, clipped to |y| <= h, plus the two end spheres.
      const r = a, h = b;
      let best = Infinity;
      const A = dx * dx + dz * dz, B = ox * dx + oz * dz, C = ox * ox + oz * oz - r * r;
      if (A > 1e-12) {
        const disc = B * B - A * C;
        if (disc >= 0) {
          const t = (-B - Math.sqrt(disc)) / A;
          const y = oy + t * dy;
          if (t > EPS && y >= -h && y <= h) best = t;
        }
      }
      for (let e = -1; e <= 1; e += 2) {
        const qy = oy - e * h;
        const bb = ox * dx + qy * dy + oz * dz, cc = ox * ox + qy * qy + oz * oz - r * r;
        const disc = bb * bb - cc;
        if (disc >= 0) {
          const t = -bb - Math.sqrt(disc);
          if (t > EPS && t < best) best = t;
        }
      }
      return best;
    }
    case 'cylinder':
    case 'cone': {
      // Cylinder: x^2+z^2 = r^2. Cone (apex at y=+h, base radius r at y=-h): x^2+z^2 = k^2 (h-y)^2.
      const r = a, h = b;
      const k = p.shape === 'cone' ? r / (2 * h) : 0;
      const k2 = k * k;
      let best = Infinity;
      let A: number, B: number, C: number;
      if (p.shape === 'cone') {
        A = dx * dx + dz * dz - k2 * dy * dy;
        B = ox * dx + oz * dz + k2 * (h - oy) * dy;
        C = ox * ox + oz * oz - k2 * (h - oy) * (h - oy);
      } else {
        A = dx * dx + dz * dz; B = ox * dx + oz * dz; C = ox * ox + oz * oz - r * r;
      }
      if (Math.abs(A) > 1e-12) {
        const disc = B * B - A * C;
        if (disc >= 0) {
          const s = Math.sqrt(disc);
          for (let e = -1; e <= 1; e += 2) {
            const t = (-B + e * s) / A;
            const y = oy + t * dy;
            if (t > EPS && t < best && y >= -h && y <= h) best = t;
          }
        }
      }
      if (Math.abs(dy) > 1e-12) {
        const lastCap = p.shape === 'cone' ? -1 : 1;
        for (let e = -1; e <= lastCap; e += 2) {
          const t = (e * h - oy) / dy;
          if (t > EPS && t < best) {
            const x = ox + t * dx, z = oz + t * dz;
            if (x * x + z * z <= r * r) best = t;
          }
        }
      }
      return best;
    }
    case 'plane': {
      if (Math.abs(dy) < 1e-12) return Infinity;
      const t = -oy / dy;
      if (t <= EPS) return Infinity;
      const x = ox + t * dx, z = oz + t * dz;
      return x * x + z * z <= a * a ? t : Infinity;
    }
  }
}

/** Outward unit normal at a local surface point, written to out[0..2] (local space). */
export function normalLocal(p: Primitive, x: number, y: number, z: number, out: Float64Array): void {
  const sz = p.size, a = sz[0], b = sz[1], c = sz[2];
  let nx = 0, ny = 0, nz = 0;
  switch (p.shape) {
    case 'ellipsoid':
      nx = x / (a * a); ny = y / (b * b); nz = z / (c * c);
      break;
    case 'box': {
      const ux = Math.abs(x) / a, uy = Math.abs(y) / b, uz = Math.abs(z) / c;
      if (ux >= uy && ux >= uz) nx = Math.sign(x);
      else if (uy >= uz) ny = Math.sign(y);
      else nz = Math.sign(z);
      break;
    }
    case 'capsule': {
      const cy = Math.max(-b, Math.min(b, y));
      nx = x; ny = y - cy; nz = z;
      break;
    }
    case 'cylinder':
      if (Math.abs(y) > b - 1e-4 && x * x + z * z < (a - 1e-4) * (a - 1e-4)) ny = Math.sign(y);
      else { nx = x; nz = z; }
      break;
    case 'cone': {
      if (y < -b + 1e-4) ny = -1;
      else {
        const k = a / (2 * b);
        nx = x; nz = z; ny = k * k * (b - y);
      }
      break;
    }
    case 'plane':
      ny = 1;
      break;
  }
  const l = hyp(nx, ny, nz) || 1;
  out[0] = nx / l; out[1] = ny / l; out[2] = nz / l;
}

/** Is a local point inside the (convex) primitive? Used to find surface points from a direction. */
export function insideLocal(p: Primitive, x: number, y: number, z: number): boolean {
  const [a, b, c] = p.size;
  switch (p.shape) {
    case 'ellipsoid': return (x / a) ** 2 + (y / b) ** 2 + (z / c) ** 2 <= 1;
    case 'box': return Math.abs(x) <= a && Math.abs(y) <= b && Math.abs(z) <= c;
    case 'capsule': {
      const cy = Math.max(-b, Math.min(b, y));
      return x * x + (y - cy) ** 2 + z * z <= a * a;
    }
    case 'cylinder': return Math.abs(y) <= b && x * x + z * z <= a * a;
    case 'cone': {
      if (y < -b || y > b) return false;
      const rr = (a * (b - y)) / (2 * b);
      return x * x + z * z <= rr * rr;
    }
    case 'plane': return y <= 0;
  }
}

/** Half extents used to make the cube-map parametrisation roughly uniform on elongated primitives.
 * Returns a shared array (hot path: no allocation); copy it if you keep it. */
const extents = new Float64Array(3);
export function paramExtents(p: Primitive): Float64Array {
  const s = p.size;
  extents[0] = s[0]; extents[1] = p.shape === 'capsule' ? s[1] + s[0] : s[1]; extents[2] = s[2];
  return extents;
}

/** Characteristic radius (world units per unit of the surface parametrisation). */
export function paramRadius(p: Primitive): number {
  if (p.shape === 'plane') return 1;
  const e = paramExtents(p);
  return (e[0]! + e[1]! + e[2]!) / 3;
}

/**
 * Surface parametrisation (face, u, v): a cube map of the local point divided by the extents for closed
 * primitives (no pole singularities, works for every convex shape), plain world-unit (x, z) for planes.
 * Writes [face, u, v] into out.
 */
export function surfaceParam(p: Primitive, x: number, y: number, z: number, out: Float64Array): void {
  if (p.shape === 'plane') {
    out[0] = 0; out[1] = x; out[2] = z;
    return;
  }
  const e = paramExtents(p);
  cubeMap(x / e[0]!, y / e[1]!, z / e[2]!, out);
}

/** Cube map of a direction: face 0..5 (+x,-x,+y,-y,+z,-z) and (u, v) in [-1, 1]. */
export function cubeMap(x: number, y: number, z: number, out: Float64Array): void {
  const ax = Math.abs(x), ay = Math.abs(y), az = Math.abs(z);
  if (ax >= ay && ax >= az) {
    out[0] = x >= 0 ? 0 : 1; out[1] = y / ax; out[2] = z / ax;
  } else if (ay >= az) {
    out[0] = y >= 0 ? 2 : 3; out[1] = x / ay; out[2] = z / ay;
  } else {
    out[0] = z >= 0 ? 4 : 5; out[1] = x / az; out[2] = y / az;
  }
}

/** Direction (not normalised) for a cube-map coordinate. */
export function cubeDir(face: number, u: number, v: number, out: Float64Array): void {
  const s = face % 2 === 0 ? 1 : -1;
  if (face < 2) { out[0] = s; out[1] = u; out[2] = v; }
  else if (face < 4) { out[0] = u; out[1] = s; out[2] = v; }
  else { out[0] = u; out[1] = v; out[2] = s; }
}

/** Local surface point for a surface parameter (inverse of surfaceParam), into out[0..2]. */
export function surfacePoint(p: Primitive, face: number, u: number, v: number, out: Float64Array): void {
  if (p.shape === 'plane') {
    out[0] = u; out[1] = 0; out[2] = v;
    return;
  }
  const e = paramExtents(p);
  cubeDir(face, u, v, out);
  const dx = out[0]! * e[0]!, dy = out[1]! * e[1]!, dz = out[2]! * e[2]!;
  if (p.shape === 'box') { out[0] = dx; out[1] = dy; out[2] = dz; return; }
  if (p.shape === 'ellipsoid') {
    const l = hyp(out[0]!, out[1]!, out[2]!);
    out[0] = dx / l; out[1] = dy / l; out[2] = dz / l;
    return;
  }
  // Star-shaped around the origin: bisect along the ray for the boundary.
  let lo = 0, hi = 1;
  while (insideLocal(p, dx * hi, dy * hi, dz * hi)) hi *= 2;
  for (let i = 0; i < 14; i++) { // 2^-14 of the extent: far below a pixel
    const m = (lo + hi) / 2;
    if (insideLocal(p, dx * m, dy * m, dz * m)) lo = m; else hi = m;
  }
  out[0] = dx * lo; out[1] = dy * lo; out[2] = dz * lo;
}
