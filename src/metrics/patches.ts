// Random k×k patches of images as feature vectors, for patch-distribution metrics (patch SWD).
import * as E from '../engine/index.js';
import { type Tensor } from '../engine/index.js';
import { asBatch } from '../image/shapes.js';
import { mulberry32, sampleWithoutReplacement } from '../image/prng.js';

export interface PatchOptions {
  /** Most patch positions per image (default 4096); all positions if the image has fewer. */
  perImage?: number;
  /** Seed of the position sampling (default 0). */
  seed?: number;
}

/**
 * k×k patches of x (N, C, H, W) or (C, H, W) at distinct random positions (fully inside the
 * image), gathered with one indexSelect per image (memory ∝ patches, not image × k²).
 * Returns (count, C·k·k) float32, row layout (c, dy, dx), images concatenated in batch order.
 * Positions come from a private seeded PRNG; two images of the same size get the same positions
 * for the same seed (common random numbers: comparing an image with itself gives equal sets).
 */
export function samplePatches(x: Tensor, k: number, o: PatchOptions = {}): Tensor {
  return E.tidy(() => {
    const img = asBatch(x, 'samplePatches input').float();
    const [n, c, h, w] = img.shape as [number, number, number, number];
    if (h < k || w < k) throw new RangeError(`patches of ${k}x${k} need images at least that large, got ${w}x${h}`);
    const ph = h - k + 1, pw = w - k + 1;
    const rnd = mulberry32(o.seed ?? 0);
    const per: Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const pos = sampleWithoutReplacement(rnd, ph * pw, o.perImage ?? 4096);
      const m = pos.length;
      // Flat pixel index of every patch element, ordered (patch, dy, dx).
      const idx = new Int32Array(m * k * k);
      for (let p = 0; p < m; p++) {
        const y0 = Math.floor(pos[p]! / pw), x0 = pos[p]! % pw;
        for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) idx[(p * k + dy) * k + dx] = (y0 + dy) * w + x0 + dx;
      }
      const flat = img.slice(0, i, i + 1).reshape([c, h * w]);
      const got = flat.indexSelect(1, E.tensor(idx, [m * k * k])); // (C, m·k·k)
      per.push(got.reshape([c, m, k * k]).permute([1, 0, 2]).reshape([m, c * k * k]));
    }
    return per.length === 1 ? per[0]!.contiguous() : E.F.cat(per, 0);
  });
}
