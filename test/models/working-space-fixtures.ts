// Shared by the working-space tests of the look model and the upscaler: small PNGs with known bytes,
// and the sRGB → linear formula their training tensors are checked against.
import assert from 'node:assert/strict';
import sharp from 'sharp';

export const S = 32;
export const LINEAR = 'Linear Rec.709 (sRGB)';

export const srgbToLinear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);

/** An S×S RGB PNG whose bytes are f(x, y, c); returns the interleaved bytes. */
export async function png(path: string, f: (x: number, y: number, c: number) => number): Promise<Buffer> {
  const raw = Buffer.alloc(S * S * 3);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) raw[(y * S + x) * 3 + c] = f(x, y, c);
  await sharp(raw, { raw: { width: S, height: S, channels: 3 } }).png().toFile(path);
  return raw;
}

/** Planar (C, H, W) values of interleaved bytes through fn. */
export function planar(raw: Buffer, fn: (v: number) => number): Float32Array {
  const out = new Float32Array(3 * S * S);
  for (let i = 0; i < S * S; i++) for (let c = 0; c < 3; c++) out[c * S * S + i] = fn(raw[i * 3 + c]! / 255);
  return out;
}

export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
