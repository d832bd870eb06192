// Images in and out of the engine: files decoded by sharp into (1, C, H, W) float32 tensors in [0, 1],
// and tensors encoded back to 8- or 16-bit PNG, written atomically.
import sharp from 'sharp';
import * as E from '../engine/index.js';
import { writeFileAtomic } from '../util/atomic.js';

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

export interface LoadedImage { tensor: E.Tensor; width: number; height: number; channels: number }

/**
 * Decodes an image file (PNG 8/16-bit, JPEG, TIFF, WebP) to a float32 tensor (1, C, H, W) in [0, 1].
 * channels: 3 drops alpha (flattened on black), 1 converts to grey, 'keep' keeps what the file has.
 */
export async function loadImage(path: string, channels: 1 | 3 | 'keep' = 3): Promise<LoadedImage> {
  let img = sharp(path, { limitInputPixels: MAX_PIXELS, failOn: 'error' });
  const meta = await img.metadata().catch((e: Error) => { throw new Error(`${path}: cannot read image (${e.message})`); });
  const sixteen = meta.depth === 'ushort' || (meta.bitsPerSample ?? 8) > 8;
  if (channels === 3) img = img.removeAlpha().toColourspace(sixteen ? 'rgb16' : 'srgb');
  else if (channels === 1) img = img.removeAlpha().toColourspace(sixteen ? 'grey16' : 'b-w');
  const { data, info } = await img.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true })
    .catch((e: Error) => { throw new Error(`${path}: cannot decode image (${e.message})`); });
  const c = info.channels;
  const scale = sixteen ? 65535 : 255;
  const src = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : data;
  const tensor = E.tidy(() => {
    const hwc = E.tensor(Float32Array.from(src), [info.height, info.width, c]);
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
    const q = chw.detach().to('float32').clamp(0, 1).mul(max).round().permute([1, 2, 0]).contiguous().toArray();
    const data = bits === 16 ? Uint16Array.from(q) : Uint8Array.from(q);
    return { data, width: w, height: h, channels: c as 1 | 3 | 4 };
  });
}

/** Encodes a tensor in [0, 1] as PNG bytes (8-bit unless bits = 16). */
export async function encodePng(t: E.Tensor, bits: 8 | 16 = 8): Promise<Buffer> {
  const { data, width, height, channels } = toPixels(t, bits);
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return sharp(raw, { raw: { width, height, channels, ...(bits === 16 ? { depth: 'ushort' as const } : {}) } })
    .toColourspace(bits === 16 ? (channels === 1 ? 'grey16' : 'rgb16') : channels === 1 ? 'b-w' : 'srgb')
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** Writes a tensor in [0, 1] as a PNG, atomically (never a half-written file under the final name). */
export async function saveImage(path: string, t: E.Tensor, bits: 8 | 16 = 8): Promise<void> {
  writeFileAtomic(path, await encodePng(t, bits));
}
