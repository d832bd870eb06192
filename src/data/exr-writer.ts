// EXR out: a frame (the model's output, in the working colour space, straight alpha if it has a
// fourth channel) written as a half-float, ZIP-compressed EXR in the chosen output colour space,
// premultiplied (OpenEXR's convention), with optional data layers (passes, mattes) written as
// they are, and the colour space named in the header (colorSpace, oiio:ColorSpace, chromaticities).
import * as E from '../engine/index.js';
import { writeExrFile, type ExrCompression, type ExrWriteChannel } from './exr-file.js';
import { convertColour, colourSpace, defaultColourContext, type ColourContext } from './colour.js';
import { chromaticitiesOf } from './exr-colour.js';
import { premultiply } from './alpha.js';

export interface SaveExrOptions {
  /** Config and working space the tensor is in (default: built-in, sRGB - Texture). */
  colour?: ColourContext;
  /** Output colour space (default: the context's EXR space, ACEScg). */
  space?: string;
  /** Separate alpha (1, 1, H, W) in [0, 1]; else a 4th channel of the image is alpha; else opaque (no A). */
  alpha?: E.Tensor | null;
  /** Extra layers written as stored data ("depth" -> depth.Y; 3 channels -> name.R/G/B). */
  layers?: Record<string, E.Tensor>;
  /** 'half' (default) or 'float', for the colour and the layers. */
  type?: 'half' | 'float';
  compression?: ExrCompression;
  /** SMPTE time code of the frame [h, m, s, f]. */
  timeCode?: [number, number, number, number] | null;
  /** Extra string attributes (e.g. atelier:model). */
  attributes?: Record<string, string>;
}

export interface SavedExr { path: string; channels: string[]; space: string; width: number; height: number }

const LAYER_NAME = /^[A-Za-z0-9_-]+$/;

/** (1, C, H, W) or (C, H, W) -> C planes of H×W. */
function planesOf(t: E.Tensor, what: string): { planes: Float32Array[]; width: number; height: number } {
  const shape = t.shape;
  if (!(shape.length === 4 && shape[0] === 1) && shape.length !== 3) throw new RangeError(`${what} must be (1, C, H, W) or (C, H, W), got [${shape.join(', ')}]`);
  const [c, h, w] = shape.slice(-3) as [number, number, number];
  const flat = E.tidy(() => t.detach().to('float32').contiguous().data()) as Float32Array;
  return { planes: Array.from({ length: c }, (_, i) => flat.slice(i * w * h, (i + 1) * w * h)), width: w, height: h };
}

/** Writes `image` ((1, 3|4, H, W), working space, straight alpha) as an EXR frame. */
export function saveExr(path: string, image: E.Tensor, o: SaveExrOptions = {}): SavedExr {
  const ctx = o.colour ?? defaultColourContext();
  const cfg = ctx.config;
  const space = colourSpace(cfg, o.space ?? ctx.exr ?? 'ACEScg');
  const type = o.type ?? 'half';
  if (type !== 'half' && type !== 'float') throw new RangeError(`EXR channel type must be half or float, got "${String(type)}"`);
  const img = planesOf(image, 'the image');
  if (img.planes.length !== 3 && img.planes.length !== 4) throw new RangeError(`the image needs 3 (RGB) or 4 (RGBA) channels, got ${img.planes.length}`);
  const { width, height } = img;
  const rgb = img.planes.slice(0, 3);
  let alpha: Float32Array | null = img.planes[3] ?? null;
  if (o.alpha) {
    const a = planesOf(o.alpha, 'alpha');
    if (a.planes.length !== 1 || a.width !== width || a.height !== height) throw new RangeError(`alpha must be (1, 1, ${height}, ${width}), got [${o.alpha.shape.join(', ')}]`);
    alpha = a.planes[0]!;
  }
  if (alpha) for (let i = 0; i < alpha.length; i++) alpha[i] = Math.min(1, Math.max(0, alpha[i]!));
  convertColour(cfg, ctx.working, space, rgb, width, height); // on straight colour
  if (alpha) premultiply(rgb, alpha);
  const channels: ExrWriteChannel[] = [
    { name: 'R', type, data: rgb[0]! }, { name: 'G', type, data: rgb[1]! }, { name: 'B', type, data: rgb[2]! },
    ...(alpha ? [{ name: 'A', type, data: alpha }] : []),
  ];
  for (const [name, t] of Object.entries(o.layers ?? {})) {
    if (!LAYER_NAME.test(name)) throw new RangeError(`layer name "${name}" must be letters, digits, _ or -`);
    const l = planesOf(t, `layer ${name}`);
    if (l.width !== width || l.height !== height) throw new RangeError(`layer ${name} is ${l.width}×${l.height}, the image ${width}×${height}`);
    const short = l.planes.length === 1 ? ['Y'] : l.planes.length === 2 ? ['X', 'Y'] : l.planes.length === 3 ? ['R', 'G', 'B'] : l.planes.length === 4 ? ['R', 'G', 'B', 'A'] : null;
    if (!short) throw new RangeError(`layer ${name} has ${l.planes.length} channels (1 to 4 can be written)`);
    l.planes.forEach((p, i) => channels.push({ name: `${name}.${short[i]}`, type, data: p }));
  }
  writeExrFile(path, [{
    width, height, compression: o.compression ?? 'zip', channels,
    attributes: { ...(o.attributes ?? {}), colorSpace: space, 'oiio:ColorSpace': space },
    chromaticities: chromaticitiesOf(space), timeCode: o.timeCode ?? null,
  }]);
  return { path, channels: channels.map((c) => c.name), space, width, height };
}
