// PNG output through sharp: 8-bit RGB for images and most passes, 16-bit RGB for motion vectors.
// Image files are plain writes (the set is regenerable); the manifest, written last, is atomic, so a
// manifest on disk always describes a complete production.
import sharp from 'sharp';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export async function encodePng(data: Uint8Array | Uint16Array, width: number, height: number): Promise<Buffer> {
  let img = sharp(data, { raw: { width, height, channels: 3 } });
  if (data instanceof Uint16Array) img = img.toColourspace('rgb16');
  return img.png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
}

export async function writePng(path: string, data: Uint8Array | Uint16Array, width: number, height: number): Promise<void> {
  const png = await encodePng(data, width, height);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, png);
}

/** Reads a PNG back as raw RGB (8-bit, or 16-bit when `sixteen`). Used by tests and contact sheets. */
export async function readPng(path: string, sixteen = false): Promise<{ data: Uint8Array | Uint16Array; width: number; height: number }> {
  let img = sharp(path).removeAlpha();
  if (sixteen) img = img.toColourspace('rgb16');
  const { data, info } = await img.raw(sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
  const arr = sixteen
    ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { data: arr, width: info.width, height: info.height };
}

/** Image-sequence file name: name.####.png */
export const seqName = (name: string, frame: number): string => `${name}.${String(frame).padStart(4, '0')}.png`;
