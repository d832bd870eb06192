// The look generator's layouts: the current default (pixel unshuffle in, pixel shuffle out, blocks
// at 1/8) and the first models' layout, which configs without the newer fields must still rebuild.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { LookGenerator, generateFrame, inferencePrecision, upsampleConcatConv, halfbandFilter } from '../../src/models/look/generator.js';
import { DEFAULT_ARCH, parseConfig, makeConfig, resolveArch } from '../../src/models/look/config.js';
import * as nn from '../../src/nn/index.js';
import { generatorFlops } from '../../src/models/look/flops.js';
import { gridScore } from '../../src/metrics/index.js';

test('pixelShuffle inverts pixelUnshuffle and matches the 2x2 block layout', () => {
  E.tidy(() => {
    const x = E.arange(0, 2 * 3 * 4 * 6).reshape([2, 3, 4, 6]).float();
    const u = E.F.pixelUnshuffle(x, 2);
    assert.deepEqual(u.shape, [2, 12, 2, 3]);
    // Channel c*4 + dy*2 + dx holds pixel (2i+dy, 2j+dx) of channel c, as in PyTorch.
    assert.equal(u.slice(1, 1, 2).reshape([-1]).toArray()[0], x.slice(2, 0, 1).slice(3, 1, 2).reshape([-1]).toArray()[0]);
    assert.equal(u.slice(1, 2, 3).reshape([-1]).toArray()[0], x.slice(2, 1, 2).slice(3, 0, 1).reshape([-1]).toArray()[0]);
    assert.deepEqual(E.F.pixelShuffle(u, 2).toArray(), x.toArray());
    assert.throws(() => E.F.pixelUnshuffle(E.zeros([1, 1, 3, 4]), 2), /multiples of 2/);
    assert.throws(() => E.F.pixelShuffle(E.zeros([1, 3, 2, 2]), 2), /pixelShuffle needs/);
  });
});

test('a config without the newer architecture fields rebuilds the first models\' layout', () => {
  const old = { ...makeConfig([]), arch: { baseChannels: 4, resBlocks: 1, discChannels: 4 } };
  const c = parseConfig(JSON.stringify(old), 'old.safetensors');
  const g = new LookGenerator(5, c.arch);
  const shapes = Object.fromEntries([...g.namedParameters()].map(([k, v]) => [k, v.shape.join('x')]));
  assert.equal(g.multiple, 4);
  assert.equal(shapes['stem.weight'], '4x5x5x5'); // 5x5 stem at full resolution
  assert.equal(shapes['down2.weight'], '16x8x3x3');
  assert.equal(shapes['up2.weight'], '4x12x3x3');
  assert.equal(shapes['head.weight'], '3x4x3x3');
  assert.equal(shapes['down3.weight'], undefined);
  assert.equal(resolveArch(c.arch).upsample, 'nearest');
  g.dispose();
});

test('the default generator: shuffle in and out, any frame size, 4x cheaper than the first layout', () => {
  const g = new LookGenerator(6, { ...DEFAULT_ARCH, baseChannels: 4, maxChannels: 8 });
  assert.equal(g.multiple, 8);
  E.noGrad(() => E.tidy(() => {
    const y = generateFrame(g, E.rand([1, 6, 27, 35]));
    assert.deepEqual(y.shape, [1, 3, 27, 35]);
    assert.ok(y.min().item() >= 0 && y.max().item() <= 1);
  }));
  g.dispose();
  const now = generatorFlops(12, DEFAULT_ARCH, 1080, 1920);
  const first = generatorFlops(12, { baseChannels: 24, resBlocks: 4, discChannels: 32 }, 1080, 1920);
  assert.ok(first / now > 3.5, `first layout ${first / now}x the default`);
  assert.throws(() => parseConfig(JSON.stringify({ ...makeConfig([]), arch: { ...DEFAULT_ARCH, shuffle: 3 } }), 'bad'), /malformed/);
  assert.throws(() => parseConfig(JSON.stringify({ ...makeConfig([]), arch: { ...DEFAULT_ARCH, upsample: 'bicubic' } }), 'bad'), /malformed/);
});

test('nearest decoder: inference (no grad) takes the fused upsample-concat-conv, the same frames as the plain one, both paddings', () => {
  for (const padding of ['zeros', 'reflect'] as const) {
    const g = new LookGenerator(5, { ...DEFAULT_ARCH, baseChannels: 4, maxChannels: 8, padding, upsample: 'nearest', outputFilter: 'none' });
    // Random biases too (they start at zero-ish bounds, not zero, but make sure the skip conv's bias counts once).
    E.tidy(() => {
      const x = E.rand([2, 5, 24, 40]);
      const plain = g.forward(x); // grad enabled: the plain form
      assert.ok(E.isGradEnabled());
      const fused = E.noGrad(() => g.forward(x));
      const diff = plain.sub(fused).abs().max().item();
      assert.ok(diff < 1e-5, `${padding}: max abs diff ${diff}`);
      assert.ok(plain.std().item() > 1e-3, 'the output is not flat');
    });
    g.dispose();
  }
});

test('bilinear decoder: the fused form is a conv over a bilinear upsampling inside the border; training computes what inference does; frames pass the output filter', () => {
  E.manualSeed(2);
  for (const padding of ['zeros', 'reflect'] as const) {
    const u = new nn.Conv2d(6 + 4, 5, 3, { padding: 1 });
    E.tidy(() => {
      const y = E.rand([2, 6, 9, 11]), skip = E.rand([2, 4, 18, 22]);
      const fused = upsampleConcatConv(u, y, skip, padding, 'bilinear');
      const plain = u.forward(E.F.cat([E.F.interpolate(y, { scale: 2, mode: 'bilinear' }), skip], 1));
      const inner = (t: E.Tensor) => t.narrow(2, 2, 14).narrow(3, 2, 18);
      const diff = inner(fused).sub(inner(plain)).abs().max().item();
      assert.ok(diff < 1e-5, `${padding}: interior max abs diff ${diff}`);
      // and not the nearest form (the taps matter)
      const nearest = upsampleConcatConv(u, y, skip, padding, 'nearest');
      assert.ok(inner(nearest).sub(inner(plain)).abs().max().item() > 1e-2);
    });
    u.dispose();
  }
  const g = new LookGenerator(5, { ...DEFAULT_ARCH, baseChannels: 4, maxChannels: 8 });
  assert.equal(resolveArch(DEFAULT_ARCH).upsample, 'bilinear');
  E.tidy(() => {
    const x = E.rand([1, 5, 24, 40]);
    const train = g.forward(x);
    const infer = E.noGrad(() => g.forward(x));
    assert.ok(train.sub(infer).abs().max().item() < 1e-5);
    // Frames pass the output filter, training's forward does not: otherwise the same network.
    const frame = E.noGrad(() => generateFrame(g, x));
    assert.ok(halfbandFilter(train).clamp(0, 1).sub(frame).abs().max().item() < 1e-5);
    assert.ok(train.clamp(0, 1).sub(frame).abs().max().item() > 1e-4);
  });
  g.dispose();
});

test('inference in bfloat16: float32 out, within a fraction of an 8-bit level of float32, weights untouched; the precision setting', () => {
  E.manualSeed(5);
  for (const arch of [DEFAULT_ARCH, { ...DEFAULT_ARCH, padding: 'reflect' as const }, { baseChannels: 4, resBlocks: 1, discChannels: 4 }]) {
    const g = new LookGenerator(6, arch);
    E.noGrad(() => E.tidy(() => {
      const x = E.rand([1, 6, 45, 70]);
      const full = generateFrame(g, x);
      const half = generateFrame(g, x, 'bfloat16');
      assert.equal(half.dtype, 'float32');
      assert.deepEqual(half.shape, full.shape);
      const diff = half.sub(full).abs().max().item();
      // Layouts that pad by reflection (the first models') run in float32: libtorch has no bfloat16 reflection pad.
      if (g.bf16) assert.ok(diff > 0 && diff < 2 / 255, `|bfloat16 - float32| up to ${diff * 255} levels`);
      else assert.equal(diff, 0);
    }));
    assert.ok(g.parameters().every((p) => p.dtype === 'float32'), 'the parameters stay float32');
    g.dispose();
  }
  const was = process.env.ATELIER_INFERENCE_PRECISION;
  try {
    delete process.env.ATELIER_INFERENCE_PRECISION;
    assert.equal(inferencePrecision(), E.cpuHasNativeBf16() ? 'bfloat16' : 'float32');
    assert.equal(inferencePrecision('cuda:0'), 'float32');
    process.env.ATELIER_INFERENCE_PRECISION = 'float32';
    assert.equal(inferencePrecision(), 'float32');
    process.env.ATELIER_INFERENCE_PRECISION = 'bfloat16';
    assert.equal(inferencePrecision(), 'bfloat16');
    process.env.ATELIER_INFERENCE_PRECISION = 'fp8';
    assert.throws(() => inferencePrecision(), /ATELIER_INFERENCE_PRECISION must be float32, bfloat16 or auto/);
  } finally {
    if (was === undefined) delete process.env.ATELIER_INFERENCE_PRECISION;
    else process.env.ATELIER_INFERENCE_PRECISION = was;
  }
});

test('bfloat16 inference prints no period-2 checker of its own (the pixel-shuffle head runs in float32)', () => {
  // Measured on a lynx keyframe model's frame: gridScore 11.4 in bfloat16 with the head in
  // bfloat16, 3.07 with it in float32, 3.11 all in float32. This untrained case shows it faintly:
  // 1.27 with the head in bfloat16, 1.00 in float32.
  E.manualSeed(10);
  // Without the output filter, which would hide the checker (tested below).
  const g = new LookGenerator(6, { ...DEFAULT_ARCH, outputFilter: 'none' });
  E.noGrad(() => E.tidy(() => {
    // A trained head's sub-pixel kernels drift apart a little: here by 1% of their size.
    const w = g.head.weight;
    w.copy_(w.add(E.randn(w.shape).mul(w.abs().mean().mul(0.01))));
    const x = E.F.interpolate(E.rand([1, 6, 12, 20]), { size: [192, 320], mode: 'bilinear' });
    const full = generateFrame(g, x);
    const half = generateFrame(g, x, 'bfloat16');
    const score = gridScore(half, full);
    assert.ok(score < 1.1, `gridScore of bfloat16 against float32: ${score}`);
  }));
  g.dispose();
});

test('the half-band output filter removes period-2 patterns, keeps flat colour and most of period 4', () => {
  E.tidy(() => {
    const ys = E.arange(0, 32, 1, { dtype: 'float32' }).reshape([1, 1, 32, 1]);
    const xs = E.arange(0, 40, 1, { dtype: 'float32' }).reshape([1, 1, 1, 40]);
    const checker = xs.add(ys).remainder(2).sub(0.5).expand([1, 3, 32, 40]); // ±0.5, period 2
    const f = halfbandFilter(checker);
    assert.deepEqual(f.shape, [1, 3, 32, 40]);
    assert.ok(f.narrow(2, 2, 28).narrow(3, 2, 36).abs().max().item() < 1e-6, 'a checker is removed (inside the 2 px the border replicates)');
    assert.ok(halfbandFilter(E.full([1, 3, 8, 8], 0.3)).sub(0.3).abs().max().item() < 1e-6, 'flat colour is kept');
    const wave = xs.mul(Math.PI / 2).cos().expand([1, 1, 32, 40]); // period 4
    const inner = (t: E.Tensor) => t.narrow(3, 4, 32);
    const ratio = inner(halfbandFilter(wave)).abs().max().item() / inner(wave).abs().max().item();
    assert.ok(Math.abs(ratio - 0.75) < 1e-5, `period 4 gain ${ratio}`);
  });
  // A head whose sub-pixel kernels drifted apart prints a checker without the filter, none with it.
  E.manualSeed(11);
  const plain = new LookGenerator(6, { ...DEFAULT_ARCH, outputFilter: 'none' });
  const filtered = new LookGenerator(6, DEFAULT_ARCH);
  filtered.loadStateDict(plain.stateDict());
  E.noGrad(() => E.tidy(() => {
    const w = plain.head.weight;
    w.copy_(w.add(E.randn(w.shape).mul(w.abs().mean().mul(0.2))));
    filtered.head.weight.copy_(w);
    const x = E.F.interpolate(E.rand([1, 6, 12, 20]), { size: [192, 320], mode: 'bilinear' });
    const reference = E.F.interpolate(E.F.avgPool2d(generateFrame(plain, x), 2), { scale: 2, mode: 'bilinear' });
    const before = gridScore(generateFrame(plain, x), reference);
    const after = gridScore(generateFrame(filtered, x), reference);
    assert.ok(before > 3, `without the filter: ${before}`);
    assert.ok(after < 1.2, `with it: ${after}`);
  }));
  plain.dispose();
  filtered.dispose();
});
