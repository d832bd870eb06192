// The blank-rough augmentation (augment.ts): a training patch with guides gets a rectangle of its
// rough frame made flat, as buildInput makes a flat region of a rough frame; guides, flag and target
// stay. Without guides, or with blankProb 0 / absent (configs written before it), batches are as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { makeConfig, inputChannels, type LookConfig } from '../../src/models/look/config.js';
import { buildInput } from '../../src/models/look/inputs.js';
import { blankRough } from '../../src/models/look/augment.js';

const P = 64;

/** A batch of 4 patches built by buildInput from busy rough frames: two with passes, two without (concept art). */
function batch(c: LookConfig): { input: E.Tensor; target: E.Tensor } {
  return E.tidy(() => {
    E.manualSeed(11);
    const ins: E.Tensor[] = [];
    for (let i = 0; i < 4; i++) {
      // stripes of colour: the rough frame has edges everywhere
      const xs = E.arange(0, P).float().reshape([1, 1, 1, P]);
      const rough = xs.mul(0.4 + i * 0.1).sin().mul(0.4).add(0.5).expand([1, 3, P, P]).mul(E.rand([1, 3, 1, 1])).contiguous();
      const passes = i < 2 ? new Map(c.guides.map((g) => [g.name, E.rand([1, g.channels, P, P])] as const)) : null;
      ins.push(buildInput(c, rough, passes));
    }
    return { input: E.F.cat(ins, 0), target: E.rand([4, 3, P, P]) };
  });
}

test('blankRough: nothing changes, and no random number is drawn, without guides or with blankProb 0 or absent', () => {
  const configs = [
    makeConfig([], { train: { blankProb: 1 } }),
    makeConfig([{ name: 'normal', channels: 3 }], { train: { blankProb: 0 } }),
    (() => { const c = makeConfig([{ name: 'normal', channels: 3 }]); delete c.train.blankProb; return c; })(),
  ];
  for (const c of configs) {
    const b = batch(c);
    E.manualSeed(3);
    const out = blankRough(c, b);
    assert.equal(out.input, b.input);
    assert.equal(out.target, b.target);
    const next = E.rand([1]).item();
    E.manualSeed(3);
    assert.equal(E.rand([1]).item(), next, 'the RNG stream is untouched');
    b.input.dispose(); b.target.dispose();
  }
});

test('blankRough: a flat rectangle in the rough channels of patches with guides; guides, flag, target and concept patches untouched', () => {
  const c = makeConfig([{ name: 'normal', channels: 3 }, { name: 'depth', channels: 1 }], { train: { blankProb: 1 } });
  const cin = inputChannels(c); // 3 + 4 guides + edge + flag = 9
  const edgeAt = 7;
  const b = batch(c);
  E.manualSeed(5);
  const a = blankRough(c, b);
  E.tidy(() => {
    assert.deepEqual(a.input.shape, [4, cin, P, P]);
    assert.equal(a.target, b.target);
    // guides and flag are the same numbers in every patch
    assert.equal(a.input.narrow(1, 3, 4).sub(b.input.narrow(1, 3, 4)).abs().max().item(), 0);
    assert.equal(a.input.narrow(1, cin - 1, 1).sub(b.input.narrow(1, cin - 1, 1)).abs().max().item(), 0);
    // concept patches (no guides, flag 0) are untouched
    assert.equal(a.input.narrow(0, 2, 2).sub(b.input.narrow(0, 2, 2)).abs().max().item(), 0);
    for (let i = 0; i < 2; i++) {
      const changed = a.input.narrow(0, i, 1).narrow(1, 0, 3).sub(b.input.narrow(0, i, 1).narrow(1, 0, 3)).abs().sum(1, true).gt(1e-6).float();
      const area = changed.sum().item();
      // at least a quarter of the side squared, less its border band (the rectangle may leave the patch)
      assert.ok(area > 0, `patch ${i}: nothing blanked`);
      // where the edge map is 0 but was not (the rectangle's inside), the colour is one grey plus roughen's noise
      const edgeA = a.input.narrow(0, i, 1).narrow(1, edgeAt, 1);
      const inside = edgeA.eq(0).logicalAnd(b.input.narrow(0, i, 1).narrow(1, edgeAt, 1).gt(0)).float();
      const n = inside.sum().item();
      assert.ok(n > 16, `patch ${i}: the rectangle's inside has ${n} px`);
      const rgb = a.input.narrow(0, i, 1).narrow(1, 0, 3);
      const mean = rgb.mul(inside).sum([2, 3], true).div(n);
      const dev = rgb.sub(mean).mul(inside).square().sum().item() / (3 * n);
      assert.ok(Math.sqrt(dev) < 2 * c.roughen.noise, `patch ${i}: not flat inside, std ${Math.sqrt(dev)}`);
      const greys = mean.reshape([3]).toArray() as number[];
      assert.ok(Math.max(...greys) - Math.min(...greys) < 0.02, `patch ${i}: not grey ${greys}`);
    }
  });
  b.input.dispose(); b.target.dispose(); a.input.dispose();
});
