import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { dilate, erode } from '../../src/image/index.js';

E.setNumThreads(1);

test('dilate and erode: the max and min over the square around each pixel, edges included', () => {
  E.tidy(() => {
    E.manualSeed(3);
    const m = E.rand([2, 1, 37, 53]).gt(0.9).float();
    for (const r of [1, 4]) {
      const k = 2 * r + 1;
      // The square's max in one pass (libtorch pads a max pool with -inf, so edges see fewer pixels).
      assert.equal(dilate(m, r).sub(E.F.maxPool2d(m, k, 1, r)).abs().max().item(), 0, `dilate ${r}`);
      assert.equal(erode(m, r).sub(E.F.maxPool2d(m.neg(), k, 1, r).neg()).abs().max().item(), 0, `erode ${r}`);
    }
    // One lit pixel grows to a (2r + 1)² square, clipped by the frame.
    const dot = E.zeros([1, 1, 9, 9]);
    const one = E.tensor(Float32Array.from({ length: 81 }, (_, i) => (i === 0 ? 1 : 0)), [1, 1, 9, 9]);
    assert.equal(dilate(one, 2).sum().item(), 9);
    assert.equal(dilate(dot, 0).sum().item(), 0);
    assert.throws(() => dilate(dot, -1), /radius must be a whole number/);
  });
});
