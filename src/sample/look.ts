// The production's painted look before brushwork: how a painter would colour the scene. It is where
// the look departs from the rough render in ways a global colour transfer cannot mimic: value grouping
// into a few bands, violet shadows and warm lights that depend on the lighting, object-space colour
// variation, painted skies with clouds, atmospheric haze, soft rim light.
import { valueNoise2 } from './rng.js';
import type { GBuffer } from './raycast.js';
import type { Light } from './scene.js';
import { normalize } from './vec.js';

const smooth = (e0: number, e1: number, x: number): number => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/** Painted sky colour for a world view direction. */
function skyColor(light: Light, L: readonly number[], dx: number, dy: number, dz: number, seed: number, out: Float32Array, o: number): void {
  const h = Math.max(0, dy);
  const t = Math.pow(Math.min(1, h * 2.2), 0.7);
  let r = light.skyHorizon[0] + (light.skyTop[0] - light.skyHorizon[0]) * t;
  let g = light.skyHorizon[1] + (light.skyTop[1] - light.skyHorizon[1]) * t;
  let b = light.skyHorizon[2] + (light.skyTop[2] - light.skyHorizon[2]) * t;
  // Sun glow.
  const sd = Math.max(0, dx * L[0]! + dy * L[1]! + dz * L[2]!);
  const glow = Math.pow(sd, 12) * 0.35;
  r += glow * light.color[0]; g += glow * light.color[1]; b += glow * light.color[2];
  // Clouds: noise on a plane above the camera, thinning to the horizon.
  if (dy > 0.02) {
    const k = 1 / (dy + 0.12);
    const cx = dx * k * 1.4, cz = dz * k * 1.4;
    const n = 0.6 * valueNoise2(cx, cz * 2.2, seed) + 0.3 * valueNoise2(cx * 2.3, cz * 4.6, seed + 1) + 0.1 * valueNoise2(cx * 5, cz * 9, seed + 2);
    const c = smooth(0.05, 0.45, n) * smooth(0.02, 0.2, dy) * 0.75;
    const lit = 0.55 + 0.45 * smooth(-0.2, 0.5, n - 0.15);
    r += (light.color[0] * 0.92 * lit - r) * c; g += (light.color[1] * 0.9 * lit - g) * c; b += (light.color[2] * 0.92 * lit + 0.06 - b) * c;
  }
  out[o] = r; out[o + 1] = g; out[o + 2] = b;
}

/** Reference colour image (3 floats per pixel, ~0..1) the painter paints from. */
export function paintedReference(g: GBuffer, light: Light, seed: number): Float32Array {
  const n = g.width * g.height;
  const out = new Float32Array(n * 3);
  const L = normalize(light.dir);
  const { fwd } = g.basis;
  const hz = light.skyHorizon;
  for (let i = 0; i < n; i++) {
    if (g.prim[i]! < 0) {
      skyColor(light, L, g.local[i * 3]!, g.local[i * 3 + 1]!, g.local[i * 3 + 2]!, seed, out, i * 3);
      continue;
    }
    const v = g.variation[i]!;
    // Variation shifts value and temperature a little (greens go yellower / bluer), like mixed paint.
    let ar = g.albedo[i * 3]! * (1 + v * 0.9), ag = g.albedo[i * 3 + 1]! * (1 + v * 0.7), ab = g.albedo[i * 3 + 2]! * (1 + v * 0.35);
    // Push saturation of the base colour: painters exaggerate local colour.
    const lum = 0.3 * ar + 0.59 * ag + 0.11 * ab;
    ar = lum + (ar - lum) * 1.25; ag = lum + (ag - lum) * 1.25; ab = lum + (ab - lum) * 1.25;
    const nx = g.normal[i * 3]!, ny = g.normal[i * 3 + 1]!, nz = g.normal[i * 3 + 2]!;
    // Three value bands: shadow, half tone, light.
    const d = g.diffuse[i]!;
    const band = 0.62 * smooth(0.02, 0.18, d) + 0.38 * smooth(0.42, 0.62, d);
    const skyFill = 0.62 + 0.28 * (ny * 0.5 + 0.5);
    const sr = ar * light.shadowTint[0] * skyFill, sg = ag * light.shadowTint[1] * skyFill, sb = ab * light.shadowTint[2] * skyFill;
    const lr = ar * light.color[0], lg = ag * light.color[1], lb = ab * light.color[2];
    let r = sr + (lr - sr) * band, gg = sg + (lg - sg) * band, b = sb + (lb - sb) * band;
    // Rim light from the sky on silhouettes.
    const facing = -(nx * fwd[0] + ny * fwd[1] + nz * fwd[2]);
    const rim = Math.pow(1 - Math.max(0, Math.min(1, facing)), 3) * 0.22;
    r += rim * hz[0]; gg += rim * hz[1]; b += rim * hz[2];
    // Aerial perspective.
    const fog = 1 - Math.exp(-light.haze * g.depth[i]!);
    r += (hz[0] - r) * fog; gg += (hz[1] - gg) * fog; b += (hz[2] - b) * fog;
    out[i * 3] = r; out[i * 3 + 1] = gg; out[i * 3 + 2] = b;
  }
  return out;
}
