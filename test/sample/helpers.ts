// Shared helpers for the sample-production tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export function tempDir(t: TestContext | { after: (fn: () => void) => void }, prefix = 'atelier-sample-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Mean absolute Laplacian of the luminance over pixels where keep(i) holds. */
export function highFrequency(rgb: Uint8Array, w: number, h: number, keep: (i: number) => boolean): number {
  let sum = 0, n = 0;
  const lum = (i: number) => 0.3 * rgb[i * 3]! + 0.59 * rgb[i * 3 + 1]! + 0.11 * rgb[i * 3 + 2]!;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (!keep(i)) continue;
      sum += Math.abs(4 * lum(i) - lum(i - 1) - lum(i + 1) - lum(i - w) - lum(i + w));
      n++;
    }
  }
  return n ? sum / n : 0;
}
