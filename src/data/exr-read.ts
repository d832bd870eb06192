// One layer of an EXR file as float32 planes in the working colour space: the layer chosen
// (exr-layers.ts), its colour space from the header or the defaults (exr-colour.ts), converted by
// OCIO on straight colour, alpha premultiplied as stored or made straight. Data layers (depth,
// motion, normals: not R G B) are returned as stored.
import { exrParts, readExrChannels, type ExrPart } from './exr-file.js';
import { selectExrLayer, type ExrLayer } from './exr-layers.js';
import { exrDeclaredSpace } from './exr-colour.js';
import { convertColour, colourSpace, isDataSpace, defaultColourContext, type ColourContext } from './colour.js';
import { premultiply, unpremultiply } from './alpha.js';

export interface ExrPlanes {
  planes: Float32Array[];
  width: number;
  height: number;
  layer: ExrLayer;
  /** The space the planes are in now (the working space), or null for a data layer. */
  colourSpace: string | null;
  /** The space the file's layer was in. */
  sourceSpace: string | null;
  hasAlpha: boolean;
}

export interface ExrReadOptions {
  colour?: ColourContext;
  /** The layer's colour space, overriding the header (e.g. the shot's). */
  from?: string;
  layer?: string;
  /** true: alpha straight (colour divided by alpha); false: premultiplied, as EXR stores it. */
  straightAlpha?: boolean;
  /** Parts already read (saves reopening the file). */
  parts?: ExrPart[];
}

/** A layer is colour when it has R, G and B. */
export function isColourLayer(l: ExrLayer): boolean {
  return ['R', 'G', 'B'].every((c) => l.short.includes(c));
}

/** A luminance layer (Y, maybe A: a grey render or scan; not motion's X Y) is colour too, its grey in every channel;
 *  read as data it skipped the colour conversion (0.32 where its R=G=B twin read 0.60). */
export function isLuminanceLayer(l: ExrLayer): boolean {
  return !isColourLayer(l) && l.short.includes('Y') && l.short.every((c) => c === 'Y' || c === 'A');
}

/** Whether the layer an EXR is read from by default is a picture (R G B or Y), not data such as a
 *  lone depth (Z) or motion channel: only a picture can be a rough frame or a painting. */
export function exrHasPicture(file: string, parts: ExrPart[] = exrParts(file)): { picture: boolean; layer: ExrLayer } {
  const layer = selectExrLayer(file, parts);
  return { picture: isColourLayer(layer) || isLuminanceLayer(layer), layer };
}

export function loadExrPlanes(file: string, o: ExrReadOptions = {}): ExrPlanes {
  const parts = o.parts ?? exrParts(file);
  const layer = selectExrLayer(file, parts, o.layer);
  const part = parts[layer.part]!;
  const luminance = isLuminanceLayer(layer);
  const colour = isColourLayer(layer) || luminance;
  // Colour layers as R G B (A); data layers in their own order.
  const alphaName = layer.short.includes('A') ? ['A'] : [];
  const order = luminance ? ['Y', ...alphaName] : colour ? ['R', 'G', 'B', ...alphaName] : layer.short;
  const names = order.map((s) => layer.channels[layer.short.indexOf(s)]!);
  const read = readExrChannels(file, part, names);
  const planes = luminance ? [read[0]!, read[0]!.slice(), read[0]!.slice(), ...read.slice(1)] : read;
  const width = part.width, height = part.height;
  if (!colour) return { planes, width, height, layer, colourSpace: null, sourceSpace: null, hasAlpha: false };

  const ctx = o.colour ?? defaultColourContext();
  const cfg = ctx.config;
  const source = o.from ? colourSpace(cfg, o.from) : exrDeclaredSpace(cfg, part) ?? colourSpace(cfg, ctx.exr ?? 'ACEScg');
  // A colour layout stored as data (a normals or motion pass split out by shot add): as stored.
  if (isDataSpace(cfg, source)) return { planes, width, height, layer, colourSpace: null, sourceSpace: source, hasAlpha: false };
  const working = colourSpace(cfg, ctx.working);
  const alpha = planes.length === 4 ? planes[3]! : null;
  const rgb = planes.slice(0, 3);
  if (source !== working) {
    if (alpha) unpremultiply(rgb, alpha);
    convertColour(cfg, source, working, rgb, width, height);
    if (alpha && !o.straightAlpha) premultiply(rgb, alpha);
  } else if (alpha && o.straightAlpha) unpremultiply(rgb, alpha);
  return { planes, width, height, layer, colourSpace: working, sourceSpace: source, hasAlpha: alpha !== null };
}
