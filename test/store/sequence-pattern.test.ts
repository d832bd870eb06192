// A frame pattern takes the padding it names; files padded otherwise are left out, and now said.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findSequenceFrames, scanSequence, parseSequencePattern, frameNumber } from '../../src/store/sequence-pattern.js';
import { tempDir } from './helpers.js';

test('m.####.png takes 4-digit frames (and longer unpadded ones); m.1.png and m.04.png are named as padded otherwise', (t) => {
  const dir = tempDir(t);
  for (const n of ['m.0002.png', 'm.0003.png', 'm.12345.png', 'm.-0001.png', 'm.1.png', 'm.04.png', 'm.00002.png', 'other.0001.png']) writeFileSync(join(dir, n), 'x');
  const p = parseSequencePattern(join(dir, 'm.####.png'));
  assert.deepEqual([...findSequenceFrames(p).keys()], [-1, 2, 3, 12345]);
  assert.deepEqual(scanSequence(p).otherPadding, ['m.00002.png', 'm.04.png', 'm.1.png'].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
  assert.deepEqual([frameNumber(-3), frameNumber(7), frameNumber(12345), frameNumber(-2, 6)], ['-0003', '0007', '12345', '-000002']);
});
