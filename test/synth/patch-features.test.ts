// Patch features: the guide's share computed once per level equals the whole stack's projection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { fitPatchBasis, patchFeatures, FixedPartFeatures } from '../../src/synth/patch-features.js';

E.setNumThreads(1);

test('FixedPartFeatures: the fixed channels projected once plus the rest equal the whole stack\'s patchFeatures, padding included', () => {
  E.manualSeed(5);
  const guide = E.rand([1, 7, 19, 23]);
  const basis = E.tidy(() => fitPatchBasis(E.F.cat([guide, E.rand([1, 3, 19, 23])], 1), 5, 8, 256));
  const before = E.liveTensors();
  const parts = new FixedPartFeatures(guide, basis);
  try {
    for (let i = 0; i < 2; i++) {
      const est = E.rand([1, 3, 19, 23]);
      const whole = E.tidy(() => patchFeatures(E.F.cat([guide, est], 1), basis));
      const split = parts.features(est);
      assert.equal(split.length, whole.length);
      let worst = 0;
      for (let j = 0; j < whole.length; j++) worst = Math.max(worst, Math.abs(split[j]! - whole[j]!));
      assert.ok(worst < 1e-5, `max difference ${worst}`);
      est.dispose();
    }
    E.tidy(() => {
      assert.throws(() => parts.features(E.rand([1, 4, 19, 23])), /need the other 3 channels, got 4/);
      assert.throws(() => new FixedPartFeatures(E.rand([1, 10, 19, 23]), basis), /must leave channels to project: 10 of 10/);
    });
  } finally {
    parts.dispose();
  }
  assert.equal(E.liveTensors(), before, 'no tensor left behind');
  E.disposeAll([guide, basis.weight]);
});
