// The repair pass of the synthesis: pixels the coarser level matched to the wrong strokes (patch
// distance far above the rest) are matched again by exhaustive search, within their own object when
// ID labels are given, and side by side they copy a coherent run of the source rather than one
// patch repeated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { repairWorst } from '../../src/synth/synthesize.js';
import type { Nnf } from '../../src/synth/nnf.js';

const W = 8, H = 8, D = 2;
/** Source 8×8, one exemplar: feature (x, 0) at column x, so a shifted patch is one column on. */
function source(): Float32Array {
  const f = new Float32Array(W * H * D);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) f[(y * W + x) * D] = x;
  return f;
}
/** Target: feature 0 everywhere but a 3×2 block (x 4..6, y 2..3) that wants columns 5..7. */
function target(): Float32Array {
  const f = new Float32Array(W * H * D);
  for (let y = 2; y <= 3; y++) for (let x = 4; x <= 6; x++) f[(y * W + x) * D] = x + 1;
  return f;
}
const block = (p: number) => { const x = p % W, y = Math.floor(p / W); return x >= 4 && x <= 6 && y >= 2 && y <= 3; };
/** Every target pixel copies source column 0 of its row: right but for the block. */
const field = (): Nnf => ({ width: W, height: H, source: { count: 1, height: H, width: W }, index: Int32Array.from({ length: W * H }, (_, p) => Math.floor(p / W) * W) });
const colOf = (s: number) => s % W;

function run(o: Partial<Parameters<typeof repairWorst>[3]> = {}, t = target()) {
  const g = E.zeros([1, 3, H, W]);
  try {
    return repairWorst(field(), g, () => t, { source: source(), dims: D, fraction: 0.2, factor: 3, guideWeight: 1, ...o });
  } finally { g.dispose(); }
}

test('repair: only the badly matched pixels are searched again, and they find their patches', () => {
  const r = run();
  assert.ok(r, 'the block is repaired');
  for (let p = 0; p < W * H; p++) {
    if (!block(p)) assert.equal(r.index[p], field().index[p], `pixel ${p} outside the block kept its patch`);
    else assert.equal(colOf(r.index[p]!), (p % W) + 1, `pixel ${p} copies the column it matches`);
  }
});

test('repair: a flat region copies a coherent run of the source, not one patch side by side', () => {
  // Every block pixel matches column 5 best (all rows alike): alone each would take the same patch.
  const t = target();
  for (let p = 0; p < W * H; p++) if (block(p)) t[p * D] = 5;
  const r = run({}, t);
  assert.ok(r);
  for (let p = 0; p < W * H; p++) {
    if (!block(p)) continue;
    assert.ok(Math.abs(colOf(r.index[p]!) - 5) <= 2, `pixel ${p} copies near column 5, got ${colOf(r.index[p]!)}`);
    if (block(p - 1)) assert.notEqual(r.index[p], r.index[p - 1], `pixels ${p - 1} and ${p} share a patch`);
    if (block(p - W)) assert.notEqual(r.index[p], r.index[p - W], `pixels ${p - W} and ${p} share a patch`);
  }
});

test('repair: nothing to do where every pixel fits', () => {
  assert.equal(run({}, new Float32Array(W * H * D)), null);
});

test('repair: a labelled pixel takes its own object\'s patch over a closer one of another object', () => {
  // Source columns 5..7 belong to object 2; column 3 to object 1; the block is object 1.
  const labels = { source: Int32Array.from({ length: W * H }, (_, s) => (colOf(s) >= 5 ? 2 : colOf(s) === 3 ? 1 : -1)), target: Int32Array.from({ length: W * H }, (_, p) => (block(p) ? 1 : -1)), penalty: 1 };
  const r = run({ labels });
  assert.ok(r);
  for (let p = 0; p < W * H; p++) if (block(p)) assert.equal(labels.source[r.index[p]!], 1, `pixel ${p} copies object 1`);
});

test('repair: pixels a carried field will replace are left as they are', () => {
  // The block's top row is kept (a temporal hint carries it at the searched level); its bottom row is repaired.
  const keep = Uint8Array.from({ length: W * H }, (_, p) => (Math.floor(p / W) === 2 ? 1 : 0));
  const r = run({ keep });
  assert.ok(r);
  for (let p = 0; p < W * H; p++) {
    if (!block(p) || keep[p]) assert.equal(r.index[p], field().index[p], `pixel ${p} kept its patch`);
    else assert.equal(colOf(r.index[p]!), (p % W) + 1, `pixel ${p} copies the column it matches`);
  }
  // Everything kept: nothing is searched.
  assert.equal(run({ keep: new Uint8Array(W * H).fill(1) }), null);
});
