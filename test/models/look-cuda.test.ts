// The look trainer on a GPU (a CUDA libtorch: LIBTORCH=/path/to/libtorch npm run setup): the same
// batches and first step as on the CPU, bit-identical resume, keyframe anchoring, a model file that
// runs anywhere. Skipped where this build has no CUDA device (Debian's libtorch, CI); run on a GPU
// machine with `npm test -- test/models/look-cuda`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { makeConfig } from '../../src/models/look/config.js';
import { trainLook } from '../../src/models/look/train.js';
import { loadLookModel } from '../../src/models/look/model-file.js';
import { stylizeFile } from '../../src/models/look/stylize.js';
import { writePair } from './look-fixtures.js';

const skip = E.runtimeInfo().cudaAvailable ? false : 'this libtorch build has no CUDA device';
const GPU = 'cuda:0';

test('a look model trains on the GPU: the CPU\'s first step, bit-identical resume, anchoring, a file that runs on the CPU', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-look-cuda-'));
  try {
    const pairs = await Promise.all([0, 1, 2, 3, 4].map((i) => writePair(dir, i)));
    const files = { pairs: pairs.map((p, i) => ({ id: `p${i}`, rough: p.rough, painted: p.painted, passes: { normal: p.normal } })), concepts: [] };
    // The default architecture and its GAN view (reflect and replicate padding in every part).
    const config = makeConfig([{ name: 'normal', channels: 3 }], { arch: { baseChannels: 8, resBlocks: 1, discChannels: 8 }, train: { patchSize: 32, batchSize: 4, steps: 40, advStart: 0.25, evalEvery: 10, sampleEvery: 20, checkpointEvery: 10 } });
    const run = async (name: string, device: string, more: object = {}) => {
      const losses: number[] = [];
      const r = await trainLook({ runDir: join(dir, name), config, files, resume: false, device, ...more }, { cancelled: false, progress: (e: any) => { if (e.type === 'step') losses.push(e.loss.total); } });
      return { r, losses };
    };
    const cpu = await run('cpu', 'cpu');
    const gpu = await run('gpu', GPU);
    assert.equal(gpu.r.device, GPU);
    // Same seed: the same initial weights and the same first batch; convolutions on the GPU may use TF32.
    assert.ok(Math.abs(gpu.losses[0]! - cpu.losses[0]!) < 1e-2 * cpu.losses[0]!, `first loss ${gpu.losses[0]} on the GPU, ${cpu.losses[0]} on the CPU`);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(mean(gpu.losses.slice(-5)) < mean(gpu.losses.slice(0, 5)), `the loss fell on the GPU: ${gpu.losses.slice(0, 5)} -> ${gpu.losses.slice(-5)}`);

    // Stopped and resumed on the GPU (deterministic mode): the same model, byte for byte.
    await assert.rejects(trainLook({ runDir: join(dir, 'parts'), config, files, resume: false, stopAfter: 25, device: GPU }, { cancelled: false, progress: () => {} }), /stopped at step 25/);
    const resumed = await trainLook({ runDir: join(dir, 'parts'), config, files, resume: true, device: GPU }, { cancelled: false, progress: () => {} });
    assert.deepEqual(readFileSync(resumed.modelPath), readFileSync(gpu.r.modelPath));

    // A keyframe fine-tune held to a production model: θ0 and the teacher's frames on the GPU.
    const anchored = await run('anchored', GPU, {
      initModel: cpu.r.modelPath,
      anchor: { model: cpu.r.modelPath, wL2SP: 1e-3, wDistill: 1, frames: [{ id: 'a', rough: pairs[4]!.rough, passes: { normal: pairs[4]!.normal } }] },
    });
    assert.ok(anchored.losses.every(Number.isFinite));

    // The file holds CPU-readable weights and says where it trained.
    const model = loadLookModel(gpu.r.modelPath);
    assert.equal(model.metadata.device, GPU);
    const out = await stylizeFile(model, pairs[0]!.rough, { normal: pairs[0]!.normal });
    assert.equal(out.device, 'cpu');
    assert.deepEqual(out.shape, [1, 3, 40, 40]);
    out.dispose();
    model.generator.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
