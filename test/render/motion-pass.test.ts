// Motion passes: encoded and decoded, and read once for a final frame's strokes and its blend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { MotionMemo, type MotionVectors } from '../../src/render/motion-pass.js';

test('the motion memo decodes a frame once for its readers, each owning what it gets', async () => {
  const loads: number[] = [];
  const memo = new MotionMemo(async (n) => {
    loads.push(n);
    return { back: E.full([1, 2, 4, 4], n), visible: E.ones([1, 1, 4, 4]) };
  });
  const free = (m: MotionVectors) => E.disposeAll([m.back, m.visible]);
  const a = await memo.get(3);
  free(a); // a reader's copy: freeing it leaves the kept vectors intact
  const b = await memo.take(3);
  assert.equal(b.back.mean().item(), 3);
  assert.deepEqual(loads, [3], 'the strokes and the blend of frame 3 share one decode');
  free(b);
  free(await memo.take(3)); // taken: the memo no longer holds frame 3
  free(await memo.get(4));
  free(await memo.get(5)); // another frame replaces the kept one
  free(await memo.get(4));
  assert.deepEqual(loads, [3, 3, 4, 5, 4]);
  const before = E.liveTensors();
  memo.close();
  await new Promise((r) => setImmediate(r));
  assert.ok(E.liveTensors() < before, 'close frees the kept vectors');
  free(await memo.get(5));
  free(await memo.get(5));
  assert.deepEqual(loads, [3, 3, 4, 5, 4, 5, 5], 'after close every request loads');
});

test('a motion pass that fails to load fails its readers, and the memo goes on', async () => {
  const memo = new MotionMemo(async (n) => {
    if (n === 2) throw new Error('frame 2: cannot decode image');
    return { back: E.zeros([1, 2, 2, 2]), visible: E.ones([1, 1, 2, 2]) };
  });
  await assert.rejects(memo.get(2), /cannot decode/);
  await assert.rejects(memo.take(2), /cannot decode/);
  const m = await memo.get(1);
  E.disposeAll([m.back, m.visible]);
  memo.close();
});

test('a motion pass encoded and decoded gives the vectors back to 1/64 px, and its visibility', async () => {
  const { encodeMotionPass, decodeMotionPass } = await import('../../src/render/motion-pass.js');
  const back = E.tensor(Float32Array.from([0, -3.25, 17.01, -511.9, 2, 0.5, -0.02, 900]), [1, 2, 2, 2]);
  const visible = E.tensor(Float32Array.from([1, 0, 1, 1]), [1, 1, 2, 2]);
  const pass = encodeMotionPass({ back, visible });
  // Through 16-bit integers as a PNG would hold them.
  const stored = E.tidy(() => pass.mul(65535).round().div(65535));
  const m = decodeMotionPass(stored);
  const got = m.back.data() as Float32Array;
  const want = [0, -3.25, 17.01, -511.9, 2, 0.5, -0.02, 511.984375];
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 0.5 / 64 + 1e-6, `vector ${i}: ${v} for ${want[i]}`));
  // The last vector (900 px down) is beyond what the format holds: clamped, so not visible.
  assert.deepEqual([...(m.visible.data() as Float32Array)], [1, 0, 1, 0]);
  E.disposeAll([back, visible, pass, stored, m.back, m.visible]);
});

test('a vector at the motion format\'s limit is read as not visible, whatever its visibility says', async () => {
  const { decodeMotionPass } = await import('../../src/render/motion-pass.js');
  // R, G, B of four pixels as 16-bit values: in range; R clamped low; G clamped high; in range but occluded.
  const px = [[32768 + 64, 32768, 65535], [0, 32768, 65535], [32768, 65535, 65535], [40000, 30000, 0]];
  const pass = E.tensor(Float32Array.from([0, 1, 2].flatMap((c) => px.map((p) => p[c]! / 65535))), [1, 3, 1, 4]);
  const m = decodeMotionPass(pass);
  assert.deepEqual([...(m.visible.data() as Float32Array)], [1, 0, 0, 0]);
  assert.equal((m.back.data() as Float32Array)[0], 1, 'one pixel right, in range');
  E.disposeAll([pass, m.back, m.visible]);
});
