// The nn layer: names, state dicts, modes, optimizers against the update rule, reproducibility.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import * as nn from '../../src/nn/index.js';

class TinyNet extends nn.Module {
  readonly enc = this.child('enc', new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), nn.ReLU(), new nn.BatchNorm2d(4)));
  readonly up = this.child('up', new nn.ConvTranspose2d(4, 2, 2, { stride: 2 }));
  readonly head = this.child('head', new nn.Conv2d(2, 3, 1, { bias: false }));
  forward(x: E.Tensor): E.Tensor {
    return E.tidy(() => this.head.forward(this.up.forward(this.enc.forward(x))));
  }
}

test('parameters and buffers carry PyTorch-style names and shapes', () => {
  const net = new TinyNet();
  const names = Object.fromEntries([...net.stateDict()].map(([k, t]) => [k, t.shape]));
  assert.deepEqual(names, {
    'enc.0.weight': [4, 3, 3, 3], 'enc.0.bias': [4], 'enc.2.weight': [4], 'enc.2.bias': [4],
    'up.weight': [4, 2, 2, 2], 'up.bias': [2], 'head.weight': [3, 2, 1, 1],
    'enc.2.running_mean': [4], 'enc.2.running_var': [4],
  });
  assert.equal(net.parameterCount(), 108 + 4 + 4 + 4 + 32 + 2 + 6);
  const y = net.forward(E.randn([2, 3, 5, 5]));
  assert.deepEqual(y.shape, [2, 3, 10, 10]);
  y.dispose();
  net.dispose();
});

test('state dicts round-trip through safetensors; mismatches are named', () => {
  E.manualSeed(5);
  const a = new TinyNet();
  const b = new TinyNet();
  const x = E.keep(E.randn([1, 3, 4, 4]));
  a.eval();
  b.eval();
  const path = join(mkdtempSync(join(tmpdir(), 'atelier-nn-')), 'tiny.safetensors');
  E.saveSafetensors(path, a.stateDict());
  const { tensors } = E.loadSafetensors(path);
  b.loadStateDict(tensors);
  E.tidy(() => assert.deepEqual(b.forward(x).data(), a.forward(x).data()));
  const partial = new Map(tensors);
  partial.delete('head.weight');
  partial.set('extra', E.ones([1]));
  assert.throws(() => b.loadStateDict(partial), /missing head\.weight; unexpected extra|missing head\.weight.*unexpected extra/);
  const wrong = new Map(tensors);
  wrong.set('up.bias', E.ones([5]));
  assert.throws(() => b.loadStateDict(wrong), /shape mismatch for up\.bias: file \[5\] vs model \[2\]/);
  a.dispose(); b.dispose(); x.dispose();
});

test('train and eval modes change batch norm behaviour', () => {
  E.manualSeed(2);
  const bn = new nn.BatchNorm2d(2);
  const x = E.keep(E.randn([4, 2, 3, 3]).mul(4).add(3));
  E.tidy(() => bn.forward(x));
  const meanAfterTrain = bn.runningMean.toArray();
  assert.ok(meanAfterTrain.every((m) => Math.abs(m) > 0.05), 'training updates running mean');
  bn.eval();
  E.tidy(() => bn.forward(x));
  assert.deepEqual(bn.runningMean.toArray(), meanAfterTrain, 'eval leaves it alone');
  bn.dispose(); x.dispose();
});

test('Adam and AdamW follow the published update rule', () => {
  // One parameter, hand-computed: after step 1, m = (1-b1) g, v = (1-b2) g^2, bias-corrected
  // update lr * g / (|g| + eps') = lr * sign(g) for eps small.
  const p = E.keep(E.tensor([1, -2], [2], { dtype: 'float64' }).requiresGrad_());
  const opt = new nn.Adam([p], { lr: 0.1 });
  E.tidy(() => p.mul(E.tensor([3, 0.5], [2], { dtype: 'float64' })).sum().backward());
  opt.step();
  assert.ok(Math.abs(p.toArray()[0]! - 0.9) < 1e-7 && Math.abs(p.toArray()[1]! + 2.1) < 1e-7, `after Adam: ${p.toArray()}`);
  // Second step with the same gradient: m_hat = g, v_hat = g^2 again -> another lr * sign(g).
  p.zeroGrad();
  E.tidy(() => p.mul(E.tensor([3, 0.5], [2], { dtype: 'float64' })).sum().backward());
  opt.step();
  assert.ok(Math.abs(p.toArray()[0]! - 0.8) < 1e-7, `second step ${p.toArray()}`);
  // AdamW shrinks the weight by lr * wd before the Adam step.
  const q = E.keep(E.tensor([2], [1], { dtype: 'float64' }).requiresGrad_());
  const w = new nn.AdamW([q], { lr: 0.1, weightDecay: 0.5 });
  E.tidy(() => q.mul(1).sum().backward());
  w.step();
  assert.ok(Math.abs(q.item() - (2 * (1 - 0.05) - 0.1)) < 1e-7, `after AdamW: ${q.item()}`);
  opt.dispose(); w.dispose(); p.dispose(); q.dispose();
});

test('learning-rate schedules', () => {
  const s = nn.schedule.warmupCosine({ base: 1, total: 100, warmup: 10, min: 0.1 });
  assert.equal(s(0), 0.1);
  assert.equal(s(9), 1);
  assert.ok(Math.abs(s(55) - 0.55) < 1e-9);
  assert.equal(s(100), 0.1);
  assert.equal(nn.schedule.stepDecay({ base: 1, every: 10, gamma: 0.5 })(25), 0.25);
});

/** Trains a small net for n steps from a seed; returns the final weights' bytes. */
function trainRun(seed: number, steps: number, resumeAt?: number): Uint8Array[] {
  E.manualSeed(seed);
  let net = new TinyNet();
  let opt = new nn.Adam(net.namedParameters(), { lr: 1e-2 });
  const dir = mkdtempSync(join(tmpdir(), 'atelier-resume-'));
  for (let i = 0; i < steps; i++) {
    if (i === resumeAt) {
      // Checkpoint everything, throw the objects away, rebuild from the files: as after a crash.
      const { tensors: optState, step } = opt.stateDict();
      E.saveSafetensors(join(dir, 'model.safetensors'), net.stateDict());
      E.saveSafetensors(join(dir, 'optim.safetensors'), optState, { step: String(step) });
      const rng = E.getRngState();
      net.dispose(); opt.dispose();
      E.manualSeed(999); // disturb the generator: the restore must not depend on it
      net = new TinyNet();
      net.loadStateDict(E.loadSafetensors(join(dir, 'model.safetensors')).tensors);
      opt = new nn.Adam(net.namedParameters(), { lr: 1e-2 });
      const o = E.loadSafetensors(join(dir, 'optim.safetensors'));
      opt.loadStateDict({ tensors: o.tensors, step: Number(o.metadata.step) });
      E.setRngState(rng);
    }
    E.tidy(() => {
      const x = E.randn([2, 3, 6, 6]);
      const loss = E.F.mseLoss(net.forward(x), E.F.interpolate(x, { scale: 2 }));
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  }
  const out = [...net.stateDict().values()].map((t) => new Uint8Array(t.data().buffer));
  net.dispose(); opt.dispose();
  return out;
}

test('training is bitwise reproducible for a seed, and resumes bit-identically from a checkpoint', () => {
  const a = trainRun(11, 30);
  const b = trainRun(11, 30);
  const c = trainRun(12, 30);
  const resumed = trainRun(11, 30, 17);
  assert.deepEqual(b, a, 'same seed, same bytes');
  assert.notDeepEqual(c, a, 'another seed differs');
  assert.deepEqual(resumed, a, 'checkpoint + restore continues identically');
});

test('thread count is settable', () => {
  const before = E.getNumThreads();
  E.setNumThreads(1);
  assert.equal(E.getNumThreads(), 1);
  E.setNumThreads(before);
  assert.throws(() => E.setNumThreads(0), /between 1 and 1024/);
});

test('Module.to moves parameters in place: layer fields stay valid and a forward runs after the move', () => {
  E.manualSeed(3);
  const net = new TinyNet();
  const x = E.keep(E.randn([1, 3, 4, 4]));
  net.eval();
  const before = net.forward(x);
  const conv = net.enc.layers[0] as nn.Conv2d;
  const weightObject = conv.weight;
  const names = [...net.stateDict().keys()];

  // A dtype move takes the same path a device move does (set_data on each tensor).
  assert.equal(net.to({ dtype: 'float64' }), net);
  assert.equal(conv.weight, weightObject, 'the layer keeps the same Tensor object');
  assert.equal(conv.weight.isDisposed, false);
  assert.equal(conv.weight.dtype, 'float64');
  assert.equal(net.head.weight.dtype, 'float64');
  assert.equal(conv.weight.requiresGrad, true);
  assert.deepEqual([...net.stateDict().keys()], names);
  for (const [k, t] of net.stateDict()) assert.equal(t.dtype, 'float64', k);
  assert.equal(net.stateDict().get('enc.2.running_var')!.requiresGrad, false, 'buffers stay untrained');

  const x64 = x.to('float64');
  const after = net.forward(x64);
  assert.equal(after.dtype, 'float64');
  const diff = E.tidy(() => after.sub(before.to('float64')).abs().max().item());
  assert.ok(diff < 1e-5, `float64 forward equals the float32 one (max diff ${diff})`);

  // Gradients reach the layers' own fields after the move.
  E.tidy(() => net.forward(x64).square().mean().backward());
  const g = conv.weight.grad;
  assert.ok(g && g.dtype === 'float64' && g.abs().sum().item() > 0);
  g!.dispose();

  // Moving to where it already is changes nothing; moving back restores float32.
  net.to('cpu');
  assert.equal(conv.weight.dtype, 'float64');
  net.to({ dtype: 'float32', device: 'cpu' });
  const back = net.forward(x);
  assert.deepEqual(back.toArray(), before.toArray(), 'float32 -> float64 -> float32 is exact');
  for (const t of [before, after, back, x, x64]) t.dispose();
  net.dispose();
});

test('Module.to refuses a bad target before any tensor moves', () => {
  const net = new TinyNet();
  const w = net.head.weight;
  const value = w.toArray();
  assert.throws(() => net.to({}), /Module.to needs a device or a dtype/);
  assert.throws(() => net.to({ dtype: 'int64' }), /cannot make parameters int64: parameters train, so they must be floating point/);
  assert.throws(() => net.to({ dtype: 'float128' as never }), /Expected one of float32, float64, float16, bfloat16, uint8, int32, int64, bool for dtype but received float128 of type string/);
  if (!E.runtimeInfo().cudaAvailable) {
    assert.throws(() => net.to('cuda:0'), /device "cuda:0" is not available: this libtorch build has no CUDA/);
  } else {
    const n = E.runtimeInfo().cudaDeviceCount;
    assert.throws(() => net.to(`cuda:${n}`), new RegExp(`device "cuda:${n}" is not available: this machine has ${n} CUDA device`));
  }
  assert.throws(() => net.to('tpu'), /Expected one of cpu, cuda, .* device type at start of device string: tpu/);
  assert.equal(net.head.weight, w);
  assert.equal(w.isDisposed, false);
  assert.equal(w.dtype, 'float32');
  assert.deepEqual(w.toArray(), value, 'nothing moved or lost');
  net.dispose();
});

test('setData_ takes over the source tensor and leaves it disposed', () => {
  const a = E.ones([2]);
  const b = E.zeros([3], { dtype: 'float64' });
  a.setData_(b);
  assert.deepEqual(a.shape, [3]);
  assert.equal(a.dtype, 'float64');
  assert.equal(b.isDisposed, true);
  assert.throws(() => a.setData_(b), /tensor was disposed/);
  assert.deepEqual(a.toArray(), [0, 0, 0], 'a failed setData_ changes nothing');
  assert.throws(() => a.setData_(5 as never), /Expected tensor for the source of setData_/);
  a.dispose();
});
