// Which colour space an EXR part is in: its own header first (a "colorSpace" string attribute, as
// Atelier, Nuke and OpenImageIO write it), then its chromaticities (Rec.709, ACES AP1 or AP0
// primaries), else the caller's default (the production's EXR colour space).
import type { ExrPart } from './exr-file.js';
import { findColourSpace, type ColourConfig } from './colour.js';
import { SPACE } from './builtin-ocio.js';

export const COLOUR_ATTRIBUTES = ['colorSpace', 'oiio:ColorSpace', 'colorspace'];

const PRIMARIES: { space: string; xy: number[] }[] = [
  { space: SPACE.linearSrgb, xy: [0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329] },
  { space: SPACE.acescg, xy: [0.713, 0.293, 0.165, 0.83, 0.128, 0.044, 0.32168, 0.33767] },
  { space: SPACE.aces, xy: [0.7347, 0.2653, 0, 1, 0.0001, -0.077, 0.32168, 0.33767] },
];

/** The part's declared colour space, as the config names it, or null when the header says nothing usable. */
export function exrDeclaredSpace(cfg: ColourConfig, part: ExrPart): string | null {
  for (const a of COLOUR_ATTRIBUTES) {
    const v = part.attributes[a];
    if (v === undefined) continue;
    const found = findColourSpace(cfg, v);
    if (found) return found;
  }
  const c = part.chromaticities;
  if (c) {
    const hit = PRIMARIES.find((p) => p.xy.every((v, i) => Math.abs(v - c[i]!) < 1e-3));
    if (hit) return findColourSpace(cfg, hit.space);
  }
  return null;
}

/** Chromaticities to write for a space of the built-in config (null for others). */
export function chromaticitiesOf(space: string): number[] | null {
  const rec709: string[] = [SPACE.srgbTexture, SPACE.srgbDisplay, SPACE.rec709Display];
  return PRIMARIES.find((p) => p.space === (rec709.includes(space) ? SPACE.linearSrgb : space))?.xy ?? null;
}
