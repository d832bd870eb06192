// Colour management through OpenColorIO: a config (the built-in one or a production's own file),
// colour-space names checked against it (aliases and roles accepted), and conversions applied in
// place to planar float32 RGB(A) (alpha carried). Conversions between the same space are skipped.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { imageNative, type NativeOcioConfig, type NativeOcioInfo } from './image-native.js';
import { BUILTIN_OCIO_CONFIG, SPACE } from './builtin-ocio.js';

export interface ColourConfig { source: NativeOcioConfig; label: string }

/** What an image pipeline converts into: the config and the working space (the model's), with
 *  the spaces assumed for files that do not say (8/16-bit images; EXR without colour metadata). */
export interface ColourContext { config: ColourConfig; working: string; image?: string; exr?: string }

const BUILTIN: ColourConfig = { source: { text: BUILTIN_OCIO_CONFIG }, label: 'built-in' };

export function builtinColourConfig(): ColourConfig { return BUILTIN; }

/** A production's own OCIO config file (e.g. an ACES 1.x config); loaded and validated now. */
export function colourConfigFromFile(path: string): ColourConfig {
  const p = resolve(path);
  if (!existsSync(p) || !statSync(p).isFile()) throw new Error(`OCIO config ${p} does not exist`);
  const cfg: ColourConfig = { source: { path: p }, label: p };
  colourInfo(cfg);
  return cfg;
}

/** The built-in config when path is null/undefined, else the file. */
export function colourConfig(path?: string | null): ColourConfig {
  return path ? colourConfigFromFile(path) : BUILTIN;
}

const infos = new Map<string, NativeOcioInfo>();
const keyOf = (c: ColourConfig) => ('path' in c.source ? `file:${c.source.path}` : 'builtin');

export function colourInfo(cfg: ColourConfig): NativeOcioInfo {
  const k = keyOf(cfg);
  let info = infos.get(k);
  if (!info) {
    try { info = imageNative().ocioInfo(cfg.source); } catch (err) {
      throw new Error(`OCIO config ${cfg.label} cannot be used (${err instanceof Error ? err.message : String(err)})`);
    }
    infos.set(k, info);
  }
  return info;
}

/** The config's own name for a colour space given by name, alias or role (case-insensitive); null if unknown. */
export function findColourSpace(cfg: ColourConfig, name: string): string | null {
  const info = colourInfo(cfg);
  const n = name.trim().toLowerCase();
  const role = Object.entries(info.roles).find(([r]) => r.toLowerCase() === n);
  const target = role ? role[1].toLowerCase() : n;
  const cs = info.colorSpaces.find((c) => c.name.toLowerCase() === target || c.aliases.some((a) => a.toLowerCase() === target));
  return cs?.name ?? null;
}

/** Like findColourSpace, but an unknown name is an error that lists the config's spaces. */
export function colourSpace(cfg: ColourConfig, name: string): string {
  if (typeof name !== 'string' || name.trim() === '') throw new TypeError(`Expected a colour space name but received ${JSON.stringify(name)}`);
  const found = findColourSpace(cfg, name);
  if (found === null) {
    const names = colourInfo(cfg).colorSpaces.map((c) => c.name);
    throw new RangeError(`unknown colour space "${name}" in the ${cfg.label} OCIO config (it has: ${names.join(', ')})`);
  }
  return found;
}

export function isDataSpace(cfg: ColourConfig, name: string): boolean {
  const n = colourSpace(cfg, name);
  return colourInfo(cfg).colorSpaces.find((c) => c.name === n)!.isData;
}

function checkPlanes(planes: Float32Array[], width: number, height: number): void {
  if (planes.length !== 3 && planes.length !== 4) throw new RangeError(`colour conversion needs 3 (RGB) or 4 (RGBA) planes, got ${planes.length}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`expected a positive whole size but received ${width}×${height}`);
  for (const p of planes) if (!(p instanceof Float32Array) || p.length !== width * height) throw new RangeError(`each plane must be a Float32Array of ${width * height} values`);
}

/** Converts planar RGB(A) from one colour space to another, in place. */
export function convertColour(cfg: ColourConfig, from: string, to: string, planes: Float32Array[], width: number, height: number): void {
  checkPlanes(planes, width, height);
  const src = colourSpace(cfg, from), dst = colourSpace(cfg, to);
  if (src === dst) return;
  try { imageNative().ocioApply(cfg.source, { src, dst }, planes, width, height); } catch (err) {
    throw new Error(`OCIO cannot convert ${src} to ${dst} (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** Applies a display's view (e.g. "sRGB - Display" / "Standard") to planar RGB(A), in place. */
export function applyDisplayView(cfg: ColourConfig, from: string, display: string, view: string, planes: Float32Array[], width: number, height: number): void {
  checkPlanes(planes, width, height);
  const displays = colourInfo(cfg).displays;
  if (!displays[display]) throw new RangeError(`unknown display "${display}" in the ${cfg.label} OCIO config (it has: ${Object.keys(displays).join(', ')})`);
  if (!displays[display].includes(view)) throw new RangeError(`display "${display}" has no view "${view}" (it has: ${displays[display].join(', ')})`);
  const src = colourSpace(cfg, from);
  try { imageNative().ocioApply(cfg.source, { src, display, view }, planes, width, height); } catch (err) {
    throw new Error(`OCIO cannot apply ${display}/${view} to ${src} (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** The default context: the built-in config, working in sRGB - Texture (what PNG paintings hold). */
export function defaultColourContext(): ColourContext {
  return { config: BUILTIN, working: SPACE.srgbTexture, image: SPACE.srgbTexture, exr: SPACE.acescg };
}

export { SPACE };
