// Stroke-orientation histograms and their circular earth mover's distance, on synthetic strokes of
// known direction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { orientationDistance, orientationHistogram, circularEmd, mulberry32 } from '../../src/metrics/index.js';
import { noise } from './images.js';

E.setNumThreads(1);

/**
 * Grey (1, 1, h, w) canvas of mid grey with n antialiased strokes of random grey, about len px long
 * and 2·width + 1 px wide, all running at `angle` ± jitter radians in image coordinates (x right,
 * y down: π/4 runs down to the right).
 */
function strokes(seed: number, h: number, w: number, angle: number, n = 200, len = 50, width = 1.5, jitter = 0.1): E.Tensor {
  const r = mulberry32(seed);
  const img = new Float32Array(h * w).fill(0.5);
  for (let s = 0; s < n; s++) {
    const cx = r() * w, cy = r() * h, a = angle + (r() - 0.5) * 2 * jitter, v = 0.2 + 0.6 * r();
    const ux = Math.cos(a), uy = Math.sin(a), half = (len * (0.7 + 0.6 * r())) / 2;
    const x0 = Math.max(0, Math.floor(cx - half - 3)), x1 = Math.min(w - 1, Math.ceil(cx + half + 3));
    const y0 = Math.max(0, Math.floor(cy - half - 3)), y1 = Math.min(h - 1, Math.ceil(cy + half + 3));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x - cx, dy = y - cy;
        if (Math.abs(dx * ux + dy * uy) > half) continue;
        const cover = Math.min(1, Math.max(0, width + 0.5 - Math.abs(dy * ux - dx * uy)));
        img[y * w + x] = img[y * w + x]! * (1 - cover) + v * cover;
      }
    }
  }
  return E.tensor(img, [1, 1, h, w]);
}

/** Histogram mass within ±deg of angle (radians, circular over π). */
function massNear(hist: Float64Array, angle: number, deg: number): number {
  let m = 0;
  hist.forEach((v, i) => {
    const centre = ((i + 0.5) * Math.PI) / hist.length;
    const d = Math.abs(centre - angle) % Math.PI;
    if (Math.min(d, Math.PI - d) <= (deg * Math.PI) / 180) m += v;
  });
  return m;
}

test('circularEmd: mass × bins moved the short way round the circle', () => {
  const delta = (i: number, n = 36): Float64Array => { const h = new Float64Array(n); h[i] = 1; return h; };
  assert.equal(circularEmd(delta(3), delta(3)), 0);
  assert.ok(Math.abs(circularEmd(delta(0), delta(1)) - 1) < 1e-12);
  assert.ok(Math.abs(circularEmd(delta(0), delta(35)) - 1) < 1e-12, 'wraps round: bin 35 is next to bin 0');
  assert.ok(Math.abs(circularEmd(delta(0), delta(18)) - 18) < 1e-12, 'half the circle is the farthest');
  assert.ok(Math.abs(circularEmd(delta(2), delta(30)) - 8) < 1e-12);
  // Half the mass moves 2 bins, the other half stays: 1.
  const p = new Float64Array(36); p[0] = 0.5; p[10] = 0.5;
  const q = new Float64Array(36); q[2] = 0.5; q[10] = 0.5;
  assert.ok(Math.abs(circularEmd(p, q) - 1) < 1e-12);
  assert.equal(circularEmd(p, q), circularEmd(q, p));
  assert.throws(() => circularEmd(p, new Float64Array(18)), /same length/);
});

test('orientationHistogram: strokes peak at their direction (x right, y down), sums to 1, flat is uniform', () => {
  E.tidy(() => {
    for (const [angle, name] of [[0, 'horizontal'], [Math.PI / 4, 'down-right'], [Math.PI / 2, 'vertical'], [(3 * Math.PI) / 4, 'down-left']] as const) {
      const h = orientationHistogram(strokes(1, 160, 160, angle));
      assert.equal(h.length, 36);
      assert.ok(Math.abs(h.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'sums to 1');
      assert.ok(massNear(h, angle, 10) > 0.85, `${name} strokes: ${massNear(h, angle, 10)} of the mass within ±10° of ${angle}`);
    }
    const flat = orientationHistogram(E.full([3, 40, 40], 0.4), { bins: 18 });
    assert.deepEqual(Array.from(flat), new Array(18).fill(1 / 18));
  });
});

test('orientationHistogram: coherent strokes outweigh flat areas and stronger isotropic noise', () => {
  E.tidy(() => {
    // Left half strokes, right half uniform noise of range 0.5 (more gradient energy than the strokes).
    const a = strokes(1, 192, 192, Math.PI / 4);
    const mixed = E.F.cat([a.narrow(3, 0, 96), noise(9, [1, 1, 192, 96], 0.25, 0.75)], 3);
    const near = massNear(orientationHistogram(mixed), Math.PI / 4, 15);
    // Energy alone as weight gives ~0.34 here, coherence × energy ~0.67: the noise would dominate.
    assert.ok(near > 0.8, `the strokes should hold most of the weight, got ${near} within ±15°`);
  });
});

test('orientationDistance: 0 for identical, ~1 turned 90°, grows with the turn, small under noise', () => {
  E.tidy(() => {
    const a = strokes(1, 192, 192, Math.PI / 4);
    assert.equal(orientationDistance(a, a), 0);
    const turned = orientationDistance(a, a.transpose(2, 3).flip(3));
    assert.ok(turned > 0.85 && turned <= 1, `strokes turned 90° should be ~1, got ${turned}`);
    const d30 = orientationDistance(a, strokes(1, 192, 192, Math.PI / 4 + Math.PI / 6));
    const d60 = orientationDistance(a, strokes(1, 192, 192, Math.PI / 4 + Math.PI / 3));
    assert.ok(d30 > 0.25 && d30 < 0.45, `30° should read ~1/3, got ${d30}`);
    assert.ok(d60 > d30 && d60 < turned, `60° (${d60}) between 30° (${d30}) and 90° (${turned})`);
    const noisy = orientationDistance(a, a.add(noise(3, [1, 1, 192, 192], -0.05, 0.05)));
    assert.ok(noisy < 0.02, `noise should barely move the histogram, got ${noisy}`);
    const other = orientationDistance(a, strokes(7, 192, 192, Math.PI / 4));
    assert.ok(other < 0.02, `another sample of the same strokes should be near, got ${other}`);
    const isotropic = orientationDistance(a, noise(4, [1, 1, 192, 192]));
    assert.ok(isotropic > 0.3 && isotropic < 0.6, `strokes vs isotropic noise ~0.5 (delta vs uniform), got ${isotropic}`);
  });
});

test('orientationDistance: symmetric, blind to brightness offsets and contrast, any sizes and channels', () => {
  E.tidy(() => {
    const a = strokes(2, 128, 160, Math.PI / 3);
    const b = strokes(5, 160, 128, 0).add(noise(6, [1, 1, 160, 128], -0.05, 0.05));
    // The same transport either way (up to rounding: the median of F and of −F are different ties).
    assert.ok(Math.abs(orientationDistance(a, b) - orientationDistance(b, a)) < 1e-12, 'symmetric');
    assert.ok(orientationDistance(a, a.add(0.1)) < 1e-5, 'brightness offset');
    assert.ok(orientationDistance(a, a.mul(0.5)) < 1e-5, 'contrast');
    // RGB (C, H, W) against a grey batch of two of another size: grey RGB is the same luma.
    const rgb = E.F.cat([a, a, a], 1).squeeze(0);
    assert.ok(orientationDistance(rgb, E.F.cat([a, a], 0)) < 1e-5, 'grey as RGB, and a batch pools');
    assert.ok(orientationDistance(rgb, b) > 0.3, 'a 60° turn is still seen across shapes');
  });
});

test('orientation metrics free every tensor they make and reject bad arguments', () => {
  E.tidy(() => {
    const a = strokes(3, 64, 64, 1), b = a.flip(3);
    const before = E.liveTensors();
    orientationDistance(a, b);
    orientationHistogram(a, { bins: 12, sigma: 2 });
    assert.equal(E.liveTensors(), before);
    assert.throws(() => orientationHistogram(a, { bins: 1 }), /bins/);
    assert.throws(() => orientationHistogram(a, { sigma: 0.5 }), /sigma/);
    assert.throws(() => orientationHistogram(E.zeros([64, 64])), /image/);
  });
});
