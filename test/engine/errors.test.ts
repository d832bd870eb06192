// Every bad call becomes a JavaScript Error whose message names the problem; none crashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { native } from '../../src/engine/native.js';
const F = E.F;

test('wrong shapes are reported with the shapes involved', () => {
  E.tidy(() => {
    assert.throws(() => E.tensor([1, 2, 3], [2, 2]), /holds 4 elements but the data has 3/);
    assert.throws(() => E.ones([2, 3]).add(E.ones([4])), /size of tensor a \(3\) must match the size of tensor b \(4\)/);
    assert.throws(() => E.ones([2, 3]).matmul(E.ones([2, 3])), /mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
    assert.throws(() => F.conv2d(E.ones([1, 4, 8, 8]), E.ones([8, 3, 3, 3])), /expected input\[1, 4, 8, 8\] to have 3 channels, but got 4 channels instead/);
    assert.throws(() => F.interpolate(E.ones([3, 3]), { scale: 2 }), /4-D \(N, C, H, W\)/);
    assert.throws(() => F.pad(E.ones([1, 1, 2, 2]), [3, 3, 0, 0], 'reflect'), /smaller than the padded dimension/);
    assert.throws(() => F.gridSample(E.ones([1, 1, 4, 4]), E.ones([1, 4, 4, 3])), /grid \(N, H', W', 2\)/);
    assert.throws(() => E.ones([2, 3]).reshape([4, 2]), /invalid for input of size 6/);
    assert.throws(() => E.ones([2, 3]).slice(5, 0), /dimension 5 is out of range/);
    assert.throws(() => E.ones([2]).indexSelect(0, E.tensor([5], [1], { dtype: 'int64' })), /index out of range in self/);
    assert.throws(() => E.ones([2]).item(), /one element/);
    assert.throws(() => F.cat([]), /non-empty array of tensors/);
  });
});

test('wrong dtypes and argument types are reported', () => {
  E.tidy(() => {
    assert.throws(() => E.tensor([1], [1], { dtype: 'float128' as never }), /Expected one of float32/);
    assert.throws(() => E.tensor(new Float32Array(2), [2], { device: 5 as never }), /device name/);
    assert.throws(() => E.ones([2], { dtype: 'int64' }).requiresGrad_(), /only floating-point tensors can require gradients/);
    assert.throws(() => E.ones([2]).add('x' as never), /Expected tensor or number for the other operand of add/);
    assert.throws(() => F.conv2d(E.ones([1, 1, 3, 3]), E.ones([1, 1, 1, 1]), null, { stride: 0 }), /Expected integer >= 1 or array of 2 such integers for stride but received 0/);
    assert.throws(() => E.ones([2]).indexSelect(0, E.tensor([0.5])), /index_select\(\): Expected dtype int32 or int64 for index/);
    assert.throws(() => E.F.interpolate(E.ones([1, 1, 2, 2]), { mode: 'cubic' as never, scale: 2 }), /interpolate mode/);
    assert.throws(() => native.fromBuffer(new Float64Array(4), [4], 'float32', 'cpu'), /holds float64 but dtype float32/);
    assert.throws(() => native.fromBuffer(new Float32Array(4), [-1, -4], 'float32', 'cpu'), /negative dimension/);
    assert.throws(() => native.conv2d({}, 1, 2), /missing argument 6/);
    assert.throws(() => native.conv2d({}, E.ones([1]).handle, null, [1, 1], [0, 0], [1, 1], 1), /expected a tensor for argument 0/);
    assert.throws(() => native.unary('exp', 987654321), /tensor was disposed/);
    assert.throws(() => native.unary('exp', -1.5), /tensor was disposed/);
    assert.throws(() => native.unary('nope', E.ones([1]).handle), /unknown unary op/);
    assert.throws(() => native.fromBytes(new Uint8Array([2]), [1], 'bool', 'cpu'), /other than 0 or 1/);
    assert.throws(() => E.ones([1], { device: 'tpu' }), /Expected one of cpu, cuda, .* device type at start of device string: tpu/);
  });
});

test('a CUDA device this build cannot reach is named, not a missing kernel', () => {
  if (E.runtimeInfo().cudaAvailable) {
    const n = E.runtimeInfo().cudaDeviceCount;
    assert.throws(() => E.checkDevice(`cuda:${n}`), new RegExp(`device "cuda:${n}" is not available: this machine has ${n} CUDA device`));
  } else {
    assert.throws(() => E.checkDevice('cuda'), /device "cuda" is not available: this libtorch build has no CUDA/);
  }
  E.checkDevice('cpu');
});

test('the compute device: $ATELIER_DEVICE or auto; unknown or unreachable names are refused and the setting kept', () => {
  const was = process.env.ATELIER_DEVICE;
  try {
    delete process.env.ATELIER_DEVICE;
    assert.equal(E.computeDevice(), E.defaultDevice(), 'unset: auto');
    assert.equal(E.setComputeDevice('cpu'), 'cpu');
    assert.equal(E.computeDevice(), 'cpu');
    assert.throws(() => E.setComputeDevice('gpu'), /device "gpu" is not known: use cpu, cuda, cuda:N or auto/);
    assert.equal(process.env.ATELIER_DEVICE, 'cpu', 'a refused name leaves the setting as it was');
    const n = E.runtimeInfo().cudaAvailable ? E.runtimeInfo().cudaDeviceCount : 0;
    assert.throws(() => E.setComputeDevice(`cuda:${n}`), /is not available/);
    if (n > 0) assert.equal(E.setComputeDevice('cuda'), 'cuda:0');
    assert.equal(E.setComputeDevice('auto'), E.defaultDevice());
  } finally {
    if (was === undefined) delete process.env.ATELIER_DEVICE; else process.env.ATELIER_DEVICE = was;
  }
});

test('a disposed tensor is an error, not a crash', () => {
  const t = E.ones([3]);
  const view = t.reshape([3]);
  t.dispose();
  t.dispose(); // twice is fine
  assert.equal(t.isDisposed, true);
  assert.throws(() => t.add(1), /tensor was disposed/);
  assert.throws(() => t.shape, /tensor was disposed/);
  assert.throws(() => E.ones([3]).add(t), /tensor was disposed/);
  // A view keeps the storage alive after its base handle is gone.
  assert.deepEqual(view.toArray(), [1, 1, 1]);
  view.dispose();
});

test('autograd misuse is explained', () => {
  E.tidy(() => {
    assert.throws(() => E.ones([2]).sum().backward(), /does not require grad/);
    const w = E.ones([2]).requiresGrad_();
    assert.throws(() => w.mul(2).backward(), /needs a scalar/);
    const y = E.noGrad(() => w.mul(2).sum());
    assert.equal(y.requiresGrad, false);
    assert.throws(() => y.backward(), /does not require grad/);
    assert.equal(w.grad, null);
  });
});

test('huge allocations fail with an error', () => {
  assert.throws(() => E.zeros([1e6, 1e6, 1e6]), /can't allocate memory: you tried to allocate 4000000000000000000 bytes/);
});

test('tidy refuses async functions', () => {
  assert.throws(() => E.tidy((async () => 1) as never), /synchronous/);
});
