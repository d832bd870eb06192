// Refine masks as the server accepts them: a PNG exactly the size of the frame it was painted on,
// read and measured by sharp on libuv's thread pool (never pixel loops on the event loop), its
// size checked from the header before anything is decoded.
import sharp from 'sharp';
import { badRequest } from './errors.js';

export interface Mask { png: Buffer; coverage: number; width: number; height: number }

export async function readMask(bytes: Buffer, frame: { width: number; height: number }): Promise<Mask> {
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) throw badRequest('maskPng is not a PNG');
  let meta: sharp.Metadata;
  try { meta = await sharp(bytes).metadata(); } catch { throw badRequest('maskPng is not a readable PNG'); }
  if (meta.width !== frame.width || meta.height !== frame.height) {
    throw badRequest(`the mask is ${meta.width}×${meta.height} pixels; it must match the frame it was painted on, ${frame.width}×${frame.height}`);
  }
  const limit = { limitInputPixels: frame.width * frame.height };
  try {
    // Decoded to 8-bit grey first: a 16-bit mask kept 16-bit values through threshold and stats
    // (coverage 257 for an all-white mask). stats() reads its input, not the pipeline's result, so
    // the threshold is taken in a pass of its own (a soft brush's grey counted as its level before).
    const decoded = await sharp(bytes, limit).flatten({ background: '#000' }).toColourspace('b-w').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const raw = { raw: { width: decoded.info.width, height: decoded.info.height, channels: 1 as const } };
    const [png, covered] = await Promise.all([
      sharp(decoded.data, raw).toColourspace('b-w').png().toBuffer(),
      sharp(decoded.data, raw).threshold(128).toColourspace('b-w').raw().toBuffer(),
    ]);
    const stats = await sharp(covered, raw).stats();
    return { png, coverage: stats.channels[0]!.mean / 255, width: frame.width, height: frame.height };
  } catch { throw badRequest('maskPng is not a readable PNG'); }
}
