// Tiled inference: tiled vs whole-frame output of small conv nets (exact when the receptive field
// fits in the overlap's one-tile quarters), non-multiple frame sizes, scale > 1, no leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import * as nn from '../../src/nn/index.js';
import { runTiled, tileMaxAbsDiff, planTiles, axisWeights } from '../../src/image/tiles.js';

E.setNumThreads(1);

/** k 3x3 convs (receptive radius k) with LeakyReLU between; padding as given. */
function convNet(k: number, ch = 6, paddingMode: 'zeros' | 'reflect' = 'zeros'): nn.Sequential {
  const layers: nn.Module[] = [];
  for (let i = 0; i < k; i++) {
    layers.push(new nn.Conv2d(i === 0 ? 3 : ch, i === k - 1 ? 3 : ch, 3, { padding: 1, paddingMode }));
    if (i < k - 1) layers.push(nn.LeakyReLU(0.2));
  }
  return new nn.Sequential(...layers);
}

test('plan: tiles cover the frame, start on multiples, overlap at least the overlap', () => {
  for (const [len, tile, overlap, multiple] of [[70, 32, 16, 4], [513, 128, 32, 4], [1000, 256, 24, 8], [31, 512, 32, 4]] as const) {
    const p = planTiles(len, len, { tile, overlap, multiple });
    const a = p.rows;
    assert.equal(a.length % multiple, 0);
    assert.equal(a.starts[0], 0);
    assert.equal(a.starts.at(-1)! + a.size, a.length);
    for (const s of a.starts) assert.equal(s % multiple, 0);
    for (let i = 1; i < a.starts.length; i++) assert.ok(a.starts[i - 1]! + a.size - a.starts[i]! >= p.overlap, `overlap ${len}/${tile}`);
    // Weights sum to 1 where each pair hands over.
    const w = axisWeights(a, 1);
    const sum = new Float64Array(a.length);
    a.starts.forEach((s, i) => w[i]!.forEach((v, k) => { sum[s + k] += v; }));
    for (const v of sum) assert.ok(Math.abs(v - 1) < 1e-9, `weights sum to ${v}`);
  }
});

test('a net whose receptive field fits the overlap: tiled equals untiled (non-multiple size)', () => {
  E.manualSeed(1);
  const net = convNet(3).eval(); // receptive radius 3 <= overlap / 4 = 4
  const x = E.rand([1, 3, 70, 90]);
  const before = E.liveTensors();
  const d = tileMaxAbsDiff((t) => net.forward(t), x, { tile: 32, overlap: 16, multiple: 4 });
  assert.equal(E.liveTensors(), before, 'runTiled leaked tensors');
  console.log(`receptive radius 3, 70x90, tile 32 overlap 16: ${d.tiles} tiles, max |diff| ${d.maxAbsDiff.toExponential(2)} (relative ${d.relDiff.toExponential(2)})`);
  assert.ok(d.tiles >= 9);
  assert.ok(d.relDiff < 1e-5, `relative difference ${d.relDiff}`);
  const y = runTiled((t) => net.forward(t), x, { tile: 32, overlap: 16 });
  assert.deepEqual(y.shape, [1, 3, 70, 90]);
  E.disposeAll([x, y]);
  net.dispose();
});

test('a random net with a wider receptive field and reflect padding: small, seam-free differences', () => {
  E.manualSeed(2);
  const net = convNet(8, 8, 'reflect').eval(); // receptive radius 8 > overlap / 4
  const x = E.rand([1, 3, 61, 77]);
  const d = tileMaxAbsDiff((t) => net.forward(t), x, { tile: 32, overlap: 16, multiple: 4 });
  console.log(`receptive radius 8, 61x77, tile 32 overlap 16: max |diff| ${d.maxAbsDiff.toExponential(2)} (relative ${d.relDiff.toExponential(2)}, mean ${d.meanAbsDiff.toExponential(2)})`);
  assert.ok(d.relDiff < 0.05, `relative difference ${d.relDiff}`);
  E.disposeAll([x]);
  net.dispose();
});

test('strided net (multiple 4) and an upscaling net (scale 2) tile to the right shapes', () => {
  E.manualSeed(3);
  const down = new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 });
  const head = new nn.Conv2d(8, 3, 3, { padding: 1 });
  const strided = (t: E.Tensor) => E.tidy(() => E.F.interpolate(head.forward(down.forward(t).relu()), { scale: 2, mode: 'nearest' }));
  const x = E.rand([1, 3, 50, 66]);
  const d = tileMaxAbsDiff(strided, x, { tile: 32, overlap: 16, multiple: 4 });
  console.log(`strided net, 50x66: max |diff| ${d.maxAbsDiff.toExponential(2)} (relative ${d.relDiff.toExponential(2)})`);
  assert.ok(d.relDiff < 1e-5, `relative difference ${d.relDiff}`);
  const up = new nn.Conv2d(3, 3, 3, { padding: 1 });
  const upscale = (t: E.Tensor) => E.tidy(() => E.F.interpolate(up.forward(t), { scale: 2, mode: 'nearest' }));
  const y = runTiled(upscale, x, { tile: 24, overlap: 8, multiple: 1, scale: 2 });
  assert.deepEqual(y.shape, [1, 3, 100, 132]);
  const du = tileMaxAbsDiff(upscale, x, { tile: 24, overlap: 8, multiple: 1, scale: 2 });
  assert.ok(du.relDiff < 1e-5, `scale 2 relative difference ${du.relDiff}`);
  assert.throws(() => runTiled(upscale, x, { tile: 24, overlap: 8, multiple: 1, scale: 1 }), /expected \[1, C, 24, 24\]/);
  E.disposeAll([x, y]);
  for (const m of [down, head, up]) m.dispose();
});
