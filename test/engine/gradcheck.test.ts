// Every differentiable op: autograd gradients against central finite differences in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { Tensor } from '../../src/engine/index.js';
const F = E.F;

const f64 = { dtype: 'float64' as const };

/** Random float64 input with values in [lo, hi). */
function input(shape: number[], lo = -1, hi = 1): Tensor {
  return E.keep(E.rand(shape, f64).mul(hi - lo).add(lo));
}

/**
 * Checks d(sum(w * f(x)))/dx from backward against finite differences for every element of every
 * input (inputs are float64 leaves; w is a fixed random weighting so every output matters).
 */
function gradcheck(name: string, fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], { eps = 1e-6, tol = 1e-6 } = {}): void {
  E.tidy(() => {
    for (const x of inputs) x.requiresGrad_(true);
    const y0 = fn(...inputs);
    const w = E.rand(y0.shape, f64).add(0.5);
    const objective = (): number => E.noGrad(() => E.tidy(() => fn(...inputs).mul(w).sum().item()));
    y0.mul(w).sum().backward();
    inputs.forEach((x, k) => {
      const analytic = x.grad!.toArray();
      const base = x.toArray();
      const numeric: number[] = [];
      for (let i = 0; i < base.length; i++) {
        const bump = (delta: number) => E.noGrad(() => E.tidy(() => {
          const v = base.slice();
          v[i] += delta;
          x.copy_(E.tensor(v, x.shape, f64));
        }));
        bump(eps);
        const plus = objective();
        bump(-eps);
        const minus = objective();
        bump(0);
        numeric.push((plus - minus) / (2 * eps));
      }
      for (let i = 0; i < numeric.length; i++) {
        const err = Math.abs(numeric[i]! - analytic[i]!);
        assert.ok(err <= tol * (1 + Math.abs(numeric[i]!)), `${name}: input ${k} element ${i}: autograd ${analytic[i]} vs finite difference ${numeric[i]}`);
      }
      x.zeroGrad();
    });
  });
  for (const x of inputs) x.dispose();
}

// Values kept away from kinks (|x| > 0.1) so finite differences are valid for relu, abs, max, clamp.
function awayFromZero(shape: number[]): Tensor {
  return E.tidy(() => {
    const r = E.rand(shape, f64);
    const sign = E.rand(shape, f64).gt(0.5).to('float64').mul(2).sub(1);
    return E.keep(r.mul(0.9).add(0.1).mul(sign));
  });
}

E.manualSeed(7);

test('elementwise arithmetic with broadcasting', () => {
  gradcheck('add', (a, b) => a.add(b), [input([2, 3]), input([3])]);
  gradcheck('sub', (a, b) => a.sub(b), [input([2, 3]), input([2, 1])]);
  gradcheck('mul', (a, b) => a.mul(b), [input([2, 3]), input([1, 3])]);
  gradcheck('div', (a, b) => a.div(b), [input([2, 3]), input([2, 3], 0.5, 2)]);
  gradcheck('pow', (a, b) => a.pow(b), [input([4], 0.5, 2), input([4], -1, 2)]);
  gradcheck('scalar ops', (a) => a.mul(3).add(1).sub(0.5).div(2).pow(2).rsub(1).rdiv(5), [input([5], 0.1, 0.3)]);
  gradcheck('maximum/minimum', (a, b) => a.maximum(b).add(a.minimum(b).mul(2)), [E.keep(E.tensor([0.1, 0.9, -0.5, 0.3], [4], f64)), E.keep(E.tensor([0.5, 0.2, 0.4, -0.6], [4], f64))]);
  gradcheck('where', (a, b) => F.where(a.gt(0), a, b), [awayFromZero([6]), input([6])]);
});

test('unary functions and activations', () => {
  gradcheck('neg', (a) => a.neg(), [input([4])]);
  gradcheck('abs', (a) => a.abs(), [awayFromZero([6])]);
  gradcheck('exp', (a) => a.exp(), [input([4])]);
  gradcheck('log', (a) => a.log(), [input([4], 0.5, 2)]);
  gradcheck('log1p', (a) => a.log1p(), [input([4], 0, 2)]);
  gradcheck('sqrt', (a) => a.sqrt(), [input([4], 0.5, 2)]);
  gradcheck('rsqrt', (a) => a.rsqrt(), [input([4], 0.5, 2)]);
  gradcheck('square', (a) => a.square(), [input([4])]);
  gradcheck('reciprocal', (a) => a.reciprocal(), [input([4], 0.5, 2)]);
  gradcheck('sin/cos', (a) => a.sin().add(a.cos()), [input([4])]);
  gradcheck('tanh', (a) => a.tanh(), [input([4])]);
  gradcheck('sigmoid', (a) => a.sigmoid(), [input([4])]);
  gradcheck('relu', (a) => a.relu(), [awayFromZero([6])]);
  gradcheck('leakyRelu', (a) => a.leakyRelu(0.2), [awayFromZero([6])]);
  gradcheck('gelu', (a) => a.gelu(), [input([4])]);
  gradcheck('silu', (a) => a.silu(), [input([4])]);
  gradcheck('softplus', (a) => a.softplus(), [input([4])]);
  gradcheck('clamp', (a) => a.clamp(-0.5, 0.5), [E.keep(E.tensor([-0.9, -0.3, 0.2, 0.7], [4], f64))]);
  gradcheck('atan2', (a, b) => a.atan2(b), [input([4]), input([4], 0.5, 1)]);
});

test('reductions, softmax, matmul, sort', () => {
  gradcheck('sum', (a) => a.sum([1]), [input([2, 3])]);
  gradcheck('sum all', (a) => a.sum(), [input([2, 3])]);
  gradcheck('mean keepdim', (a) => a.mean([0], true), [input([2, 3])]);
  gradcheck('max', (a) => a.max([1]), [E.keep(E.tensor([0.1, 0.5, -0.2, 0.9, 0.3, 0.0], [2, 3], f64))]);
  gradcheck('min', (a) => a.min(), [E.keep(E.tensor([0.1, 0.5, -0.2, 0.9], [4], f64))]);
  gradcheck('var', (a) => a.var([1]), [input([2, 4])]);
  gradcheck('varUnbiased', (a) => a.varUnbiased([1]), [input([2, 4])]);
  gradcheck('std', (a) => a.std(), [input([5])]);
  gradcheck('logsumexp', (a) => a.logsumexp([1]), [input([2, 3])]);
  gradcheck('softmax', (a) => a.softmax(1), [input([2, 3])]);
  gradcheck('logSoftmax', (a) => a.logSoftmax(0), [input([3, 2])]);
  gradcheck('matmul', (a, b) => a.matmul(b), [input([2, 3]), input([3, 4])]);
  gradcheck('batched matmul', (a, b) => a.matmul(b), [input([2, 2, 3]), input([3, 2])]);
  gradcheck('sort values', (a) => a.sort(-1)[0], [E.keep(E.tensor([0.3, -0.8, 0.5, 0.1, 0.9, -0.2], [2, 3], f64))]);
});

test('shape ops: reshape, permute, slice, index, cat, stack, expand, repeat, flip, roll', () => {
  gradcheck('reshape', (a) => a.reshape([3, -1]), [input([2, 3])]);
  gradcheck('permute', (a) => a.permute([2, 0, 1]), [input([2, 3, 2])]);
  gradcheck('transpose', (a) => a.transpose(0, 1), [input([2, 3])]);
  gradcheck('slice', (a) => a.slice(1, 1, 4, 2), [input([2, 5])]);
  gradcheck('narrow', (a) => a.narrow(0, 1, 2), [input([4, 2])]);
  gradcheck('squeeze/unsqueeze/flatten', (a) => a.unsqueeze(0).squeeze(0).flatten(), [input([2, 3])]);
  gradcheck('indexSelect', (a) => a.indexSelect(1, E.tensor([2, 0, 2], [3], { dtype: 'int64' })), [input([2, 3])]);
  gradcheck('gather', (a) => a.gather(1, E.tensor([0, 0, 2, 1], [2, 2], { dtype: 'int64' })), [input([2, 3])]);
  gradcheck('cat', (a, b) => F.cat([a, b], 1), [input([2, 2]), input([2, 3])]);
  gradcheck('stack', (a, b) => F.stack([a, b], 0), [input([2, 2]), input([2, 2])]);
  gradcheck('expand', (a) => a.expand([3, 4]), [input([1, 4])]);
  gradcheck('repeat', (a) => a.repeat([2, 2]), [input([2, 2])]);
  gradcheck('flip', (a) => a.flip([0, 1]), [input([2, 3])]);
  gradcheck('roll', (a) => a.roll([1], [1]), [input([2, 3])]);
  gradcheck('maskedSelect', (a) => a.maskedSelect(E.tensor([1, 0, 1, 1], [2, 2], { dtype: 'bool' })), [input([2, 2])]);
});

test('convolutions', () => {
  gradcheck('conv2d', (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), [input([1, 2, 4, 4]), input([3, 2, 3, 3]), input([3])]);
  gradcheck('conv2d stride/dilation', (x, w) => F.conv2d(x, w, null, { stride: 2, dilation: 2, padding: 2 }), [input([1, 2, 5, 5]), input([2, 2, 3, 3])]);
  gradcheck('conv2d groups', (x, w) => F.conv2d(x, w, null, { groups: 2 }), [input([1, 4, 3, 3]), input([2, 2, 2, 2])]);
  gradcheck('convTranspose2d', (x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }), [input([1, 2, 3, 3]), input([2, 3, 3, 3]), input([3])]);
});

test('padding, resampling, pooling', () => {
  gradcheck('reflect pad', (x) => F.pad(x, [2, 1, 1, 2], 'reflect'), [input([1, 2, 3, 4])]);
  gradcheck('replicate pad', (x) => F.pad(x, [1, 2, 2, 1], 'replicate'), [input([1, 1, 3, 3])]);
  gradcheck('constant pad', (x) => F.pad(x, 1, 'constant', 0.5), [input([1, 1, 2, 2])]);
  // The sliced padding GPUs use (native padding has no deterministic backward there).
  gradcheck('reflect pad by slices', (x) => F.edgePad(x, [2, 1, 1, 2], 'reflect'), [input([1, 2, 3, 4])]);
  gradcheck('replicate pad by slices', (x) => F.edgePad(x, [1, 2, 2, 1], 'replicate'), [input([1, 1, 3, 3])]);
  gradcheck('nearest', (x) => F.interpolate(x, { size: [5, 7], mode: 'nearest' }), [input([1, 2, 3, 3])]);
  gradcheck('bilinear', (x) => F.interpolate(x, { size: [5, 7], mode: 'bilinear' }), [input([1, 2, 3, 3])]);
  gradcheck('bilinear aligned', (x) => F.interpolate(x, { scale: 2, mode: 'bilinear', alignCorners: true }), [input([1, 1, 3, 3])]);
  gradcheck('bicubic', (x) => F.interpolate(x, { size: [4, 4], mode: 'bicubic' }), [input([1, 1, 3, 3])]);
  gradcheck('area', (x) => F.interpolate(x, { size: [2, 2], mode: 'area' }), [input([1, 1, 4, 4])]);
  gradcheck('maxPool2d', (x) => F.maxPool2d(x, 2), [E.keep(E.tensor(Array.from({ length: 16 }, (_, i) => ((i * 7) % 16) / 10), [1, 1, 4, 4], f64))]);
  gradcheck('avgPool2d', (x) => F.avgPool2d(x, 3, 1, 1), [input([1, 2, 4, 4])]);
});

test('normalization, grid sampling, losses', () => {
  gradcheck('instanceNorm', (x, w, b) => F.instanceNorm(x, w, b), [input([2, 2, 3, 3]), input([2]), input([2])], { tol: 1e-5 });
  gradcheck('batchNorm training', (x, w, b) => F.batchNorm(x, { weight: w, bias: b, training: true }), [input([3, 2, 2, 2]), input([2]), input([2])], { tol: 1e-5 });
  gradcheck('batchNorm eval', (x) => F.batchNorm(x, { runningMean: E.tensor([0.1, -0.2], [2], f64), runningVar: E.tensor([1.5, 0.5], [2], f64), training: false }), [input([2, 2, 2, 2])]);
  // Sample points kept off the pixel grid so bilinear weights are smooth in both inputs.
  const grid = E.keep(E.tensor([-0.61, -0.37, 0.23, 0.41, 0.52, -0.14, -0.33, 0.71, 0.11, 0.29, -0.47, -0.58, 0.66, 0.09, 0.38, -0.21, -0.08, 0.47], [1, 3, 3, 2], f64));
  gradcheck('gridSample bilinear', (x, g) => F.gridSample(x, g, { padding: 'border' }), [input([1, 2, 4, 4]), grid]);
  gradcheck('l1Loss', (a, b) => F.l1Loss(a, b), [awayFromZero([6]), E.keep(E.zeros([6], f64))]);
  gradcheck('mseLoss', (a, b) => F.mseLoss(a, b, 'sum'), [input([6]), input([6])]);
  gradcheck('smoothL1Loss', (a, b) => F.smoothL1Loss(a, b, 'none'), [input([6], -3, 3), E.keep(E.zeros([6], f64))]);
  gradcheck('bceWithLogits', (a, b) => F.bceWithLogits(a, b), [input([6]), input([6], 0, 1)]);
});

test('gradcheck itself catches a wrong gradient', () => {
  // detach() cuts the graph: the analytic gradient of x*detach(x) is x, the true one is 2x.
  assert.throws(() => gradcheck('wrong', (a) => a.mul(a.detach()), [input([3], 0.5, 1)]), /autograd/);
});
