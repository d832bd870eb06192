// Sliced Wasserstein distance and the look metrics built on it (patch SWD, texture SWD, hfRatio).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import {
  swd, resampleQuantiles, randomProjections, samplePatches, styleSwd, textureSwd, hfRatio, highPass, luminance,
  gaussianBlur, gaussians, mulberry32, psnr, ssim,
} from '../../src/metrics/index.js';
import { noise, painting } from './images.js';

E.setNumThreads(1);
const close = (a: number, b: number, tol: number, what = ''): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what} expected ${b} ± ${tol}, got ${a}`);

/** n samples of a D-dim standard normal shifted by `shift` in every coordinate. */
function gaussianSet(seed: number, n: number, d: number, shift = 0): E.Tensor {
  return E.tensor(Float32Array.from(gaussians(mulberry32(seed), n * d), (v) => v + shift), [n, d]);
}

test('swd: 0 for identical (or reordered) sets, grows with a shift as |v|/sqrt(D)', () => {
  E.tidy(() => {
    const a = gaussianSet(1, 2000, 8);
    assert.equal(swd(a, a), 0);
    assert.ok(swd(a, a.flip(0)) < 1e-6, 'order of the set does not matter (up to matmul rounding)');
    // Translating a set by v moves every projection on θ by v·θ: SWD² = E[(v·θ)²] = |v|²/D.
    let prev = 0;
    for (const s of [0.1, 0.3, 1]) {
      const d = swd(a, a.add(s), { projections: 256 });
      close(d, s, 0.2 * s, `shift ${s} per coordinate (|v|/√D = ${s})`);
      assert.ok(d > prev);
      prev = d;
    }
  });
});

test('swd: sets of different sizes compare by quantiles; same distribution ≈ 0', () => {
  E.tidy(() => {
    const a = gaussianSet(2, 3000, 4);
    const same = swd(a, gaussianSet(3, 700, 4));
    const shifted = swd(a, gaussianSet(3, 700, 4, 1));
    assert.ok(same < 0.1, `same distribution should be near 0, got ${same}`);
    assert.ok(shifted > 0.7, `shift by 1 per coordinate should be ≈ 1, got ${shifted}`);
    // Quantile resampling: identity at the same size, linear interpolation between samples otherwise.
    const s = E.tensor([0, 1, 2, 3], [4, 1]);
    assert.deepEqual(resampleQuantiles(s, 4).toArray(), [0, 1, 2, 3]);
    // Levels (j + 0.5)/8 at positions 8·level/… → t = (j + 0.5)/2 − 0.5, clamped to [0, 3].
    assert.deepEqual(resampleQuantiles(s, 8).toArray(), [0, 0, 0.5, 1, 1.5, 2, 2.5, 3].map((v, j) => Math.min(Math.max((j + 0.5) / 2 - 0.5, 0), 3)));
    assert.deepEqual(resampleQuantiles(E.tensor([0, 10], [2, 1]), 1).toArray(), [5]);
  });
});

test('swd: deterministic for a seed and does not touch the global generator', () => {
  E.tidy(() => {
    const a = gaussianSet(4, 500, 6), b = gaussianSet(5, 400, 6, 0.3);
    E.manualSeed(11);
    const r1 = E.rand([4]).toArray();
    E.manualSeed(11);
    const d1 = swd(a, b, { seed: 9 });
    const r2 = E.rand([4]).toArray();
    assert.deepEqual(r2, r1, 'the global generator sequence is unchanged');
    assert.equal(swd(a, b, { seed: 9 }), d1);
    assert.notEqual(swd(a, b, { seed: 10 }), d1);
    const p = randomProjections(6, 32, 3);
    const norms = p.square().sum(0).toArray();
    for (const n of norms) close(n, 1, 1e-5, 'unit directions');
    assert.deepEqual(randomProjections(6, 32, 3).toArray(), p.toArray());
  });
});

test('samplePatches: layout (c, dy, dx), distinct positions, all positions on small images', () => {
  E.tidy(() => {
    // Pixel value encodes (c, y, x) so every patch row can be checked against its position.
    const h = 6, w = 7;
    const img = E.tensor(Float32Array.from({ length: 2 * h * w }, (_, i) => i), [1, 2, h, w]);
    const all = samplePatches(img, 3);
    assert.deepEqual(all.shape, [(h - 2) * (w - 2), 18]);
    const rows = all.toArray();
    const seen = new Set<number>();
    for (let p = 0; p < all.size(0); p++) {
      const r = rows.slice(p * 18, p * 18 + 18);
      const y0 = Math.floor(r[0]! / w), x0 = r[0]! % w;
      seen.add(r[0]!);
      for (let c = 0; c < 2; c++) for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) {
        assert.equal(r[c * 9 + dy * 3 + dx], c * h * w + (y0 + dy) * w + x0 + dx);
      }
    }
    assert.equal(seen.size, (h - 2) * (w - 2), 'every position once');
    const few = samplePatches(E.F.cat([img, img], 0), 3, { perImage: 5, seed: 2 });
    assert.deepEqual(few.shape, [10, 18]);
    assert.equal(new Set(few.slice(0, 0, 5).slice(1, 0, 1).toArray()).size, 5, 'distinct positions');
  });
});

test('luminance and highPass: Rec.601 weights; a flat image has no high-pass (reflect edges)', () => {
  E.tidy(() => {
    const rgb = E.tensor([1, 0, 0, 0, 1, 0, 0, 0, 1], [3, 1, 3]);
    const y = luminance(rgb);
    assert.deepEqual(y.shape, [1, 1, 1, 3]);
    y.toArray().forEach((v, i) => close(v, [0.299, 0.587, 0.114][i]!, 1e-6));
    const flat = highPass(E.full([1, 1, 16, 16], 0.4));
    assert.ok(flat.abs().max().item() < 1e-6, 'flat image → zero band, edges included');
    // A ramp is not flat, but the band is small compared with a checkerboard.
    const checker = E.tensor(Float32Array.from({ length: 256 }, (_, i) => ((i % 16) + Math.floor(i / 16)) % 2), [1, 1, 16, 16]);
    assert.ok(highPass(checker).var().item() > 0.2, 'a checkerboard is almost all high frequency');
  });
});

test('look metrics: a blurred output has low hfRatio and high texture SWD vs a sharp ground truth', () => {
  E.tidy(() => {
    const gt = painting(1, [1, 3, 64, 64]);
    const other = painting(1, [1, 3, 64, 64], 0.15, 77); // same painting, a different draw of its grain
    const blurred = gaussianBlur(gt, 1.5);
    assert.equal(styleSwd(gt, gt), 0);
    assert.equal(textureSwd(gt, gt), 0);
    close(hfRatio(gt, gt), 1, 1e-12);
    const hfBlur = hfRatio(blurred, gt), hfOther = hfRatio(other, gt);
    assert.ok(hfBlur < 0.2, `blur removes most high-frequency energy: ${hfBlur}`);
    assert.ok(Math.abs(hfOther - 1) < 0.15, `a same-texture image keeps it: ${hfOther}`);
    const tBlur = textureSwd(blurred, gt), tOther = textureSwd(other, gt);
    assert.ok(tBlur > 3 * tOther, `texture SWD: blurred ${tBlur} vs same texture ${tOther}`);
    const sBlur = styleSwd(blurred, gt), sOther = styleSwd(other, gt);
    assert.ok(sBlur > 1.5 * sOther, `patch SWD: blurred ${sBlur} vs same texture ${sOther}`);
    // …while the pixel metrics prefer the blur: the reason the look metrics exist.
    assert.ok(psnr(blurred, gt) > psnr(other, gt) && ssim(blurred, gt) > ssim(other, gt));
    // A colour cast is a look change the patch SWD sees but the texture band does not.
    const tinted = gt.mul(E.tensor([1, 0.8, 0.6], [1, 3, 1, 1]));
    assert.ok(styleSwd(tinted, gt) > 2 * sOther, 'colour cast raises patch SWD');
    assert.ok(styleSwd(gt, gt, { seed: 3, perImage: 500 }) === 0);
    assert.equal(styleSwd(other, gt, { seed: 4 }), styleSwd(other, gt, { seed: 4 }), 'deterministic');
    // Different sizes are fine: distributions, not pixels.
    assert.ok(textureSwd(painting(5, [2, 3, 40, 48]), gt) < tBlur);
  });
});

test('metrics free their temporaries', () => {
  E.tidy(() => {
    const a = painting(1, [1, 3, 32, 32]), b = noise(2, [1, 3, 32, 32]);
    const fa = a.reshape([-1, 3]), fb = b.reshape([-1, 3]);
    const before = E.liveTensors();
    styleSwd(a, b); textureSwd(a, b); hfRatio(a, b); swd(fa, fb);
    assert.equal(E.liveTensors(), before);
    const hp = highPass(a), y = luminance(a);
    assert.equal(E.liveTensors(), before + 2, 'only the returned tensors remain');
    hp.dispose(); y.dispose();
    assert.equal(E.liveTensors(), before);
    assert.equal(E.liveTensors(), before);
  });
});

test('gaussianBlur: the in-place path (no gradient) gives the depthwise-conv path\'s numbers, and gradients flow', () => {
  E.tidy(() => {
    const x = painting(3, [2, 3, 37, 53]);
    for (const sigma of [0.8, 1.2, 3]) {
      const fast = gaussianBlur(x, sigma);
      const leaf = x.clone().requiresGrad_();
      const conv = gaussianBlur(leaf, sigma); // a differentiable input takes the convs
      assert.ok(conv.requiresGrad);
      close(fast.sub(conv).abs().max().item(), 0, 1e-6, `sigma ${sigma}`);
      // A blur keeps the mean of a reflect-padded constant image and smooths a step.
      close(gaussianBlur(E.full([1, 1, 20, 20], 0.3), sigma).sub(0.3).abs().max().item(), 0, 1e-6);
      conv.sum().backward();
      assert.ok(leaf.grad && leaf.grad.abs().sum().item() > 0, 'gradient reaches the input');
    }
  });
});
