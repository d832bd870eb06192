// Images in and out of the engine: files decoded by sharp (PNG, JPEG, TIFF, WebP) or OpenEXR into
// (1, C, H, W) float32 tensors in the working colour space ([0, 1] for 8/16-bit files), and tensors
// encoded back to 8- or 16-bit PNG, written atomically (EXR out: exr-writer.ts).
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import sharp from 'sharp';
import * as E from '../engine/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { loadExrPlanes } from './exr-read.js';
import { convertColour, colourSpace, SPACE, type ColourContext } from './colour.js';

/**
 * Threads libvips (sharp) uses for encoding and decoding. They follow a job's thread budget
 * (ATELIER_THREADS, a farm worker's --threads): by default libvips takes every core in every
 * process, and two 1-thread workers on 2 cores then compete for them.
 */
export function setImageThreads(n: number): void {
  sharp.concurrency(n);
}
const envThreads = Number(process.env.ATELIER_THREADS);
if (Number.isInteger(envThreads) && envThreads > 0) setImageThreads(envThreads);

/** Refuse to decode images larger than this many pixels (decompression bombs). */
export const MAX_PIXELS = 16384 * 16384;

export interface LoadedImage { tensor: E.Tensor; width: number; height: number; channels: number; colourSpace?: string }

export interface LoadOptions {
  /** Config and working space to convert into; without it, files are taken as they are (8/16-bit
   *  files as sRGB values in [0, 1]; an EXR is converted by the built-in config to sRGB - Texture). */
  colour?: ColourContext;
  /** The file's colour space when known from elsewhere (the asset's, the shot's); else the file's
   *  own header (EXR), else the context's defaults. */
  from?: string;
  /** EXR: the layer to read (default: beauty, else the default layer). */
  layer?: string;
}

/** An image is read from a regular file: a folder fails mid-read, and opening a FIFO waits forever for a writer. */
function checkImageFile(path: string): void {
  let st;
  try { st = statSync(path); } catch (e) {
    throw new Error(`${path}: cannot read image (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message})`);
  }
  if (!st.isFile()) throw new Error(`${path}: cannot read image (not a regular file: ${st.isDirectory() ? 'a folder' : 'a pipe, socket or device'})`);
}

function isExrFile(path: string): boolean {
  const b = Buffer.alloc(4);
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return false; }
  try { return readSync(fd, b, 0, 4, 0) === 4 && b.readUInt32LE(0) === 20000630; } finally { closeSync(fd); }
}

/**
 * NaN and ±Inf samples (a renderer's fireflies, a divide by zero in comp) made finite in place: NaN
 * as 0, ±Inf as ±65504 (half float's largest). Left in, one NaN spread through the look model's
 * convolutions and blanked the whole rendered frame.
 */
function finitePlanes(planes: Float32Array[]): void {
  for (const p of planes) {
    for (let i = 0; i < p.length; i++) {
      const v = p[i]!;
      if (v - v !== 0) p[i] = v !== v ? 0 : v > 0 ? 65504 : -65504; // v - v is NaN for NaN and ±Inf only
    }
  }
}

/** Planes (C of H×W) -> (1, C', H, W) with C' as asked: 3 pads/duplicates, 1 takes Rec.709 luma. */
function planesToTensor(planes: Float32Array[], width: number, height: number, channels: 1 | 3 | 'keep', colour: boolean): E.Tensor {
  let use = planes;
  if (channels === 3) {
    if (use.length === 1) use = [use[0]!, use[0]!, use[0]!];
    else if (use.length === 2) use = [use[0]!, use[1]!, new Float32Array(width * height)];
    else use = use.slice(0, 3);
  } else if (channels === 1 && use.length >= 3 && colour) {
    const y = new Float32Array(width * height);
    for (let i = 0; i < y.length; i++) y[i] = 0.2126 * use[0]![i]! + 0.7152 * use[1]![i]! + 0.0722 * use[2]![i]!;
    use = [y];
  } else if (channels === 1) use = [use[0]!];
  const n = width * height;
  const all = new Float32Array(n * use.length);
  use.forEach((p, c) => all.set(p, c * n));
  return E.tensor(all, [1, use.length, height, width]);
}

/**
 * Decodes an image file (PNG 8/16-bit, JPEG, TIFF, WebP, OpenEXR) to a float32 tensor (1, C, H, W).
 * channels: 3 drops alpha (an EXR's premultiplied colour is its image over black), 1 converts to
 * grey, 'keep' keeps what the file has (alpha straight, as in PNG).
 */
export async function loadImage(path: string, channels: 1 | 3 | 'keep' = 3, o: LoadOptions = {}): Promise<LoadedImage> {
  checkImageFile(path);
  if (isExrFile(path)) {
    const img = loadExrPlanes(path, { colour: o.colour, from: o.from, layer: o.layer, straightAlpha: channels === 'keep' });
    finitePlanes(img.planes);
    const tensor = planesToTensor(img.planes, img.width, img.height, channels, img.colourSpace !== null);
    return { tensor, width: img.width, height: img.height, channels: tensor.size(1), ...(img.colourSpace ? { colourSpace: img.colourSpace } : {}) };
  }
  const loaded = await loadRaster(path, channels);
  const from = o.from ?? o.colour?.image ?? SPACE.srgbTexture;
  if (!o.colour || loaded.channels < 3) return loaded;
  const cfg = o.colour.config;
  if (colourSpace(cfg, from) === colourSpace(cfg, o.colour.working)) return { ...loaded, colourSpace: colourSpace(cfg, from) };
  // An 8/16-bit file in another space than the working one (straight alpha, carried).
  const n = loaded.width * loaded.height;
  const flat = loaded.tensor.data() as Float32Array;
  loaded.tensor.dispose();
  const planes = Array.from({ length: loaded.channels }, (_, c) => flat.slice(c * n, (c + 1) * n));
  convertColour(cfg, from, o.colour.working, planes, loaded.width, loaded.height);
  return { ...loaded, tensor: planesToTensor(planes, loaded.width, loaded.height, 'keep', true), colourSpace: colourSpace(cfg, o.colour.working) };
}

async function loadRaster(path: string, channels: 1 | 3 | 'keep'): Promise<LoadedImage> {
  let img = sharp(path, { limitInputPixels: MAX_PIXELS, failOn: 'error' });
  const meta = await img.metadata().catch((e: Error) => { throw new Error(`${path}: cannot read image (${e.message})`); });
  const sixteen = meta.depth === 'ushort' || (meta.bitsPerSample ?? 8) > 8;
  if (channels === 3) img = img.removeAlpha().toColourspace(sixteen ? 'rgb16' : 'srgb');
  else if (channels === 1) img = img.removeAlpha().toColourspace(sixteen ? 'grey16' : 'b-w');
  // Kept channels of a 16-bit file stay 16-bit: sharp's default output is 8-bit sRGB, whose values
  // read as 16-bit were 257× too small (a 16-bit matte or alpha came out nearly transparent).
  else if (sixteen) img = img.toColourspace((meta.channels ?? 3) <= 2 ? 'grey16' : 'rgb16');
  const { data, info } = await img.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true })
    .catch((e: Error) => { throw new Error(`${path}: cannot decode image (${e.message})`); });
  const c = info.channels;
  const scale = sixteen ? 65535 : 255;
  const src = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : data;
  const tensor = E.tidy(() => {
    // 8-bit samples go to libtorch as bytes and are widened there (Float32Array.from in JS took
    // ~50 ms a 1080p frame); torch has no unsigned 16-bit type, so 16-bit ones still go through JS.
    const hwc = sixteen ? E.tensor(Float32Array.from(src), [info.height, info.width, c]) : E.tensor(data, [info.height, info.width, c]).float();
    return hwc.permute([2, 0, 1]).unsqueeze(0).div(scale).contiguous();
  });
  return { tensor, width: info.width, height: info.height, channels: c };
}

/** (1, C, H, W) or (C, H, W) in [0, 1] -> interleaved 8- or 16-bit pixels. */
function toPixels(t: E.Tensor, bits: 8 | 16): { data: Uint8Array | Uint16Array; width: number; height: number; channels: 1 | 3 | 4 } {
  return E.tidy(() => {
    const chw = t.ndim === 4 ? t.squeeze(0) : t;
    if (chw.ndim !== 3) throw new RangeError(`an image tensor must be (1, C, H, W) or (C, H, W), got [${t.shape.join(', ')}]`);
    const [c, h, w] = chw.shape as [number, number, number];
    if (c !== 1 && c !== 3 && c !== 4) throw new RangeError(`an image needs 1, 3 or 4 channels, got ${c}`);
    const max = bits === 16 ? 65535 : 255;
    // Whole numbers in range, converted by libtorch into a typed array (a JS number per value took
    // ~1 s for a 1080p frame).
    const q = chw.detach().to('float32').clamp(0, 1).mul(max).round().permute([1, 2, 0]).contiguous();
    const data = bits === 16 ? Uint16Array.from(q.to('int32').data() as Int32Array) : (q.to('uint8').data() as Uint8Array);
    return { data, width: w, height: h, channels: c as 1 | 3 | 4 };
  });
}

/** Encodes a tensor in [0, 1] as PNG bytes (8-bit unless bits = 16). */
export async function encodePng(t: E.Tensor, bits: 8 | 16 = 8): Promise<Buffer> {
  const { data, width, height, channels } = toPixels(t, bits);
  // sharp takes a raw input's sample depth from its typed array (a Uint16Array is 16-bit; a Buffer
  // of the same bytes was read as twice as many 8-bit samples).
  const raw = bits === 16 ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return sharp(raw, { raw: { width, height, channels } })
    .toColourspace(bits === 16 ? (channels === 1 ? 'grey16' : 'rgb16') : channels === 1 ? 'b-w' : 'srgb')
    // zlib level 3: a 1080p final frame 129 -> 100 ms at the same size (4.44 MB), a preview 44 -> 24
    // ms at +8 % (its smooth areas pack better at 6); level 2 and below grow finals by 1-28 %.
    .png({ compressionLevel: 3 })
    .toBuffer();
}

/** Writes a tensor in [0, 1] as a PNG, atomically (never a half-written file under the final name). */
export async function saveImage(path: string, t: E.Tensor, bits: 8 | 16 = 8): Promise<void> {
  writeFileAtomic(path, await encodePng(t, bits));
}
