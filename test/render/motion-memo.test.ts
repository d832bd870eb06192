// A final frame's strokes and its blend read the same motion pass: decoded once, handed out safely.
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
