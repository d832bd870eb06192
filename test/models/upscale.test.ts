// The production upscaler: pixel shuffle, the network (starts as bicubic, tiles exactly), the
// self-supervised trainer on tiny synthetic "paintings" (loss falls, deterministic, held-out images
// never trained on, model file round-trips), and the CLI (train upscale through a production,
// upscale with a model file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import {
  makeUpscaleConfig, Upscaler, pixelShuffle, pixelUnshuffle, bicubicUpscale, upscaleImage, upscaleTileOptions, downscale,
  heldOutImageIds, loadUpscaleSet, disposeUpscaleSet, trainUpscale, loadUpscaleModel, saveUpscaleModel, parseUpscaleConfig, keysUpscale, antialiasedDownscale, keysKernel,
} from '../../src/models/upscale/index.js';
import { tileMaxAbsDiff } from '../../src/render/tiles.js';
import { loadImage } from '../../src/data/image-io.js';

E.setNumThreads(1);
const root = mkdtempSync(join(tmpdir(), 'atelier-upscale-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const bin = join(process.cwd(), 'bin', 'atelier');
const tiny = { arch: { channels: 8, blocks: 1 }, train: { steps: 60, batchSize: 4, patchSize: 16, evalEvery: 30, lr: 2e-3 } };

/** A synthetic painting: smooth colour fields with diagonal strokes, different per seed. */
async function painting(path: string, seed: number, w = 48, h = 40): Promise<string> {
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const k = (y * w + x) * 3;
    const stroke = ((x + 2 * y + seed) % 5 < 2 ? 30 : -20);
    const field = [120 + 80 * Math.sin((x + seed * 7) / 9), 110 + 70 * Math.cos((y - seed * 3) / 7), 90 + 60 * Math.sin((x + y) / 11 + seed)];
    for (let c = 0; c < 3; c++) px[k + c] = Math.max(0, Math.min(255, Math.round(field[c]! + stroke)));
  }
  mkdirSync(join(path, '..'), { recursive: true });
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
  return path;
}

test('pixel shuffle: PyTorch channel order, and unshuffle inverts it', () => {
  E.tidy(() => {
    const x = E.arange(0, 2 * 8 * 2 * 3, 1, { dtype: 'float32' }).reshape([2, 8, 2, 3]);
    const y = pixelShuffle(x, 2);
    assert.deepEqual(y.shape, [2, 2, 4, 6]);
    const xv = x.toArray();
    const yv = y.toArray();
    const at = (n: number, c: number, h: number, w: number) => yv[((n * 2 + c) * 4 + h) * 6 + w]!;
    // out[n, c, h*2+i, w*2+j] = in[n, c*4 + i*2 + j, h, w]
    for (const [n, c, i, j, h, w] of [[0, 0, 0, 1, 1, 2], [1, 1, 1, 0, 0, 1], [1, 0, 1, 1, 1, 0]] as const) {
      assert.equal(at(n, c, h * 2 + i, w * 2 + j), xv[((n * 8 + c * 4 + i * 2 + j) * 2 + h) * 3 + w]);
    }
    assert.deepEqual(pixelUnshuffle(y, 2).toArray(), xv);
  });
});

test('the network starts near bicubic, and tiled inference equals whole-frame inference', () => {
  E.manualSeed(5);
  const c = makeUpscaleConfig({ scale: 2, ...tiny });
  const net = new Upscaler(c).eval();
  E.tidy(() => {
    const x = E.rand([1, 3, 37, 53]);
    const y = upscaleImage(net, x);
    assert.deepEqual(y.shape, [1, 3, 74, 106]);
    const base = bicubicUpscale(x, 2);
    assert.ok(y.sub(base).abs().mean().item() < 0.05, 'an untrained upscaler should be close to bicubic');
    const wide = E.rand([1, 3, 45, 150]);
    const d = tileMaxAbsDiff((t) => net.forward(t), wide, upscaleTileOptions(net, 64));
    console.log(`upscaler x2, 45x150 in tiles of 64: ${d.tiles} tiles, max |diff| ${d.maxAbsDiff.toExponential(2)} (relative ${d.relDiff.toExponential(2)})`);
    assert.ok(d.tiles > 1 && d.relDiff < 1e-5, `tiled vs whole ${d.relDiff}`);
  });
  net.dispose();
  const c4 = makeUpscaleConfig({ scale: 4, ...tiny });
  const net4 = new Upscaler(c4);
  E.tidy(() => assert.deepEqual(upscaleImage(net4, E.rand([1, 3, 9, 7])).shape, [1, 3, 36, 28]));
  net4.dispose();
  assert.throws(() => makeUpscaleConfig({ scale: 3 }), /scale must be 2 or 4/);
  assert.throws(() => parseUpscaleConfig('{"format":"x"}', 'f'), /not an Atelier upscaler/);
});

test('area downscale averages blocks and rounds to 8 bits; hold-out is deterministic and leaves training images', () => {
  E.tidy(() => {
    const x = E.rand([1, 3, 8, 12]);
    const lr = downscale(x, 2);
    const ref = E.F.avgPool2d(x, 2).mul(255).round().div(255);
    assert.ok(lr.sub(ref).abs().max().item() < 1e-6);
  });
  const files = ['d', 'a', 'c', 'b', 'e', 'f'].map((id) => ({ id, path: id }));
  assert.deepEqual([...heldOutImageIds(files, 0.25)].sort(), [...heldOutImageIds([...files].reverse(), 0.25)].sort());
  assert.equal(heldOutImageIds(files, 0.25).size, 2);
  assert.equal(heldOutImageIds(files.slice(0, 2), 0.9).size, 1);
  assert.equal(heldOutImageIds(files.slice(0, 1), 0.5).size, 0);
});

test('explicit hold-out (a leave-one-out fold): exactly the named images, and clear errors for unknown, train-only or all', async () => {
  const dir = join(root, 'explicit');
  const files = await Promise.all([0, 1, 2].map(async (i) => ({ id: `img${i}`, path: await painting(join(dir, `p${i}.png`), i) })));
  const c = makeUpscaleConfig({ scale: 2, ...tiny });
  const set = await loadUpscaleSet(c, files, undefined, ['img2']);
  assert.deepEqual(set.heldOut.map((e) => e.id), ['img2']);
  assert.deepEqual(set.train.map((e) => e.id), ['img0', 'img1']);
  disposeUpscaleSet(set);
  await assert.rejects(loadUpscaleSet(c, files, undefined, ['img9']), /cannot hold out img9: it is not among the 3 training images/);
  await assert.rejects(loadUpscaleSet(c, [...files.slice(0, 2), { ...files[2]!, trainOnly: true }], undefined, ['img2']), /used for training only/);
  await assert.rejects(loadUpscaleSet(c, files, undefined, ['img0', 'img1', 'img2']), /none would be left to train on/);
});

test('bicubic references: Keys a=-0.75 is libtorch\'s bicubic; the antialiased downscale is sharp\'s cubic resize', async () => {
  assert.equal(keysKernel(0), 1);
  assert.equal(keysKernel(1), 0);
  assert.equal(keysKernel(2), 0);
  E.tidy(() => {
    const x = E.rand([1, 3, 13, 17]);
    for (const s of [2, 4]) {
      const torch = E.F.interpolate(x, { size: [13 * s, 17 * s], mode: 'bicubic' }).clamp(0, 1);
      assert.ok(keysUpscale(x, s, -0.75).sub(torch).abs().max().item() < 1e-5, `Keys a=-0.75 x${s} vs libtorch`);
      assert.deepEqual(keysUpscale(x, s).shape, [1, 3, 13 * s, 17 * s]);
      // A constant stays constant (the kernel is normalized), and so does a linear ramp inside.
      assert.ok(antialiasedDownscale(E.full([1, 3, 8 * s, 4 * s], 0.4), s).sub(E.full([1, 3, 8, 4], 0.4)).abs().max().item() < 0.003);
    }
  });
  const dir = join(root, 'cubic');
  const path = await painting(join(dir, 'p.png'), 3, 64, 48);
  const { data } = await sharp(path).resize(32, 24, { kernel: 'cubic' }).raw().toBuffer({ resolveWithObject: true });
  const img = await loadImage(path, 3);
  E.tidy(() => {
    const ref = E.tensor(Array.from(data), [24, 32, 3]).permute([2, 0, 1]).unsqueeze(0).div(255);
    const ours = downscale(img.tensor, 2, 'bicubic-aa');
    // Interior pixels (edges are handled differently): within rounding of sharp's.
    const d = ours.sub(ref).narrow(2, 2, 20).narrow(3, 2, 28).abs();
    console.log(`antialiased bicubic x2 vs sharp cubic: mean |diff| ${(d.mean().item() * 255).toFixed(3)}, max ${(d.max().item() * 255).toFixed(2)} levels`);
    assert.ok(d.mean().item() * 255 < 0.5 && d.max().item() * 255 <= 2.01);
  });
  img.tensor.dispose();
});

test('training: loss falls, same seed gives the same model, held-out images are scored, model file round-trips', async () => {
  const dir = join(root, 'train');
  const files = await Promise.all([0, 1, 2, 3].map(async (i) => ({ id: `img${i}`, path: await painting(join(dir, `p${i}.png`), i) })));
  const config = makeUpscaleConfig({ scale: 2, ...tiny, train: { ...tiny.train, holdOut: 0.25 } });
  const events: any[] = [];
  const before = E.liveTensors();
  const a = await trainUpscale({ runDir: join(dir, 'a'), config, files }, { progress: (e) => events.push(e), cancelled: false });
  // Nothing of the run may stay alive.
  assert.equal(E.liveTensors() - before, 0, `training leaked ${E.liveTensors() - before} tensors`);
  const b = await trainUpscale({ runDir: join(dir, 'b'), config, files }, { progress: () => {}, cancelled: false });
  const steps = events.filter((e) => e.type === 'step');
  assert.equal(steps.length, 60);
  const early = steps.slice(0, 10).reduce((s, e) => s + e.loss, 0) / 10;
  const late = steps.slice(-10).reduce((s, e) => s + e.loss, 0) / 10;
  assert.ok(late < early, `loss ${early} -> ${late}`);
  assert.equal(a.heldOutIds.length, 1);
  assert.equal(a.trainImages, 3);
  assert.ok(a.heldOut && Number.isFinite(a.heldOut.gainDb) && a.heldOut.images === 1);
  console.log(`tiny upscaler, 60 steps: held-out ${a.heldOut!.psnr.toFixed(2)} dB vs bicubic ${a.heldOut!.bicubicPsnr.toFixed(2)} dB`);
  assert.equal(a.finalLoss, b.finalLoss, 'same seed, same data: same run');
  const ma = loadUpscaleModel(a.modelPath);
  const mb = loadUpscaleModel(b.modelPath);
  assert.deepEqual(ma.config, config);
  for (const [k, t] of ma.net.stateDict()) assert.deepEqual(t.data(), mb.net.stateDict().get(k)!.data(), `weights ${k} differ`);
  ma.net.dispose();
  mb.net.dispose();
  assert.throws(() => loadUpscaleModel(join(dir, 'p0.png')), /./);
  await assert.rejects(trainUpscale({ runDir: join(dir, 'c'), config: makeUpscaleConfig({ ...tiny, train: { ...tiny.train, patchSize: 64 } }), files }, { progress: () => {}, cancelled: false }), /at least 64x64/);
});

test('the 8-way self-ensemble (the default) averages the flips / quarter-turns: it commutes with them, one pass does not', () => {
  E.manualSeed(11);
  const net = new Upscaler(makeUpscaleConfig({ scale: 2, ...tiny }));
  E.noGrad(() => net.tail.weight.mul_(10)); // away from bicubic, which commutes with flips anyway
  E.tidy(() => {
    const x = E.rand([1, 3, 21, 30]);
    for (const [name, t] of [['flip x', (v: E.Tensor) => v.flip(3)], ['transpose', (v: E.Tensor) => v.transpose(2, 3).contiguous()]] as const) {
      const ens = upscaleImage(net, t(x)).sub(t(upscaleImage(net, x))).abs().max().item();
      const one = upscaleImage(net, t(x), 256, 1).sub(t(upscaleImage(net, x, 256, 1))).abs().max().item();
      assert.ok(ens < 1e-5, `ensemble vs ${name}: ${ens}`);
      assert.ok(one > 1e-3, `one pass vs ${name}: ${one}`);
    }
    assert.throws(() => upscaleImage(net, x, 256, 4 as never), /ensemble must be 1 or 8/);
  });
  net.dispose();
});

test('images down to 2x2 upscale; a 1-pixel-wide or -high one is refused with its size and the minimum', () => {
  const net = new Upscaler(makeUpscaleConfig({ scale: 2, ...tiny }));
  E.tidy(() => {
    assert.deepEqual(upscaleImage(net, E.rand([1, 3, 2, 2])).shape, [1, 3, 4, 4]);
    assert.throws(() => upscaleImage(net, E.rand([1, 3, 1, 64]), 256, 1), /upscaleImage: the image is 64x1 pixels: the upscaler needs at least 2x2/);
    assert.throws(() => upscaleImage(net, E.rand([1, 3, 5, 1])), /is 1x5 pixels: the upscaler needs at least 2x2/);
  });
  net.dispose();
});

test('model files keep their own architecture: an upscaler of the earlier default size (32 channels, 3 blocks) loads and gives the same output', () => {
  const dir = join(root, 'legacy');
  mkdirSync(dir, { recursive: true });
  E.manualSeed(7);
  // The configuration as files written with the earlier defaults hold it (arch and train in full).
  const config = makeUpscaleConfig({ scale: 2, arch: { channels: 32, blocks: 3 }, train: { steps: 1500, batchSize: 16, patchSize: 64 } });
  const net = new Upscaler(config).eval();
  const path = join(dir, 'old.safetensors');
  saveUpscaleModel(path, config, net.stateDict());
  const m = loadUpscaleModel(path);
  assert.deepEqual(m.config, config);
  assert.equal(m.net.receptiveRadius, 9);
  E.tidy(() => {
    const x = E.rand([1, 3, 19, 23]);
    assert.deepEqual(upscaleImage(m.net, x).data(), upscaleImage(net, x).data());
  });
  m.net.dispose();
  net.dispose();
});

test('CLI: train upscale on a production dataset, then upscale an image (by version and by file)', async () => {
  const dir = join(root, 'cli');
  const prodDir = join(dir, 'prod');
  for (let i = 0; i < 3; i++) await painting(join(dir, 'art', `concept${i}.png`), i + 10, 56, 48);
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `atelier ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  run(['init', prodDir]);
  run(['add', join(dir, 'art'), '--kind', 'concept_art', '--cleared', '--production', prodDir]);
  run(['dataset', 'create', 'art-v1', '--kind', 'concept_art', '--production', prodDir]);
  const trained = JSON.parse(run(['train', 'upscale', '--dataset', 'art-v1', '--scale', '2', '--steps', '30', '--batch', '4', '--patch', '16', '--channels', '8', '--blocks', '1', '--hold-out', 'concept2.png', '--production', prodDir, '--json']).stdout);
  assert.equal(trained.scale, 2);
  assert.deepEqual(trained.heldOut.map((h: { name: string }) => h.name), ['concept2.png'], 'the image named by --hold-out is the one held out');
  assert.equal(trained.result.trainImages, 2);
  const unknown = spawnSync(process.execPath, [bin, 'train', 'upscale', '--dataset', 'art-v1', '--hold-out', 'nope.png', '--production', prodDir], { encoding: 'utf8' });
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /cannot hold out "nope.png": no concept art or character sheet of dataset art-v1/);
  const out = join(dir, 'up.png');
  const r = JSON.parse(run(['upscale', join(dir, 'art', 'concept0.png'), '--model', String(trained.modelVersion), '-o', out, '--tile', '16', '--production', prodDir, '--json']).stdout);
  assert.equal(r.scale, 2);
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.width, meta.height], [112, 96]);
  assert.ok(r.lineageRecord !== null);
  const byFile = JSON.parse(run(['upscale', join(dir, 'art', 'concept1.png'), '--model', trained.result.modelPath, '--json']).stdout);
  assert.ok(existsSync(byFile.output) && byFile.output.endsWith('concept1.2x.png'));
  const bad = spawnSync(process.execPath, [bin, 'train', 'upscale', '--dataset', 'art-v1', '--scale', '3', '--production', prodDir], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--scale must be 2 or 4/);
  // A 1-pixel-high image: its file and the minimum named, nothing written.
  const thin = join(dir, 'thin.png');
  await sharp({ create: { width: 64, height: 1, channels: 3, background: '#808080' } }).png().toFile(thin);
  const tooSmall = spawnSync(process.execPath, [bin, 'upscale', thin, '--model', trained.result.modelPath, '-o', join(dir, 'thin-up.png'), '--passes', '1'], { encoding: 'utf8' });
  assert.equal(tooSmall.status, 1);
  assert.ok(tooSmall.stderr.includes(`${thin} is 64x1 pixels: the upscaler needs at least 2x2`), tooSmall.stderr);
  assert.ok(!existsSync(join(dir, 'thin-up.png')));
});
