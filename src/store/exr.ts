// OpenEXR validation. ffmpeg decodes EXR but does not notice a truncated file (it fills the
// missing lines with zeros), so the header and the chunk offset table are checked here first:
// every scanline chunk must lie inside the file. Then ffmpeg decodes the whole image (scaled to
// 32×32 grey for the perceptual hash).
import { runTool } from './ffmpeg.js';
import { phashFromGrey32 } from './phash.js';

export interface ExrHeader { width: number; height: number; channels: number; bitDepth: number; compression: number; tiled: boolean }

const LINES_PER_CHUNK = [1, 1, 1, 16, 32, 16, 32, 32, 32, 256]; // by compression id

export function parseExrHeader(buf: Buffer): ExrHeader {
  if (buf.length < 8 || buf.readUInt32LE(0) !== 20000630) throw new Error('not an OpenEXR file');
  const flags = buf.readUInt32LE(4);
  if (flags & 0x800) throw new Error('deep-data EXR is not supported');
  if (flags & 0x1000) throw new Error('multi-part EXR is not supported');
  const tiled = (flags & 0x200) !== 0;
  let off = 8;
  const cstr = () => {
    const end = buf.indexOf(0, off);
    if (end < 0) throw new Error('truncated EXR header');
    const s = buf.toString('latin1', off, end);
    off = end + 1;
    return s;
  };
  let channels = 0, bitDepth = 0, compression = -1;
  let box: number[] | null = null;
  for (;;) {
    const name = cstr();
    if (name === '') break;
    const type = cstr();
    if (off + 4 > buf.length) throw new Error('truncated EXR header');
    const size = buf.readInt32LE(off); off += 4;
    if (size < 0 || off + size > buf.length) throw new Error('truncated EXR header');
    const v = buf.subarray(off, off + size);
    if (name === 'channels' && type === 'chlist') {
      let p = 0;
      while (p < v.length && v[p] !== 0) {
        const e = v.indexOf(0, p);
        if (e < 0 || e + 17 > v.length) throw new Error('corrupt EXR channel list');
        const pixelType = v.readInt32LE(e + 1);
        bitDepth = Math.max(bitDepth, pixelType === 1 ? 16 : 32);
        channels++;
        p = e + 17;
      }
    } else if (name === 'compression' && size >= 1) compression = v[0];
    else if (name === 'dataWindow' && size >= 16) box = [v.readInt32LE(0), v.readInt32LE(4), v.readInt32LE(8), v.readInt32LE(12)];
    off += size;
  }
  if (!box || channels === 0 || compression < 0) throw new Error('EXR header lacks channels, compression or dataWindow');
  const width = box[2] - box[0] + 1, height = box[3] - box[1] + 1;
  if (width <= 0 || height <= 0) throw new Error(`EXR data window is empty (${width}×${height})`);
  if (compression >= LINES_PER_CHUNK.length) throw new Error(`unknown EXR compression ${compression}`);
  const header = { width, height, channels, bitDepth, compression, tiled };
  if (!tiled) {
    // Offset table right after the header: one uint64 per chunk of scanlines.
    const chunks = Math.ceil(height / LINES_PER_CHUNK[compression]);
    if (off + chunks * 8 > buf.length) throw new Error('truncated EXR (offset table cut off)');
    for (let i = 0; i < chunks; i++) {
      const at = Number(buf.readBigUInt64LE(off + i * 8));
      if (at + 8 > buf.length) throw new Error(`truncated EXR (scanline chunk ${i + 1} of ${chunks} is missing)`);
      const len = buf.readInt32LE(at + 4);
      if (len < 0 || at + 8 + len > buf.length) throw new Error(`truncated EXR (scanline chunk ${i + 1} of ${chunks} is cut off)`);
    }
  }
  return header;
}

/** Full decode through ffmpeg; returns the perceptual hash. */
export function decodeExrPhash(path: string): string {
  const grey = runTool('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, '-frames:v', '1', '-vf', 'scale=32:32:flags=area',
    '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], 'EXR decode');
  if (grey.length !== 1024) throw new Error(`EXR decode produced ${grey.length} bytes instead of 1024`);
  return phashFromGrey32(grey);
}
