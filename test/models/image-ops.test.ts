// The look model's input preparation: the separable Sobel against the 3x3 kernels written out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { sobelMagnitude } from '../../src/models/look/image-ops.js';

E.setNumThreads(1);

test('sobelMagnitude: equals the 3x3 Sobel kernels (/4) with replicate padding, pixel by pixel', () => {
  const [h, w] = [7, 9];
  const v = Float32Array.from({ length: h * w }, (_, i) => Math.sin(i * 1.7) * 0.5 + ((i % w) * (i % 5)) / 40);
  const at = (y: number, x: number) => v[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))]!;
  const got = E.tidy(() => sobelMagnitude(E.tensor(v, [1, 1, h, w])).data() as Float32Array);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const gx = (at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y, x - 1) - at(y + 1, x - 1)) / 4;
      const gy = (at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y - 1, x) - at(y - 1, x + 1)) / 4;
      assert.ok(Math.abs(got[y * w + x]! - Math.hypot(gx, gy)) < 1e-5, `(${x}, ${y}): ${got[y * w + x]} vs ${Math.hypot(gx, gy)}`);
    }
  }
  // A horizontal ramp of slope 0.1 has |gradient| 0.1 * 8 / 4 = 0.2 inside, 0.1 at the replicated edges.
  const ramp = E.tidy(() => sobelMagnitude(E.arange(0, 6, 1, { dtype: 'float32' }).mul(0.1).reshape([1, 1, 1, 6]).expand([1, 1, 4, 6]).contiguous()).data() as Float32Array);
  assert.ok(Math.abs(ramp[2]! - 0.2) < 1e-6 && Math.abs(ramp[0]! - 0.1) < 1e-6, `ramp: ${Array.from(ramp.slice(0, 6))}`);
  assert.throws(() => sobelMagnitude(E.rand([1, 1, 4, 4]).requiresGrad_()), /requires grad/);
});
