// Carried strokes keep a margin from gaps (where the background came out from behind a figure), not
// from thin unseen lines along outlines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clearOfGaps, gapMargin } from '../../src/synth/carry-margin.js';

test('a wide gap loses its neighbours up to the margin; a thin unseen line and the rest keep theirs', () => {
  const w = 40, h = 30;
  const seen = new Float32Array(w * h).fill(1);
  const at = (x: number, y: number) => y * w + x;
  for (let y = 5; y < 15; y++) for (let x = 5; x < 15; x++) seen[at(x, y)] = 0; // a 10×10 gap
  for (let y = 0; y < h; y++) seen[at(30, y)] = 0; // an unseen line 1 px wide
  const trusted = Float32Array.from(seen);
  trusted[at(25, 25)] = 0; // untrusted for another reason (the rough's luma): no margin
  const out = clearOfGaps(trusted, seen, w, h, 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const nearGap = x >= 2 && x < 18 && y >= 2 && y < 18;
    const want = nearGap ? 0 : trusted[at(x, y)]!;
    assert.equal(out[at(x, y)], want, `(${x}, ${y})`);
  }
  assert.equal(trusted[at(3, 3)], 1, 'the input is left as it was');
  assert.deepEqual(clearOfGaps(trusted, seen, w, h, 0), trusted, 'no margin: the trust as it was');
  // With thin 0 the line is a gap too: its neighbours within the margin go.
  const line = clearOfGaps(trusted, seen, w, h, 2, 0);
  assert.equal(line[at(28, 20)], 0);
  assert.equal(line[at(27, 20)], 1);
});

test('the margin follows the search level and the flow grid; bad sizes are refused', () => {
  assert.equal(gapMargin(5, 0, 256, 256), 3);
  assert.equal(gapMargin(5, 2, 1920, 960), 6);
  assert.equal(gapMargin(7, 1, 960, 960), 8);
  assert.throws(() => clearOfGaps(new Float32Array(10), new Float32Array(12), 3, 4, 1), /12 values for a 3x4 grid/);
  assert.throws(() => clearOfGaps(new Float32Array(12), new Float32Array(12), 3, 4, 1.5), /whole numbers/);
});
