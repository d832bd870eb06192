// What the player does to the shown pixels only (the frames stay as rendered): an exposure in
// stops, applied in linear light, and a display transform: sRGB as rendered, a BT.1886 (gamma 2.4)
// display, linear values, or a view of the production's OCIO config baked by the server into a
// 3D LUT (GET /api/display/lut) from the colour space the frames are stored in.
import { useEffect, useState } from 'react';
import { api } from '../api';

/** 'srgb' | 'gamma24' | 'linear', or 'ocio:["<display>","<view>"]'. */
export type Display = string;
export const BUILT_IN_DISPLAYS: [Display, string][] = [['srgb', 'sRGB (as rendered)'], ['gamma24', 'Rec.709 / BT.1886 (γ 2.4)'], ['linear', 'linear (no display curve)']];

const toLinear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const toSrgb = (v: number) => (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);

/** The 8-bit lookup of an exposure and a built-in display (an OCIO view keeps the sRGB encoding
 *  here; its 3D LUT follows); null when it is the identity. */
export function gradeLut(stops: number, display: Display): Uint8ClampedArray | null {
  const curve = display === 'gamma24' || display === 'linear' ? display : 'srgb';
  if (stops === 0 && curve === 'srgb') return null;
  const lut = new Uint8ClampedArray(256), gain = 2 ** stops;
  for (let i = 0; i < 256; i++) {
    const lin = Math.min(1, toLinear(i / 255) * gain);
    lut[i] = Math.round(255 * (curve === 'srgb' ? toSrgb(lin) : curve === 'gamma24' ? lin ** (1 / 2.4) : lin));
  }
  return lut;
}

export interface Lut3d { size: number; data: Uint8Array }

/** Applies the per-channel lookup, then the 3D LUT (trilinear), to a canvas's pixels. */
export function applyGrade(g: CanvasRenderingContext2D, w: number, h: number, lut: Uint8ClampedArray | null, cube: Lut3d | null) {
  if (!lut && !cube) return;
  const im = g.getImageData(0, 0, w, h), d = im.data;
  if (lut) for (let i = 0; i < d.length; i += 4) { d[i] = lut[d[i]!]!; d[i + 1] = lut[d[i + 1]!]!; d[i + 2] = lut[d[i + 2]!]!; }
  if (cube) {
    const n = cube.size, s = (n - 1) / 255, t = cube.data;
    // Grid cell and weight of each 8-bit value, computed once.
    const cell = new Int32Array(256), frac = new Float32Array(256);
    for (let v = 0; v < 256; v++) { const x = v * s; cell[v] = Math.min(n - 2, Math.floor(x)); frac[v] = x - cell[v]!; }
    for (let i = 0; i < d.length; i += 4) {
      const r0 = cell[d[i]!]!, g0 = cell[d[i + 1]!]!, b0 = cell[d[i + 2]!]!;
      const fr = frac[d[i]!]!, fg = frac[d[i + 1]!]!, fb = frac[d[i + 2]!]!;
      for (let c = 0; c < 3; c++) {
        const at = (r: number, gg: number, b: number) => t[((b * n + gg) * n + r) * 3 + c]!;
        const c00 = at(r0, g0, b0) * (1 - fr) + at(r0 + 1, g0, b0) * fr, c10 = at(r0, g0 + 1, b0) * (1 - fr) + at(r0 + 1, g0 + 1, b0) * fr;
        const c01 = at(r0, g0, b0 + 1) * (1 - fr) + at(r0 + 1, g0, b0 + 1) * fr, c11 = at(r0, g0 + 1, b0 + 1) * (1 - fr) + at(r0 + 1, g0 + 1, b0 + 1) * fr;
        d[i + c] = Math.round((c00 * (1 - fg) + c10 * fg) * (1 - fb) + (c01 * (1 - fg) + c11 * fg) * fb);
      }
    }
  }
  g.putImageData(im, 0, 0);
}

/** The production's OCIO views as display choices, and the 3D LUT of the chosen one (null while loading or for a built-in display). */
export function useDisplays(display: Display): { choices: [Display, string][]; cube: Lut3d | null; error: string | null } {
  const [views, setViews] = useState<{ display: string; view: string }[]>([]);
  const [cube, setCube] = useState<{ key: string; lut: Lut3d } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { api<{ views: { display: string; view: string }[] }>('/api/display').then((r) => setViews(r.views), () => setViews([])); }, []);
  useEffect(() => {
    if (!display.startsWith('ocio:') || cube?.key === display) return;
    const [d, v] = JSON.parse(display.slice(5)) as [string, string];
    let live = true;
    setError(null);
    fetch(`/api/display/lut?display=${encodeURIComponent(d!)}&view=${encodeURIComponent(v!)}`, { credentials: 'same-origin' })
      .then(async (r) => {
        if (!r.ok) throw new Error(((await r.json()) as { error?: { message?: string } }).error?.message ?? `${r.status}`);
        const size = Number(r.headers.get('x-atelier-lut-size'));
        const data = new Uint8Array(await r.arrayBuffer());
        if (!(size >= 2) || data.length !== size ** 3 * 3) throw new Error(`the display LUT has ${data.length} bytes, not ${size}³×3`);
        if (live) setCube({ key: display, lut: { size, data } });
      })
      .catch((e: Error) => { if (live) setError(e.message); });
    return () => { live = false; };
  }, [display]);
  return {
    choices: [...BUILT_IN_DISPLAYS, ...views.map((x): [Display, string] => [`ocio:${JSON.stringify([x.display, x.view])}`, `${x.display} / ${x.view} (production OCIO)`])],
    cube: display.startsWith('ocio:') && cube?.key === display ? cube.lut : null,
    error,
  };
}
