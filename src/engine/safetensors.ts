// Model files in the safetensors format (8-byte LE header length, JSON header, raw LE data), so a
// model trained here opens in any tool that reads safetensors. Loading validates everything:
// header size, JSON shape, dtypes, shapes, offsets (in bounds, matching the shape, contiguous, no
// overlap, covering the data) and rejects malformed or hostile files with an error naming the problem.
import { readFileSync, statSync } from 'node:fs';
import { native } from './native.js';
import { Tensor, type Device } from './tensor.js';
import { type DType, bytesPerElement } from './dtype.js';
import { writeFileAtomic } from '../util/atomic.js';

const TO_FILE: Record<DType, string> = {
  float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', uint8: 'U8', int32: 'I32', int64: 'I64', bool: 'BOOL',
};
const FROM_FILE: Record<string, DType> = Object.fromEntries(Object.entries(TO_FILE).map(([k, v]) => [v, k as DType]));

/** Headers larger than this are refused (the reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export class SafetensorsError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: not a valid safetensors file: ${message}`);
    this.name = 'SafetensorsError';
  }
}

export interface SafetensorsEntry { name: string; dtype: DType; shape: number[]; begin: number; end: number }
export interface SafetensorsContent { tensors: Map<string, Tensor>; metadata: Record<string, string> }

/** Validates a whole file's bytes and returns its entries (no tensors are created). */
export function parseHeader(bytes: Uint8Array, source = 'safetensors data'): { entries: SafetensorsEntry[]; metadata: Record<string, string>; dataStart: number } {
  const fail = (m: string): never => { throw new SafetensorsError(source, m); };
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.byteLength) fail(`header length ${headerLen} runs past the end of the ${bytes.byteLength}-byte file (truncated?)`);
  if (headerLen < 2 || bytes[8] !== 0x7b) fail('header must be a JSON object starting with "{"');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header must be a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} must be a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') fail(`entry "${name}" must be an object`);
    const dtype = typeof e.dtype === 'string' ? FROM_FILE[e.dtype] : undefined;
    if (!dtype) fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(e.dtype)} (supported: ${Object.keys(FROM_FILE).join(', ')})`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor "${name}" has an invalid shape ${JSON.stringify(e.shape)}`);
    const shape = e.shape as number[];
    let numel = 1;
    for (const d of shape) {
      numel *= d;
      if (!Number.isSafeInteger(numel)) fail(`tensor "${name}" shape [${shape.join(', ')}] is too large`);
    }
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0)) fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(off)}`);
    const [begin, end] = off as [number, number];
    if (begin > end) fail(`tensor "${name}" data_offsets [${begin}, ${end}] are reversed`);
    if (end > dataLen) fail(`tensor "${name}" data_offsets [${begin}, ${end}] run past the ${dataLen} bytes of data (truncated?)`);
    const want = numel * bytesPerElement(dtype!);
    if (end - begin !== want) fail(`tensor "${name}" has ${end - begin} bytes but shape [${shape.join(', ')}] of ${e.dtype} needs ${want}`);
    entries.push({ name, dtype: dtype!, shape, begin, end });
  }
  // Buffers must tile the data exactly: no overlap (aliasing), no gaps (hidden payload).
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin < cursor) fail(`tensor "${e.name}" overlaps another tensor's data`);
    if (e.begin > cursor) fail(`${e.begin - cursor} bytes of data before tensor "${e.name}" belong to no tensor`);
    cursor = e.end;
  }
  if (cursor !== dataLen) fail(`${dataLen - cursor} trailing bytes of data belong to no tensor`);
  return { entries, metadata, dataStart };
}

/** Reads tensors from safetensors bytes (copied into new tensors on device). */
export function decodeSafetensors(bytes: Uint8Array, opts: { device?: Device; source?: string } = {}): SafetensorsContent {
  const { entries, metadata, dataStart } = parseHeader(bytes, opts.source);
  const tensors = new Map<string, Tensor>();
  try {
    for (const e of entries) {
      // Copy into a fresh aligned buffer: the data offset need not be aligned for the dtype.
      const raw = bytes.slice(dataStart + e.begin, dataStart + e.end);
      tensors.set(e.name, new Tensor(native.fromBytes(raw, e.shape, e.dtype, opts.device ?? 'cpu')));
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw new SafetensorsError(opts.source ?? 'safetensors data', (err as Error).message);
  }
  return { tensors, metadata };
}

export function loadSafetensors(path: string, opts: { device?: Device } = {}): SafetensorsContent {
  let bytes: Buffer;
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot read model file (${(err as Error).message})`);
  }
  return decodeSafetensors(bytes, { ...opts, source: path });
}

/** Encodes tensors (sorted by name, 8-byte aligned header) into safetensors parts. */
export function encodeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array[] {
  const entries = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new TypeError(`metadata "${k}" must be a string`);
    header.__metadata__ = metadata;
  }
  const datas: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new TypeError('"__metadata__" is reserved and cannot name a tensor');
    const raw: Uint8Array = native.rawBytes(t.handle);
    header[name] = { dtype: TO_FILE[t.dtype], shape: t.shape, data_offsets: [offset, offset + raw.byteLength] };
    offset += raw.byteLength;
    datas.push(raw);
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const head = Buffer.alloc(8);
  const jsonBytes = Buffer.from(json, 'utf8');
  head.writeBigUInt64LE(BigInt(jsonBytes.byteLength));
  return [head, jsonBytes, ...datas];
}

/** Writes a safetensors file atomically (temp file + rename). */
export function saveSafetensors(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
