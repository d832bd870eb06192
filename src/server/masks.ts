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
    const grey = sharp(bytes, limit).flatten({ background: '#000' }).toColourspace('b-w');
    const [png, stats] = await Promise.all([
      grey.clone().png().toBuffer(),
      grey.clone().threshold(128).stats(),
    ]);
    return { png, coverage: stats.channels[0]!.mean / 255, width: frame.width, height: frame.height };
  } catch { throw badRequest('maskPng is not a readable PNG'); }
}
