// PSNR and SSIM against their formulas, hand-checkable cases and a direct (loop) SSIM reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { psnr, psnrPerImage, ssim, ssimPerImage, gaussianWeights } from '../../src/metrics/index.js';
import { noise, painting } from './images.js';

E.setNumThreads(1);
const close = (a: number, b: number, tol: number, what = ''): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what} expected ${b} ± ${tol}, got ${a}`);

test('psnr: identical images are Infinity, a constant offset gives 10·log10(1/offset²)', () => {
  E.tidy(() => {
    const a = E.full([2, 3, 8, 8], 0.5);
    assert.equal(psnr(a, a), Infinity);
    close(psnr(a, E.full([2, 3, 8, 8], 0.6)), 20, 1e-5, 'offset 0.1'); // float32 inputs: 0.6f − 0.5 is not exactly 0.1
    close(psnr(E.full([3, 8, 8], 0.2), E.full([3, 8, 8], 0.21)), 40, 1e-4, '(C, H, W) offset 0.01');
    // Mean of per-image values, not the PSNR of the pooled MSE.
    const b = E.F.cat([E.full([1, 3, 8, 8], 0.6), E.full([1, 3, 8, 8], 0.51)], 0);
    const per = psnrPerImage(a, b);
    close(per[0]!, 20, 1e-5);
    close(per[1]!, 40, 1e-4);
    close(psnr(a, b), 30, 1e-4, 'batch mean');
    close(psnr(a.mul(255), b.mul(255), 255), 30, 1e-4, 'maxVal 255');
    assert.throws(() => psnr(a, E.full([1, 3, 8, 8], 0)), /same shape/);
  });
});

test('ssim: constant patches match the closed form, identical = 1, symmetric, falls with noise', () => {
  E.tidy(() => {
    // Flat 11×11 images: σ terms are 0, so SSIM = (2 μx μy + C1) / (μx² + μy² + C1).
    const c1 = 0.01 ** 2;
    close(ssim(E.full([1, 1, 11, 11], 0.2), E.full([1, 1, 11, 11], 0.6)), (2 * 0.2 * 0.6 + c1) / (0.04 + 0.36 + c1), 1e-6, 'flat');
    const x = painting(1, [2, 3, 32, 32]);
    close(ssim(x, x), 1, 1e-9, 'identical');
    let prev = 1;
    for (const amp of [0.02, 0.05, 0.1, 0.2]) {
      const y = x.add(noise(7, [2, 3, 32, 32], -amp, amp));
      const s = ssim(x, y);
      assert.ok(s < prev, `ssim should fall as noise grows: ${s} after ${prev} (amp ${amp})`);
      close(ssim(y, x), s, 1e-12, 'symmetric');
      prev = s;
    }
    assert.ok(prev < 0.8, `heavy noise should score well below 1, got ${prev}`);
    assert.throws(() => ssim(E.ones([1, 1, 10, 10]), E.ones([1, 1, 10, 10])), /at least 11x11/);
  });
});

// SSIM by direct loops over windows (float64), per channel, averaged: an independent reference.
function ssimReference(a: Float32Array, b: Float32Array, c: number, h: number, w: number): number {
  const g = gaussianWeights(1.5, 5);
  const C1 = 0.01 ** 2, C2 = 0.03 ** 2;
  let total = 0, count = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y + 11 <= h; y++) {
      for (let x = 0; x + 11 <= w; x++) {
        let mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
        for (let dy = 0; dy < 11; dy++) {
          for (let dx = 0; dx < 11; dx++) {
            const wt = g[dy]! * g[dx]!;
            const i = ch * h * w + (y + dy) * w + x + dx;
            mx += wt * a[i]!; my += wt * b[i]!;
          }
        }
        for (let dy = 0; dy < 11; dy++) {
          for (let dx = 0; dx < 11; dx++) {
            const wt = g[dy]! * g[dx]!;
            const i = ch * h * w + (y + dy) * w + x + dx;
            sxx += wt * (a[i]! - mx) ** 2; syy += wt * (b[i]! - my) ** 2; sxy += wt * (a[i]! - mx) * (b[i]! - my);
          }
        }
        total += ((2 * mx * my + C1) * (2 * sxy + C2)) / ((mx * mx + my * my + C1) * (sxx + syy + C2));
        count++;
      }
    }
  }
  return total / count;
}

test('ssim agrees with a direct windowed computation per channel', () => {
  E.tidy(() => {
    const a = noise(3, [1, 2, 15, 14]);
    const b = a.mul(0.7).add(noise(4, [1, 2, 15, 14], 0, 0.3));
    const ref = ssimReference(a.data() as Float32Array, b.data() as Float32Array, 2, 15, 14);
    close(ssim(a, b), ref, 1e-6, 'vs reference');
    close(ssimPerImage(a.squeeze(0), b.squeeze(0))[0]!, ref, 1e-6, '(C, H, W) input');
  });
});
