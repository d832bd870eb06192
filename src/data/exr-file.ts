// OpenEXR files through the image addon: every part's header, channels decoded to float32 planes,
// and files written from float32 planes (stored half or float), atomically. No tensors here: the
// store validates EXR files with it too. Layers, colour and alpha are decided by the callers.
import { mkdirSync, renameSync, unlinkSync, existsSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { tempPathFor } from '../util/atomic.js';
import { imageNative, type NativeExrPart } from './image-native.js';

export const EXR_COMPRESSIONS = ['none', 'rle', 'zips', 'zip', 'piz', 'pxr24', 'b44', 'b44a', 'dwaa', 'dwab'] as const;
export type ExrCompression = (typeof EXR_COMPRESSIONS)[number];

export interface ExrPart extends NativeExrPart { index: number; width: number; height: number }

/** An EXR file OpenEXR refused: `truncated` when its end is missing, else corrupt. */
export class ExrError extends Error {
  readonly code = 'EXR_ERROR';
  constructor(readonly file: string, readonly reason: string, readonly truncated: boolean) {
    super(`${file}: ${reason}`);
  }
}

function explain(file: string, err: unknown): ExrError {
  const m = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  if (/No such file/i.test(m)) return new ExrError(file, 'no such file', false);
  if (/early end of file|unexpected end|truncat|incomplete|out of range|offset table/i.test(m)) {
    return new ExrError(file, `truncated EXR file (the end of the image is missing; OpenEXR: ${m})`, true);
  }
  return new ExrError(file, `corrupt EXR file (OpenEXR: ${m})`, false);
}

/** Every part's header (a single-part file has one). OpenEXR checks the headers and offset tables. */
export function exrParts(file: string): ExrPart[] {
  const path = resolve(file);
  let parts: NativeExrPart[];
  try { parts = imageNative().exrInfo(path).parts; } catch (err) { throw explain(path, err); }
  // The image is the display window (the frame a comp shows); the data window may be smaller (a
  // bounding box) or larger (overscan). Reading the data window alone lost the frame's placement,
  // and frames whose boxes varied had other sizes.
  return parts.map((p, index) => ({ ...p, index, width: p.displayWindow[2] - p.displayWindow[0] + 1, height: p.displayWindow[3] - p.displayWindow[1] + 1 }));
}

/** Planes of the data window placed in the display window: zero (transparent) outside the data, overscan cut. */
function toDisplayWindow(planes: Float32Array[], part: ExrPart): Float32Array[] {
  const [dx0, dy0, dx1, dy1] = part.dataWindow;
  const [wx0, wy0, wx1, wy1] = part.displayWindow;
  if (dx0 === wx0 && dy0 === wy0 && dx1 === wx1 && dy1 === wy1) return planes;
  const dw = dx1 - dx0 + 1, w = part.width;
  const x0 = Math.max(dx0, wx0), x1 = Math.min(dx1, wx1), y0 = Math.max(dy0, wy0), y1 = Math.min(dy1, wy1);
  return planes.map((p) => {
    const out = new Float32Array(w * part.height);
    for (let y = y0; y <= y1 && x0 <= x1; y++) out.set(p.subarray((y - dy0) * dw + (x0 - dx0), (y - dy0) * dw + (x1 - dx0) + 1), (y - wy0) * w + (x0 - wx0));
    return out;
  });
}

/** Decodes the named channels of one part to float32 planes of its display window, in the order asked. */
export function readExrChannels(file: string, part: ExrPart, names: readonly string[]): Float32Array[] {
  if (part.deep) throw new ExrError(file, `part ${part.index} holds deep data, which is not supported`, false);
  for (const n of names) {
    const ch = part.channels.find((c) => c.name === n);
    if (!ch) throw new ExrError(file, `part ${part.index} has no channel "${n}" (it has ${part.channels.map((c) => c.name).join(', ')})`, false);
    if (ch.xSampling !== 1 || ch.ySampling !== 1) throw new ExrError(file, `channel "${n}" is subsampled (${ch.xSampling}×${ch.ySampling}), which is not supported`, false);
  }
  let planes: Float32Array[];
  try { planes = imageNative().exrRead(resolve(file), part.index, [...names]); } catch (err) { throw explain(resolve(file), err); }
  return toDisplayWindow(planes, part);
}

/** Decodes every channel of every part: the full check that a file is whole. */
export function decodeAllExr(file: string, parts: ExrPart[] = exrParts(file)): void {
  for (const p of parts) {
    if (p.deep) throw new ExrError(file, `part ${p.index} holds deep data, which is not supported`, false);
    readExrChannels(file, p, p.channels.map((c) => c.name));
  }
}

export interface ExrWriteChannel { name: string; type?: 'half' | 'float'; data: Float32Array }
export interface ExrWritePart {
  /** Part name; needed (and unique) when a file has several parts. */
  name?: string;
  width: number;
  height: number;
  /** Default 'zip'. */
  compression?: ExrCompression;
  channels: ExrWriteChannel[];
  /** String attributes (e.g. colorSpace). */
  attributes?: Record<string, string>;
  /** rx ry gx gy bx by wx wy */
  chromaticities?: readonly number[] | null;
  timeCode?: [number, number, number, number] | null;
}

const CHANNEL_NAME = /^[^\0]{1,255}$/;

/** Writes an EXR (several parts make a multi-part file) atomically: temp file, fsync, rename. */
export function writeExrFile(target: string, parts: ExrWritePart[]): void {
  if (!Array.isArray(parts) || parts.length === 0) throw new RangeError('an EXR file needs at least one part');
  const names = new Set<string>();
  const native = parts.map((p, i) => {
    if (!Number.isInteger(p.width) || !Number.isInteger(p.height) || p.width < 1 || p.height < 1) {
      throw new RangeError(`EXR part ${i}: expected positive whole width and height but received ${p.width}×${p.height}`);
    }
    const name = p.name ?? (parts.length === 1 ? '' : `part${i}`);
    if (parts.length > 1 && (name === '' || names.has(name))) throw new RangeError(`EXR part ${i}: parts of a multi-part file need distinct names, got "${name}"`);
    names.add(name);
    const compression = p.compression ?? 'zip';
    if (!EXR_COMPRESSIONS.includes(compression)) throw new RangeError(`EXR part ${i}: compression must be one of ${EXR_COMPRESSIONS.join(', ')}, got "${String(compression)}"`);
    if (p.channels.length === 0) throw new RangeError(`EXR part ${i}: no channels`);
    const seen = new Set<string>();
    for (const c of p.channels) {
      if (!CHANNEL_NAME.test(c.name) || seen.has(c.name)) throw new RangeError(`EXR part ${i}: channel names must be distinct and non-empty, got "${c.name}"`);
      seen.add(c.name);
      if (!(c.data instanceof Float32Array) || c.data.length !== p.width * p.height) {
        throw new RangeError(`EXR part ${i}: channel ${c.name} needs a Float32Array of ${p.width * p.height} values, got ${c.data?.length}`);
      }
      if (c.type !== undefined && c.type !== 'half' && c.type !== 'float') throw new RangeError(`EXR part ${i}: channel ${c.name} type must be half or float, got "${String(c.type)}"`);
    }
    const chroma = p.chromaticities ?? null;
    if (chroma !== null && (chroma.length !== 8 || chroma.some((v) => !Number.isFinite(v)))) throw new RangeError(`EXR part ${i}: chromaticities need 8 numbers`);
    const tc = p.timeCode ?? null;
    if (tc !== null && (tc.length !== 4 || tc.some((v) => !Number.isInteger(v) || v < 0) || tc[0] > 23 || tc[1] > 59 || tc[2] > 59 || tc[3] > 29)) {
      throw new RangeError(`EXR part ${i}: time code must be [hours 0-23, minutes, seconds 0-59, frame 0-29], got [${tc.join(', ')}]`);
    }
    return {
      name, width: p.width, height: p.height, compression,
      channels: p.channels.map((c) => ({ name: c.name, type: c.type ?? 'half', data: c.data })),
      attributes: { ...(p.attributes ?? {}) }, chromaticities: chroma ? [...chroma] : null, timeCode: tc,
    };
  });
  const path = resolve(target);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    imageNative().exrWrite(tmp, native);
    const fd = openSync(tmp, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
    renameSync(tmp, path);
  } catch (err) {
    throw new Error(`${path}: cannot write EXR (${err instanceof Error ? err.message : String(err)})`);
  } finally {
    if (existsSync(tmp)) try { unlinkSync(tmp); } catch { /* already gone */ }
  }
}
