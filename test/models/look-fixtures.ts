// Synthetic paintover pairs for the look trainer's tests (CPU and GPU).
import { join } from 'node:path';
import sharp from 'sharp';

/** A synthetic "painting": smooth colour plus stripes (strokes); its rough frame: flat colour. */
export async function writePair(dir: string, i: number, size = 40): Promise<{ rough: string; painted: string; normal: string }> {
  const rough = Buffer.alloc(size * size * 3);
  const painted = Buffer.alloc(size * size * 3);
  const normal = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const k = (y * size + x) * 3;
    const inside = (x - 20) ** 2 + (y - 20 + i) ** 2 < 150;
    const base = inside ? [200, 60, 40] : [60, 120, 200];
    const stroke = ((x + 2 * y + i) % 6 < 3 ? 25 : -25);
    for (let c = 0; c < 3; c++) {
      rough[k + c] = base[c]!;
      painted[k + c] = Math.max(0, Math.min(255, base[c]! * 0.8 + 30 + stroke));
      normal[k + c] = inside ? [128, 128, 255][c]! : [128, 255, 128][c]!;
    }
  }
  const f = (n: string) => join(dir, `${n}.${String(i).padStart(4, '0')}.png`);
  await sharp(rough, { raw: { width: size, height: size, channels: 3 } }).png().toFile(f('rough'));
  await sharp(painted, { raw: { width: size, height: size, channels: 3 } }).png().toFile(f('paint'));
  await sharp(normal, { raw: { width: size, height: size, channels: 3 } }).png().toFile(f('normal'));
  return { rough: f('rough'), painted: f('paint'), normal: f('normal') };
}

