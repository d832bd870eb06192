// Checks one file before it enters the store: present, non-empty, not too large, a supported
// image format (by its bytes, not its name), dimensions under the pixel limit (decompression
// bombs are refused from the header, before any decode), then a full decode so truncated or
// corrupt files fail. The decode also yields the perceptual hash.
import { statSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { readExrHeader, decodeExrPhash } from './exr.js';
import { ExrError } from '../data/exr-file.js';
import { phashFromGrey32 } from './phash.js';

export const SUPPORTED_FORMATS = ['png', 'jpeg', 'tiff', 'webp', 'exr'] as const;
export type ImageFormat = (typeof SUPPORTED_FORMATS)[number];

export interface ImageInfo { format: ImageFormat; width: number; height: number; channels: number; bitDepth: number; phash: string }
export interface ValidateLimits { maxPixels: number; maxBytes: number }

/** A file refused at ingest; the message names the file and the reason. */
export class RejectedFileError extends Error {
  readonly code = 'REJECTED_FILE';
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
  }
}

/** Identifies the format from the first bytes. Returns a name for known-but-unsupported formats. */
export function sniffFormat(b: Uint8Array): ImageFormat | { unsupported: string } {
  const starts = (...sig: number[]) => sig.every((v, i) => b[i] === v);
  const ascii = (at: number, s: string) => [...s].every((ch, i) => b[at + i] === ch.charCodeAt(0));
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (starts(0x49, 0x49, 0x2b, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2b)) return 'tiff'; // BigTIFF
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (starts(0x76, 0x2f, 0x31, 0x01)) return 'exr';
  if (ascii(0, 'GIF8')) return { unsupported: 'GIF' };
  if (ascii(0, 'BM')) return { unsupported: 'BMP' };
  if (ascii(4, 'ftyp')) return { unsupported: 'HEIF/AVIF or MP4' };
  if (ascii(0, '8BPS')) return { unsupported: 'Photoshop PSD' };
  if (ascii(0, '%PDF')) return { unsupported: 'PDF' };
  if (ascii(0, '<?xml') || ascii(0, '<svg')) return { unsupported: 'SVG/XML' };
  return { unsupported: 'unrecognised content (not an image)' };
}

const DEPTH_BITS: Record<string, number> = { uchar: 8, char: 8, ushort: 16, short: 16, uint: 32, int: 32, float: 32, complex: 64, double: 64, dpcomplex: 128 };

function mp(pixels: number, decimals = pixels < 1e7 ? 1 : 0): string { return `${(pixels / 1e6).toFixed(decimals)} MP`; }

/** An image's size over the limit, with as many decimals as it takes to read as over it
 *  (10001×10000 is 100.01 MP, not "100 MP, over the limit of 100 MP"). */
function mpOver(pixels: number, limit: number): string {
  let d = pixels < 1e7 ? 1 : 0;
  while (d < 6 && Number((pixels / 1e6).toFixed(d)) <= limit / 1e6) d++;
  return mp(pixels, d);
}

/** Structural end-of-file checks, to tell a truncated file from a corrupt one. */
export function looksTruncated(format: ImageFormat, b: Buffer): boolean {
  if (format === 'png') return b.length < 12 || b.toString('latin1', b.length - 8, b.length - 4) !== 'IEND';
  if (format === 'jpeg') return b.subarray(Math.max(0, b.length - 4096)).indexOf(Buffer.from([0xff, 0xd9])) < 0;
  if (format === 'webp') return b.length < 12 || b.readUInt32LE(4) + 8 > b.length;
  return false;
}

function decodeFailure(format: ImageFormat, message: string, data?: Buffer): string {
  const m = message.split('\n')[0];
  if (data && looksTruncated(format, data)) return `truncated ${format.toUpperCase()} file (the end of the image is missing; decoder: ${m})`;
  if (/end of stream|premature end|truncat|unexpected end|not enough data|short read|EOF/i.test(m)) return `truncated ${format.toUpperCase()} file (${m})`;
  if (/unsupported image format|corrupt header|unable to parse/i.test(m)) return `corrupt or truncated ${format.toUpperCase()} file (cannot parse: ${m})`;
  return `corrupt ${format.toUpperCase()} data (${m})`;
}

/** Reads a candidate file, refusing missing, empty and oversized files before reading them. */
export function readImageFile(file: string, limits: ValidateLimits): Buffer {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new RejectedFileError(file, 'not a regular file');
    size = st.size;
  } catch (err) {
    if (err instanceof RejectedFileError) throw err;
    throw new RejectedFileError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read (${(err as Error).message})`);
  }
  if (size === 0) throw new RejectedFileError(file, 'file is empty (0 bytes)');
  if (size > limits.maxBytes) throw new RejectedFileError(file, `file is ${(size / 1048576).toFixed(0)} MB, over the limit of ${(limits.maxBytes / 1048576).toFixed(0)} MB`);
  return readFileSync(file);
}

export async function validateImage(file: string, limits: ValidateLimits): Promise<{ info: ImageInfo; data: Buffer }> {
  const data = readImageFile(file, limits);
  return { info: await validateImageData(file, data, limits), data };
}

/** Format, pixel limit and full decode of bytes read from file. */
export async function validateImageData(file: string, data: Buffer, limits: ValidateLimits): Promise<ImageInfo> {
  const format = sniffFormat(data);
  if (typeof format !== 'string') throw new RejectedFileError(file, `unsupported format: ${format.unsupported} (supported: PNG, JPEG, TIFF, WebP, EXR)`);
  const bomb = (w: number, h: number) => new RejectedFileError(file,
    `image ${w}×${h} (${mpOver(w * h, limits.maxPixels)}) is over the limit of ${mp(limits.maxPixels)} (possible decompression bomb; raise max_megapixels to accept it)`);

  if (format === 'exr') {
    // OpenEXR reads the file itself (the same bytes as `data`, just read).
    const why = (err: unknown) => new RejectedFileError(file, err instanceof ExrError ? err.reason : `corrupt EXR file (${(err as Error).message})`);
    let header;
    try { header = readExrHeader(file); } catch (err) { throw why(err); }
    for (const p of header.parts) if (p.width * p.height > limits.maxPixels) throw bomb(p.width, p.height);
    let phash: string;
    try { phash = decodeExrPhash(file, header.parts); } catch (err) { throw why(err); }
    return { format, width: header.width, height: header.height, channels: header.channels, bitDepth: header.bitDepth, phash };
  }

  let meta: sharp.Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new RejectedFileError(file, decodeFailure(format, (err as Error).message, data));
  }
  const width = meta.width ?? 0, height = meta.height ?? 0;
  if (!width || !height) throw new RejectedFileError(file, `corrupt ${format.toUpperCase()} header (no dimensions)`);
  if (width * height > limits.maxPixels) throw bomb(width, height);
  let grey: { data: Buffer; info: sharp.OutputInfo };
  try {
    // failOn 'warning': libvips warnings (bad Huffman code, short read…) are errors here; the
    // resize reads every pixel of the (first) image, so a truncated file cannot pass.
    grey = await sharp(data, { failOn: 'warning', limitInputPixels: limits.maxPixels, sequentialRead: true })
      .toColourspace('b-w').resize(32, 32, { fit: 'fill', kernel: 'cubic' }).extractChannel(0).raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new RejectedFileError(file, decodeFailure(format, (err as Error).message, data));
  }
  if (grey.data.length !== 1024) throw new RejectedFileError(file, `unexpected decode result (${grey.data.length} bytes for 32×32)`);
  return { format, width, height, channels: meta.channels ?? 0, bitDepth: DEPTH_BITS[meta.depth ?? 'uchar'] ?? 8, phash: phashFromGrey32(grey.data) };
}
