// --tile / --tile-overlap / --tile-above as TilingOptions, and their errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTiling } from '../../src/cli/commands/tiling-options.js';

test('tiling flags: defaults, tile every frame, never tile, errors', () => {
  assert.deepEqual(parseTiling({}), {});
  assert.deepEqual(parseTiling({ tile: 256 }), { tile: 256, tileAbove: 0 });
  assert.deepEqual(parseTiling({ tile: 256, tileAbove: 1e6, tileOverlap: 64 }), { tile: 256, tileAbove: 1e6, overlap: 64 });
  assert.deepEqual(parseTiling({ tile: 0 }), { tileAbove: Infinity });
  assert.deepEqual(parseTiling({ tileAbove: 500000 }), { tileAbove: 500000 });
  assert.throws(() => parseTiling({ tile: 32 }), /at least 64/);
  assert.throws(() => parseTiling({ tile: 128, tileOverlap: 64 }), /less than half the tile/);
  assert.throws(() => parseTiling({ tileOverlap: -1 }), /0 or more/);
  assert.throws(() => parseTiling({ tileAbove: -5 }), /0 or more/);
});
