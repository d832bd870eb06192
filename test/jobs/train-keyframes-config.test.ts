// A keyframe fine-tune's schedule (train-keyframes.ts): today's discriminator view and blank-rough
// patches also for bases trained before them, since the adversarial term is on from the first step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeConfig } from '../../src/models/look/config.js';
import { keyframeFineTuneConfig } from '../../src/jobs/train-keyframes.js';

test('keyframe fine-tunes of a base trained before the discriminator view and blank-rough patches get them; a base that set them keeps its own', () => {
  const c = makeConfig([{ name: 'normal', channels: 3 }]);
  const old = { ...c, train: { ...c.train, discShift: undefined, discBlur: undefined, blankProb: undefined } };
  const ft = keyframeFineTuneConfig(old, 60).train;
  assert.deepEqual([ft.discShift, ft.discBlur, ft.blankProb, ft.advStart, ft.budgetSeconds, ft.seed], [3, true, 0.3, 0, 60, c.train.seed]);
  const own = keyframeFineTuneConfig({ ...c, train: { ...c.train, discShift: 1, discBlur: false, blankProb: 0 } }, 60, 7).train;
  assert.deepEqual([own.discShift, own.discBlur, own.blankProb, own.seed], [1, false, 0, 7]);
  assert.deepEqual(keyframeFineTuneConfig(c, 60).arch, c.arch, 'same network as the base');
});
