// Reinhard colour transfer: lαβ round trip, statistics matching, identity with the source's own stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { reinhardTransfer, labStats, rgbToLab, labToRgb, type LabStats } from '../../src/metrics/index.js';
import { painting } from './images.js';

E.setNumThreads(1);
const close = (a: number, b: number, tol: number, what = ''): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what} expected ${b} ± ${tol}, got ${a}`);
const closeStats = (got: LabStats, want: LabStats, tol: number, what: string): void => {
  for (let c = 0; c < 3; c++) {
    close(got.mean[c]!, want.mean[c]!, tol, `${what} mean[${c}]`);
    close(got.std[c]!, want.std[c]!, tol, `${what} std[${c}]`);
  }
};

test('rgb → lαβ → rgb is lossless (black included); grey has α = β ≈ 0', () => {
  E.tidy(() => {
    const x = E.F.cat([painting(1, [1, 3, 16, 16]), E.zeros([1, 3, 16, 16]), E.ones([1, 3, 16, 16])], 0);
    const lab = rgbToLab(x);
    assert.ok(lab.isfinite().logicalNot().sum().item() === 0, 'log of 0 is guarded');
    assert.ok(labToRgb(lab).sub(x).abs().max().item() < 1e-6);
    // The LMS rows sum to ≈ 1, so neutral colours sit on the l axis.
    const grey = rgbToLab(E.full([3, 1, 1], 0.5)).toArray();
    close(grey[1]!, 0, 2e-3, 'α of grey');
    close(grey[2]!, 0, 2e-3, 'β of grey');
  });
});

test('reinhardTransfer moves lαβ mean and std to the reference statistics', () => {
  E.tidy(() => {
    const src = painting(1, [1, 3, 48, 48], 0.1);
    // A warm, low-contrast reference (like concept art with a different grade).
    const ref = painting(2, [1, 3, 48, 48], 0.05).mul(E.tensor([0.6, 0.45, 0.3], [1, 3, 1, 1])).add(E.tensor([0.3, 0.25, 0.1], [1, 3, 1, 1]));
    const target = labStats([ref]);
    const before = labStats(src);
    assert.ok(Math.abs(before.mean[1] - target.mean[1]) > 0.1 && before.std[0] > 2 * target.std[0], 'the test needs a visibly different grade');
    const out = reinhardTransfer(src, target);
    assert.deepEqual(out.shape, src.shape);
    assert.ok(out.min().item() >= 0 && out.max().item() <= 1);
    closeStats(labStats(out), target, 2e-3, 'after transfer');
    // (C, H, W) input gives (C, H, W) output, same values.
    const single = reinhardTransfer(src.squeeze(0), target);
    assert.deepEqual(single.shape, [3, 48, 48]);
    assert.ok(single.sub(out.squeeze(0)).abs().max().item() < 1e-6);
  });
});

test('reinhardTransfer with the source\'s own statistics is the identity', () => {
  E.tidy(() => {
    const src = painting(3, [1, 3, 32, 32]);
    assert.ok(reinhardTransfer(src, labStats(src)).sub(src).abs().max().item() < 1e-5);
  });
});

test('batches: each image is matched on its own unless sourceStats are given; labStats pools images', () => {
  E.tidy(() => {
    const a = painting(4, [1, 3, 32, 32]);
    const b = painting(5, [1, 3, 32, 32]).mul(0.5);
    const target = labStats(painting(6, [1, 3, 32, 32]).mul(0.8).add(0.1));
    const out = reinhardTransfer(E.F.cat([a, b], 0), target);
    closeStats(labStats(out.slice(0, 0, 1)), target, 0.01, 'image 0');
    closeStats(labStats(out.slice(0, 1, 2)), target, 0.01, 'image 1');
    // Shared (shot-wide) source stats keep the relative difference between frames.
    const shot = reinhardTransfer(E.F.cat([a, b], 0), target, { sourceStats: labStats([a, b]) });
    closeStats(labStats(shot), target, 0.01, 'whole shot');
    assert.ok(labStats(shot.slice(0, 0, 1)).mean[0] > labStats(shot.slice(0, 1, 2)).mean[0] + 0.1, 'frame b stays darker');
    // Pooled statistics equal those of the concatenated pixels (sizes may differ).
    const big = painting(7, [1, 3, 40, 24]);
    const pooled = labStats([a, big]);
    const flat = labStats(E.F.cat([a.reshape([1, 3, 1, -1]), big.reshape([1, 3, 1, -1])], 3));
    closeStats(pooled, flat, 1e-9, 'pooled');
    assert.throws(() => reinhardTransfer(E.ones([1, 1, 4, 4]), target), /3 \(RGB\) channels/);
  });
});
