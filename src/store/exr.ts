// OpenEXR validation at ingest, by OpenEXR itself (the image addon): every part's header and
// offset table are read, the pixel limit is checked on the headers before anything is decoded,
// then every channel of every part is decoded, so a truncated or corrupt file is refused with
// OpenEXR's reason. The default layer (beauty), in sRGB, gives the perceptual hash.
import { exrParts, decodeAllExr, ExrError, type ExrPart } from '../data/exr-file.js';
import { loadExrPlanes } from '../data/exr-read.js';
import { phashFromGrey32 } from './phash.js';

export interface ExrSummary { width: number; height: number; channels: number; bitDepth: number; parts: ExrPart[] }

/** Headers only: size of the first part (the image), its channel count, 16 when every channel is half. */
export function readExrHeader(file: string): ExrSummary {
  const parts = exrParts(file);
  const first = parts[0];
  if (!first) throw new ExrError(file, 'corrupt EXR file (no parts)', false);
  if (first.width <= 0 || first.height <= 0) throw new ExrError(file, `corrupt EXR file (empty data window ${first.width}×${first.height})`, false);
  const all = parts.flatMap((p) => p.channels);
  return { width: first.width, height: first.height, channels: first.channels.length, bitDepth: all.every((c) => c.type === 'half') ? 16 : 32, parts };
}

/** Decodes everything (throws ExrError on a damaged file) and returns the perceptual hash. */
export function decodeExrPhash(file: string, parts: ExrPart[]): string {
  decodeAllExr(file, parts);
  const img = loadExrPlanes(file, { parts });
  const { width: w, height: h, planes } = img;
  // Luma of the (sRGB) colour, or the first data channel scaled to its range.
  const n = w * h;
  let y = new Float32Array(n);
  if (planes.length >= 3 && img.colourSpace) for (let i = 0; i < n; i++) y[i] = 0.2126 * planes[0]![i]! + 0.7152 * planes[1]![i]! + 0.0722 * planes[2]![i]!;
  else {
    y = Float32Array.from(planes[0]!);
    let lo = Infinity, hi = -Infinity;
    for (const v of y) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const span = hi > lo ? hi - lo : 1;
    for (let i = 0; i < n; i++) y[i] = Number.isFinite(y[i]!) ? (y[i]! - lo) / span : 0;
  }
  // Area average to 32×32 (each output cell averages the source pixels whose centres fall in it).
  const sum = new Float64Array(1024), count = new Uint32Array(1024);
  for (let r = 0; r < h; r++) {
    const cy = Math.min(31, Math.floor(((r + 0.5) * 32) / h));
    for (let c = 0; c < w; c++) {
      const v = y[r * w + c]!;
      const k = cy * 32 + Math.min(31, Math.floor(((c + 0.5) * 32) / w));
      sum[k] += Number.isFinite(v) ? v : 0; count[k]++;
    }
  }
  const grey = Buffer.alloc(1024);
  for (let k = 0; k < 1024; k++) grey[k] = Math.round(Math.min(1, Math.max(0, count[k] ? sum[k]! / count[k]! : 0)) * 255);
  return phashFromGrey32(grey);
}
