// The periodic-artifact detector: grid-locked patterns of period 2, 4 and 8 against noise, blur and
// other samples of the same content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { gridScore, gridPeaks, gridContrast, gaussianBlur } from '../../src/metrics/index.js';
import { noise, painting } from './images.js';

E.setNumThreads(1);

/** A ±amp checkerboard of period p (squares of p/2 px), shape (1, 1, h, w). */
function checker(p: number, h: number, w: number, amp: number): E.Tensor {
  const d = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = (Math.floor((2 * x) / p) + Math.floor((2 * y) / p)) % 2 ? amp : -amp;
  return E.tensor(d, [1, 1, h, w]);
}

/** 0.5 + amp·cos(2π(fx·x + fy·y)), shape (1, 1, h, w). */
function tone(fx: number, fy: number, h: number, w: number, amp: number): E.Tensor {
  const d = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = 0.5 + amp * Math.cos(2 * Math.PI * (fx * x + fy * y));
  return E.tensor(d, [1, 1, h, w]);
}

/** Frequencies equal modulo 1 cycle per pixel (sampling cannot tell them apart). */
const sameFreq = (a: number, b: number): boolean => Math.abs(a - b - Math.round(a - b)) < 1e-9;

const top = (out: E.Tensor, gt: E.Tensor) => gridPeaks(out, gt).reduce((m, p) => (p.ratio > m.ratio ? p : m));

test('gridContrast: a grid-locked sinusoid lands on its own frequency with the predicted power, nowhere else', () => {
  E.tidy(() => {
    for (const [fx, fy, period] of [[-1 / 8, 1 / 8, 8], [1 / 2, 0, 2], [1 / 4, 3 / 8, 8], [0, 1 / 4, 4]] as const) {
      const c = gridContrast(tone(fx, fy, 128, 192, 0.01));
      assert.equal(c.length, 33);
      const hit = c.filter((p) => p.contrast > 1.01);
      assert.equal(hit.length, 1, `only one frequency should peak for (${fx}, ${fy}), got ${JSON.stringify(hit)}`);
      // f and −f are one probe (a real image's spectrum is symmetric): either may be reported.
      const [hx, hy] = [hit[0]!.fx, hit[0]!.fy];
      assert.ok((sameFreq(hx, fx) && sameFreq(hy, fy)) || (sameFreq(hx, -fx) && sameFreq(hy, -fy)), `(${fx}, ${fy}) reported at (${hx}, ${hy})`);
      assert.equal(hit[0]!.period, period);
      // A sinusoid of amplitude a on a 64 px tile under a Hann window: (a/2 · Σw)² = (a·64²/8)², over a
      // floor of (1e-3)² · Σw² = 1e-6 · 24²; a Nyquist one has no −f twin, so twice the amplitude.
      const amp = fx === 0.5 ? 0.02 : 0.01;
      const expected = (amp * 512) ** 2 / (1e-6 * 576) + 1;
      assert.ok(Math.abs(hit[0]!.contrast / expected - 1) < 0.01, `contrast ${hit[0]!.contrast}, expected ${expected}`);
      for (const p of c) if (p !== hit[0]) assert.ok(Math.abs(p.contrast - 1) < 0.01);
    }
  });
});

test('gridScore: identical is 1; a 0.02 checker of period 2, 4 or 8 scores > 1.5 at its period, noise of that size < 1.2', () => {
  E.tidy(() => {
    const a = painting(1, [1, 3, 256, 256]);
    assert.equal(gridScore(a, a), 1);
    for (const p of [2, 4, 8]) {
      const pk = top(a.add(checker(p, 256, 256, 0.02)), a);
      assert.ok(pk.ratio > 1.5, `period ${p} checker should stand out, got ${pk.ratio}`);
      assert.equal(pk.period, p, `period ${p} checker peaks at (${pk.fx}, ${pk.fy})`);
      // A checker's energy sits on odd harmonics of 1/p along both axes (1/8 or 3/8 for p = 8).
      for (const f of [pk.fx, pk.fy]) assert.equal((Math.abs(f) * p) % 2, 1, `period ${p} checker peaks at (${pk.fx}, ${pk.fy})`);
    }
    for (const seed of [5, 6]) {
      const s = gridScore(a.add(noise(seed, [1, 3, 256, 256], -0.02, 0.02)), a);
      assert.ok(s < 1.2, `noise of amplitude 0.02 is no grid, got ${s}`);
    }
  });
});

test('gridScore: content without a grid is ~1 against blurred, noisier and other samples of itself', () => {
  E.tidy(() => {
    const a = painting(1, [1, 3, 256, 256]);
    for (const sigma of [0.7, 2]) {
      const b = gaussianBlur(a, sigma);
      assert.ok(gridScore(b, a) < 1.05, `blurred output (σ ${sigma}): ${gridScore(b, a)}`);
      assert.ok(gridScore(a, b) < 1.3, `blurred reference (σ ${sigma}): ${gridScore(a, b)}`);
    }
    for (const seed of [2, 3, 4]) {
      const s = gridScore(painting(seed, [1, 3, 256, 256]), a);
      assert.ok(s < 1.3, `another painting (seed ${seed}) has no more grid than this one, got ${s}`);
    }
  });
});

test('gridScore is relative to the reference: a grid both share does not count, nor one only the reference has', () => {
  E.tidy(() => {
    const a = painting(1, [1, 3, 256, 256]), g = checker(2, 256, 256, 0.02);
    const both = gridScore(a.add(g).add(noise(7, [1, 3, 256, 256], -0.02, 0.02)), a.add(g));
    assert.ok(both < 1.2, `a grid in both images: ${both}`);
    const onlyGt = gridScore(a, a.add(g));
    assert.ok(onlyGt < 1.2, `only the reference has it: ${onlyGt}`);
    // Sizes, batches and channels may differ: a grey crop with the grid against the RGB reference.
    const grey = a.add(g).narrow(2, 0, 192).narrow(3, 0, 128).mean(1, true);
    assert.ok(gridScore(E.F.cat([grey, grey], 0), a) > 1.5);
  });
});

test('grid metrics free every tensor they make and reject bad arguments', () => {
  E.tidy(() => {
    const a = painting(2, [1, 3, 128, 128]), b = a.add(checker(4, 128, 128, 0.01)), c = a.squeeze(0);
    const before = E.liveTensors();
    gridScore(a, b);
    gridContrast(c, { tile: 32 });
    assert.equal(E.liveTensors(), before);
    assert.throws(() => gridScore(a, a, { tile: 60 }), /multiple of 8/);
    assert.throws(() => gridScore(a, a, { tile: 24 }), /at least 32/);
    assert.throws(() => gridScore(a.narrow(2, 0, 60), a), /at least 64x64/);
  });
});
