// Contact sheets: a grid of PNGs (rows of e.g. rough | passes | painted) in one image, for looking at a
// production at a glance. Motion passes (16-bit) are shown as a colour-coded flow image.
import sharp from 'sharp';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

async function loadCell(path: string, w: number, h: number): Promise<Buffer> {
  const meta = await sharp(path).metadata();
  if (meta.depth === 'ushort') {
    // Motion: hue = direction, brightness = speed (1 px -> dim, 8+ px -> full).
    const { data, info } = await sharp(path).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    const src = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
    const out = new Uint8Array(info.width * info.height * 3);
    for (let i = 0; i < info.width * info.height; i++) {
      const dx = (src[i * 3]! - 32768) / 64, dy = (src[i * 3 + 1]! - 32768) / 64;
      const mag = Math.min(1, Math.hypot(dx, dy) / 8), ang = Math.atan2(dy, dx);
      const valid = src[i * 3 + 2]! > 0 ? 1 : 0.55;
      for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(255 * valid * (0.5 + 0.5 * mag * Math.cos(ang - (c * 2 * Math.PI) / 3)));
    }
    return sharp(out, { raw: { width: info.width, height: info.height, channels: 3 } }).resize(w, h, { fit: 'contain' }).png().toBuffer();
  }
  return sharp(path).removeAlpha().resize(w, h, { fit: 'contain', background: { r: 40, g: 40, b: 40 } }).png().toBuffer();
}

/** Writes a grid of images (each row a list of paths, null leaves a gap) scaled into equal cells. */
export async function writeContactSheet(rows: (string | null)[][], target: string, cellWidth = 256, cellHeight = 256): Promise<{ width: number; height: number }> {
  const cols = Math.max(...rows.map((r) => r.length));
  const gap = 4;
  const composites: sharp.OverlayOptions[] = [];
  for (let r = 0; r < rows.length; r++) {
    for (let c = 0; c < rows[r]!.length; c++) {
      const p = rows[r]![c];
      if (!p) continue;
      composites.push({ input: await loadCell(p, cellWidth, cellHeight), left: gap + c * (cellWidth + gap), top: gap + r * (cellHeight + gap) });
    }
  }
  mkdirSync(dirname(target), { recursive: true });
  const width = gap + cols * (cellWidth + gap), height = gap + rows.length * (cellHeight + gap);
  await sharp({ create: { width, height, channels: 3, background: { r: 24, g: 24, b: 24 } } }).composite(composites).png().toFile(target);
  return { width, height };
}
