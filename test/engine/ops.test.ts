// Op results against values computed by hand, dtypes and data round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
const F = E.F;

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5, msg = '') => {
  assert.equal(a.length, b.length, `${msg} length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${msg} element ${i}: ${a[i]} vs ${b[i]}`);
};

test('typed arrays round-trip for every dtype, with shape and device', () => {
  E.tidy(() => {
    const f = E.tensor(new Float32Array([1.5, -2, 3, 4]), [2, 2]);
    assert.deepEqual(f.shape, [2, 2]);
    assert.equal(f.dtype, 'float32');
    assert.equal(f.device, 'cpu');
    assert.deepEqual(f.data(), new Float32Array([1.5, -2, 3, 4]));
    assert.deepEqual(E.tensor(new Float64Array([1e-300, 2]), [2]).data(), new Float64Array([1e-300, 2]));
    assert.deepEqual(E.tensor(new Uint8Array([0, 255, 7]), [3]).data(), new Uint8Array([0, 255, 7]));
    assert.deepEqual(E.tensor(new Int32Array([-5, 2 ** 30]), [2]).data(), new Int32Array([-5, 2 ** 30]));
    assert.deepEqual(E.tensor(new BigInt64Array([-(2n ** 40n), 3n]), [2]).data(), new BigInt64Array([-(2n ** 40n), 3n]));
    assert.deepEqual(E.tensor([1, 0, 2], [3], { dtype: 'bool' }).toArray(), [1, 0, 1]);
    assert.deepEqual(E.tensor([1, 2, 3], [3], { dtype: 'int64' }).dtype, 'int64');
    const h = E.tensor([0.5, -1.25], [2], { dtype: 'float16' });
    assert.equal(h.dtype, 'float16');
    assert.deepEqual(h.toArray(), [0.5, -1.25]);
    assert.equal(E.scalar(3.5).item(), 3.5);
    assert.deepEqual(E.zeros([0, 3]).shape, [0, 3]);
    // An array on shared memory (written by helper threads) and a view at an offset into one.
    const shared = new Float32Array(new SharedArrayBuffer(4 * 6));
    shared.set([1, 2, 3, 4, 5, 6]);
    assert.deepEqual(E.tensor(shared, [2, 3]).toArray(), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(E.tensor(shared.subarray(2, 5), [3]).toArray(), [3, 4, 5]);
    assert.deepEqual(E.tensor(new Float32Array([9, 8, 7, 6]).subarray(1), [3]).toArray(), [8, 7, 6]);
  });
});

test('arithmetic broadcasts and follows PyTorch type promotion', () => {
  E.tidy(() => {
    const a = E.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = E.tensor([10, 20, 30], [3]);
    assert.deepEqual(a.add(b).toArray(), [11, 22, 33, 14, 25, 36]);
    assert.deepEqual(a.mul(E.tensor([2, 3], [2, 1])).toArray(), [2, 4, 6, 12, 15, 18]);
    assert.equal(a.mul(0.5).dtype, 'float32');
    const bytes = E.tensor(new Uint8Array([2, 4]), [2]);
    assert.equal(bytes.mul(2).dtype, 'uint8');
    assert.equal(bytes.mul(0.5).dtype, 'float32');
    assert.deepEqual(a.rsub(1).toArray(), [0, -1, -2, -3, -4, -5]);
    assert.deepEqual(a.gt(3).toArray(), [0, 0, 0, 1, 1, 1]);
    assert.deepEqual(F.where(a.gt(3), a, 0).toArray(), [0, 0, 0, 4, 5, 6]);
    close(E.tensor([-1, 0.5, 2]).clamp(0, 1).toArray(), [0, 0.5, 1]);
  });
});

test('reductions, matmul, addmm, sort, eigh', () => {
  E.tidy(() => {
    const a = E.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    assert.equal(a.sum().item(), 21);
    assert.deepEqual(a.sum(0).toArray(), [5, 7, 9]);
    assert.deepEqual(a.mean(1, true).shape, [2, 1]);
    assert.deepEqual(a.max(1).toArray(), [3, 6]);
    assert.deepEqual(a.min().toArray(), [1]);
    close(a.var(1).toArray(), [2 / 3, 2 / 3]);
    close(a.varUnbiased(1).toArray(), [1, 1]);
    assert.deepEqual(a.argmax(1).toArray(), [2, 2]);
    close(E.tensor([0, Math.log(3)]).softmax(0).toArray(), [0.25, 0.75]);
    assert.deepEqual(a.matmul(E.tensor([1, 0, 0, 1, 1, 1], [3, 2])).toArray(), [4, 5, 10, 11]);
    // addmm: bias broadcast over the product, alpha scaling the product only.
    assert.deepEqual(E.tensor([100, 200], [1, 2]).addmm(a, E.tensor([1, 0, 0, 1, 1, 1], [3, 2]), 2).toArray(), [108, 210, 120, 222]);
    assert.throws(() => E.zeros([1, 2]).addmm(a, E.zeros([2, 2])), /size|shape|mat/i);
    const [mv, mi] = E.tensor([1, 7, 3, 9, 2, 9], [2, 3]).maxAlong(1);
    assert.deepEqual(mv.toArray(), [7, 9]);
    assert.equal(mi.toArray()[0], 1);
    assert.ok([0, 2].includes(mi.toArray()[1]!), 'a tie gives the index of one of the maxima');
    const [v, i] = E.tensor([3, 1, 2]).sort(0);
    assert.deepEqual(v.toArray(), [1, 2, 3]);
    assert.deepEqual(i.toArray(), [1, 2, 0]);
    // eigh: [[2, 1], [1, 2]] has eigenvalues 1 and 3 with vectors (1, -1) and (1, 1) / √2.
    const [w, q] = E.tensor([2, 1, 1, 2], [2, 2]).eigh();
    close(w.toArray(), [1, 3]);
    close(q.abs().toArray(), [Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2]);
    assert.throws(() => E.tensor([1, 2, 3]).eigh(), /square matrix/);
    assert.throws(() => E.zeros([2, 3]).eigh(), /square matrix/);
  });
});

test('shape ops give the expected layouts', () => {
  E.tidy(() => {
    const a = E.arange(0, 6).reshape([2, 3]);
    assert.equal(a.dtype, 'int64');
    assert.deepEqual(a.transpose(0, 1).contiguous().toArray(), [0, 3, 1, 4, 2, 5]);
    assert.deepEqual(a.permute([1, 0]).shape, [3, 2]);
    assert.deepEqual(a.slice(1, 1).toArray(), [1, 2, 4, 5]);
    assert.deepEqual(a.slice(1, 0, 3, 2).toArray(), [0, 2, 3, 5]);
    assert.deepEqual(a.slice(0, -1).toArray(), [3, 4, 5]);
    assert.deepEqual(F.cat([a, a], 0).shape, [4, 3]);
    assert.deepEqual(F.stack([a, a], 2).shape, [2, 3, 2]);
    assert.deepEqual(a.flip(1).toArray(), [2, 1, 0, 5, 4, 3]);
    assert.deepEqual(a.indexSelect(1, E.tensor([2, 0], [2], { dtype: 'int64' })).toArray(), [2, 0, 5, 3]);
    assert.deepEqual(a.unsqueeze(0).shape, [1, 2, 3]);
    assert.deepEqual(a.reshape([1, 6]).squeeze().shape, [6]);
    assert.deepEqual(a.expand([2, 2, 3]).shape, [2, 2, 3]);
    assert.deepEqual(a.repeat([1, 2]).toArray(), [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5]);
    close(E.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  });
});

test('padding modes on a known 2x3 image', () => {
  E.tidy(() => {
    const x = E.tensor([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]);
    // left 1, right 1 on the row [1 2 3]: reflect -> 2 1 2 3 2, replicate -> 1 1 2 3 3
    assert.deepEqual(F.pad(x, [1, 1, 0, 0], 'reflect').toArray(), [2, 1, 2, 3, 2, 5, 4, 5, 6, 5]);
    assert.deepEqual(F.pad(x, [1, 1, 0, 0], 'replicate').toArray(), [1, 1, 2, 3, 3, 4, 4, 5, 6, 6]);
    assert.deepEqual(F.pad(x, [0, 0, 1, 0], 'constant', 9).toArray(), [9, 9, 9, 1, 2, 3, 4, 5, 6]);
    // The sliced padding (GPUs) gives native padding's values, each side and mode.
    const y = E.rand([2, 3, 5, 6]);
    for (const mode of ['reflect', 'replicate'] as const) {
      for (const p of [[1, 1, 1, 1], [2, 0, 3, 1], [0, 4, 0, 0], [0, 0, 0, 0]]) {
        assert.deepEqual(F.edgePad(y, p, mode).toArray(), F.pad(y, p, mode).toArray(), `${mode} ${p}`);
      }
    }
    assert.throws(() => F.edgePad(y, [6, 0, 0, 0], 'reflect'), /smaller than the padded dimension/);
  });
});

test('interpolation: nearest repeats pixels, bilinear averages neighbours', () => {
  E.tidy(() => {
    const x = E.tensor([0, 1, 2, 3], [1, 1, 2, 2]);
    assert.deepEqual(F.interpolate(x, { scale: 2, mode: 'nearest' }).toArray(), [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
    // align_corners: the 3x3 result has the corners of x and their averages in between.
    close(F.interpolate(x, { size: [3, 3], mode: 'bilinear', alignCorners: true }).toArray(), [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
    close(F.interpolate(x, { size: [1, 1], mode: 'area' }).toArray(), [1.5]);
  });
});

test('pooling, convolution and transposed convolution on known values', () => {
  E.tidy(() => {
    const x = E.arange(0, 16, 1, { dtype: 'float32' }).reshape([1, 1, 4, 4]);
    assert.deepEqual(F.maxPool2d(x, 2).toArray(), [5, 7, 13, 15]);
    assert.deepEqual(F.avgPool2d(x, 2).toArray(), [2.5, 4.5, 10.5, 12.5]);
    // A 3x3 box filter without padding sums each 3x3 window.
    const box = E.ones([1, 1, 3, 3]);
    assert.deepEqual(F.conv2d(x, box).toArray(), [45, 54, 81, 90]);
    assert.deepEqual(F.conv2d(x, box, E.tensor([1]), { stride: 2, padding: 1 }).toArray(), [11, 25, 52, 91]);
    // A 2x2 transposed conv with stride 2 and a ones kernel copies each pixel to a 2x2 block.
    const up = F.convTranspose2d(E.tensor([1, 2, 3, 4], [1, 1, 2, 2]), E.ones([1, 1, 2, 2]), null, { stride: 2 });
    assert.deepEqual(up.toArray(), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });
});

test('instance and batch norm normalize; batch norm updates running statistics in training only', () => {
  E.tidy(() => {
    E.manualSeed(3);
    const x = E.randn([4, 3, 5, 5]).mul(3).add(2);
    const y = F.instanceNorm(x);
    close(y.mean([2, 3]).toArray(), new Array(12).fill(0), 1e-5);
    close(y.var([2, 3]).toArray(), new Array(12).fill(1), 1e-3);
    const rm = E.zeros([3]);
    const rv = E.ones([3]);
    F.batchNorm(x, { runningMean: rm, runningVar: rv, training: true, momentum: 1 });
    close(rm.toArray(), x.mean([0, 2, 3]).toArray(), 1e-5);
    close(rv.toArray(), x.varUnbiased([0, 2, 3]).toArray(), 1e-4);
    const before = rm.toArray();
    F.batchNorm(x.add(5), { runningMean: rm, runningVar: rv, training: false });
    assert.deepEqual(rm.toArray(), before);
  });
});

test('grid sampling with an identity grid returns the image; a shifted grid warps it', () => {
  E.tidy(() => {
    const img = E.arange(0, 12, 1, { dtype: 'float32' }).reshape([1, 1, 3, 4]);
    const ys = E.linspace(-1, 1, 3).reshape([3, 1]).expand([3, 4]);
    const xs = E.linspace(-1, 1, 4).reshape([1, 4]).expand([3, 4]);
    const grid = F.stack([xs, ys], 2).unsqueeze(0);
    close(F.gridSample(img, grid, { alignCorners: true }).toArray(), img.toArray());
    // Sample one pixel to the right (2 / (W - 1) in normalized units), border padding.
    const shifted = F.gridSample(img, F.stack([xs.add(2 / 3), ys], 2).unsqueeze(0), { alignCorners: true, padding: 'border' });
    close(shifted.toArray(), [1, 2, 3, 3, 5, 6, 7, 7, 9, 10, 11, 11]);
  });
});

test('seeded random numbers repeat; generator state restores', () => {
  E.tidy(() => {
    E.manualSeed(42);
    const a = E.randn([5]).toArray();
    E.manualSeed(42);
    assert.deepEqual(E.randn([5]).toArray(), a);
    const state = E.getRngState();
    const next = E.rand([4]).toArray();
    E.setRngState(state);
    assert.deepEqual(E.rand([4]).toArray(), next);
    const r = E.randint(3, 7, [100]).toArray();
    assert.ok(r.every((v) => v >= 3 && v < 7));
    assert.deepEqual(E.randperm(6).sort(0)[0].toArray(), [0, 1, 2, 3, 4, 5]);
  });
});

test('optical flow finds a known translation', () => {
  const W = 64, H = 48;
  const frame = (dx: number) => {
    const a = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const u = x - dx;
      a[y * W + x] = Math.round(127 + 60 * Math.sin(u * 0.35) * Math.cos(y * 0.27) + 40 * Math.sin((u + y) * 0.11));
    }
    return a;
  };
  // DIS (what renders follow) and Farnebäck (the benchmarks' independent yardstick) alike.
  for (const [name, flow] of [['DIS', E.disFlow(frame(0), frame(3), W, H, 'medium')], ['Farneback', E.farnebackFlow(frame(0), frame(3), W, H)]] as const) {
    assert.equal(flow.length, W * H * 2);
    let sx = 0, sy = 0, n = 0;
    for (let y = 8; y < H - 8; y++) for (let x = 8; x < W - 8; x++) { sx += flow[(y * W + x) * 2]!; sy += flow[(y * W + x) * 2 + 1]!; n++; }
    assert.ok(Math.abs(sx / n - 3) < 0.3, `${name}: mean dx ${sx / n}`);
    assert.ok(Math.abs(sy / n) < 0.3, `${name}: mean dy ${sy / n}`);
  }
  // The same pair again (kept by content): the same flow, in an array of its own; another pair is computed anew.
  const once = E.disFlow(frame(0), frame(3), W, H, 'medium');
  once.fill(99);
  const again = E.disFlow(frame(0), frame(3), W, H, 'medium');
  assert.ok(Math.abs(again[(32 * W + 32) * 2]! - 3) < 1, 'a kept flow is not the caller\'s array');
  assert.ok(Math.abs(E.disFlow(frame(0), frame(1), W, H, 'medium')[(32 * W + 32) * 2]! - 1) < 0.5);
  assert.throws(() => E.disFlow(new Uint8Array(10), new Uint8Array(10), W, H), /3072 bytes/);
  assert.throws(() => E.farnebackFlow(new Uint8Array(10), new Uint8Array(10), W, H), /3072 bytes/);
  assert.throws(() => E.farnebackFlow(frame(0), frame(3), W, H, { levels: 0, winsize: 15, iterations: 3 }), /levels/);
});
