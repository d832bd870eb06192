// Render passes (the guide channels a look model sees) and the rough blocking frame, encoded for PNG.
// Encodings are documented in PASS_ENCODINGS and copied into the manifest.
import { hash32 } from './rng.js';
import type { GBuffer } from './raycast.js';
import { SKY_DEPTH } from './raycast.js';
import { MOTION_SCALE, MOTION_OFFSET } from '../render/motion-pass.js';

export type PassName = 'albedo' | 'normal' | 'id' | 'depth' | 'diffuse' | 'motion';
export const PASS_NAMES: readonly PassName[] = ['albedo', 'normal', 'id', 'depth', 'diffuse', 'motion'];

export const DEPTH_NEAR = 0.5;
export const DEPTH_FAR = 100;
// The motion pass's format is the renderer-side contract of src/render/motion-pass.ts.
export { MOTION_SCALE, MOTION_OFFSET };

export const PASS_ENCODINGS: Record<PassName, { format: string; description: string }> = {
  albedo: { format: 'png8-rgb', description: 'Flat base colour of the surface, no lighting; sky is a flat pale blue (184,204,224).' },
  normal: { format: 'png8-rgb', description: 'Camera-space unit normal n (x right, y up, z towards the camera) as round(255*(n*0.5+0.5)); sky is (128,128,255).' },
  id: { format: 'png8-rgb', description: 'Flat colour per object id (see manifest.ids); characters keep their id and colour in every scene and shot; sky is black.' },
  depth: {
    format: 'png8-rgb',
    description: `Grey, log depth: v = round(255*(1 - ln(z/${DEPTH_NEAR})/ln(${DEPTH_FAR}/${DEPTH_NEAR}))) clamped, z = camera-space depth in scene units (metres); sky is 0.`,
  },
  diffuse: { format: 'png8-rgb', description: 'Grey, sun Lambert term times shadow visibility, round(255*max(0,n.l)*visible); sky is 0.' },
  motion: {
    format: 'png16-rgb',
    description: `16-bit RGB backward motion to the previous frame: dx = (R - ${MOTION_OFFSET}) / ${MOTION_SCALE}, dy = (G - ${MOTION_OFFSET}) / ${MOTION_SCALE} pixels (y down); ` +
      'the surface point at pixel centre (x+0.5, y+0.5) of frame t was at (x+0.5+dx, y+0.5+dy) in frame t-1. B = 65535 where that point was visible in frame t-1, 0 where it was occluded or unknown (e.g. frame 0, stills).',
  },
};

export const SKY_ALBEDO = [184 / 255, 204 / 255, 224 / 255] as const;

/** Distinct flat colour for an id (sky 0 is black). Fixed per id, so a character's colour never changes. */
export function idColor(id: number): [number, number, number] {
  if (id === 0) return [0, 0, 0];
  const fixed: Record<number, [number, number, number]> = { 1: [90, 70, 40], 10: [255, 40, 40], 11: [40, 120, 255] };
  if (fixed[id]) return fixed[id]!;
  const h = hash32(id * 2654435761);
  const hue = (h % 360) / 60, s = 0.55 + ((h >>> 9) % 40) / 100, v = 0.55 + ((h >>> 17) % 40) / 100;
  const c = v * s, x = c * (1 - Math.abs((hue % 2) - 1)), m = v - c;
  const [r, g, b] = hue < 1 ? [c, x, 0] : hue < 2 ? [x, c, 0] : hue < 3 ? [0, c, x] : hue < 4 ? [0, x, c] : hue < 5 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

const to8 = (v: number): number => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));

export function encodePass(g: GBuffer, pass: PassName, objectIds: readonly number[]): Uint8Array | Uint16Array {
  const n = g.width * g.height;
  if (pass === 'motion') {
    const out = new Uint16Array(n * 3);
    for (let i = 0; i < n; i++) {
      const x = Math.round(MOTION_OFFSET + g.motion[i * 2]! * MOTION_SCALE), y = Math.round(MOTION_OFFSET + g.motion[i * 2 + 1]! * MOTION_SCALE);
      out[i * 3] = Math.max(0, Math.min(65535, x));
      out[i * 3 + 1] = Math.max(0, Math.min(65535, y));
      // A clamped vector (beyond ±512 px) does not say where the point was: not visible (motion-pass.ts).
      out[i * 3 + 2] = g.motionValid[i] && x >= 1 && x <= 65534 && y >= 1 && y <= 65534 ? 65535 : 0;
    }
    return out;
  }
  const out = new Uint8Array(n * 3);
  const { right, up, fwd } = g.basis;
  const logRange = Math.log(DEPTH_FAR / DEPTH_NEAR);
  const idCache = new Map<number, [number, number, number]>();
  for (let i = 0; i < n; i++) {
    const sky = g.prim[i]! < 0;
    let r: number, gg: number, b: number;
    switch (pass) {
      case 'albedo':
        if (sky) [r, gg, b] = SKY_ALBEDO.map(to8) as [number, number, number];
        else { r = to8(g.albedo[i * 3]!); gg = to8(g.albedo[i * 3 + 1]!); b = to8(g.albedo[i * 3 + 2]!); }
        break;
      case 'normal': {
        const nx = g.normal[i * 3]!, ny = g.normal[i * 3 + 1]!, nz = g.normal[i * 3 + 2]!;
        if (sky) { r = 128; gg = 128; b = 255; break; }
        r = to8((nx * right[0] + ny * right[1] + nz * right[2]) * 0.5 + 0.5);
        gg = to8((nx * up[0] + ny * up[1] + nz * up[2]) * 0.5 + 0.5);
        b = to8(-(nx * fwd[0] + ny * fwd[1] + nz * fwd[2]) * 0.5 + 0.5);
        break;
      }
      case 'id': {
        const id = sky ? 0 : objectIds[g.obj[i]!]!;
        let c = idCache.get(id);
        if (!c) { c = idColor(id); idCache.set(id, c); }
        [r, gg, b] = c;
        break;
      }
      case 'depth': {
        const z = g.depth[i]!;
        r = gg = b = z >= SKY_DEPTH ? 0 : to8(1 - Math.log(Math.max(z, DEPTH_NEAR) / DEPTH_NEAR) / logRange);
        break;
      }
      case 'diffuse':
        r = gg = b = sky ? 0 : to8(g.diffuse[i]!);
        break;
    }
    out[i * 3] = r; out[i * 3 + 1] = gg; out[i * 3 + 2] = b;
  }
  return out;
}

/** The rough frame: a plain blocking render - flat albedo, neutral sun + sky fill, thin object outlines. */
export function renderRough(g: GBuffer): Uint8Array {
  const { width: w, height: h } = g;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (g.prim[i]! < 0) {
        for (let c = 0; c < 3; c++) out[i * 3 + c] = to8(SKY_ALBEDO[c]!);
        continue;
      }
      const shade = 0.28 + 0.12 * (g.normal[i * 3 + 1]! * 0.5 + 0.5) + 0.62 * g.diffuse[i]!;
      // Outline where the object changes or depth jumps, like a layout tool's viewport render.
      let edge = false;
      const o = g.obj[i]!, z = g.depth[i]!;
      if (x + 1 < w && (g.obj[i + 1] !== o || Math.abs(g.depth[i + 1]! - z) > 0.08 * z)) edge = true;
      if (y + 1 < h && (g.obj[i + w] !== o || Math.abs(g.depth[i + w]! - z) > 0.08 * z)) edge = true;
      const k = edge ? 0.35 : 1;
      for (let c = 0; c < 3; c++) out[i * 3 + c] = to8(g.albedo[i * 3 + c]! * shade * k);
    }
  }
  return out;
}
