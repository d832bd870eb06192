// npm run bench -- engine: conv-net training throughput against a plain sgemm, in one run: the
// reference net (bench/reference-net.ts, the yardstick other benchmarks normalize by) and the look
// model's own training (trainLook with the default network and losses, on generated pairs; the
// adversarial term on for the second half, as in a default run), data loading included.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as E from '../src/engine/index.js';
import { makeConfig } from '../src/models/look/config.js';
import { trainLook } from '../src/models/look/train.js';
import { mulberry32 } from '../src/image/index.js';
import { measureReferenceNet, timeLoop } from './reference-net.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const ref = measureReferenceNet(seconds);
const train = { iters: ref.steps, perIter: ref.perStep };
const trainGflops = ref.gflops;
const lastLoss = ref.loss;

const M = 2048;
const a = E.keep(E.randn([M, M]));
const b = E.keep(E.randn([M, M]));
const mm = timeLoop(() => E.tidy(() => { a.matmul(b).dispose(); }), seconds / 2, 2);
const sgemmGflops = (2 * M ** 3) / mm.perIter / 1e9;

// The look model's training step: 4 generated 256² pairs (smooth colour fields; painted = shifted
// colour plus a stripe texture), default network, losses and batch.
const lookSteps = Number(process.env.BENCH_LOOK_STEPS ?? 60);
const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-engine-'));
let look: { steps: number; seconds: number; gflops: number };
try {
  const rnd = mulberry32(7);
  const pairs = [];
  for (let i = 0; i < 4; i++) {
    const S = 256, rough = Buffer.alloc(S * S * 3), painted = Buffer.alloc(S * S * 3);
    const c = [rnd(), rnd(), rnd()].map((v) => 60 + 150 * v);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let k = 0; k < 3; k++) {
      const v = c[k]! * (0.6 + 0.4 * Math.sin((x + 2 * y + 40 * k) / 40));
      rough[(y * S + x) * 3 + k] = v;
      painted[(y * S + x) * 3 + k] = Math.min(255, 0.8 * v + 30 + ((x + y) % 7 < 3 ? 12 : -12));
    }
    const raw = { raw: { width: S, height: S, channels: 3 as const } };
    const f = (n: string) => join(dir, `${n}${i}.png`);
    await sharp(rough, raw).png().toFile(f('rough'));
    await sharp(painted, raw).png().toFile(f('painted'));
    pairs.push({ id: `p${i}`, rough: f('rough'), painted: f('painted'), passes: {} });
  }
  const config = makeConfig([], { train: { steps: lookSteps, advStart: 0.5, holdOut: 0, conceptProb: 0, evalEvery: 10 ** 6, sampleEvery: 10 ** 6, checkpointEvery: 10 ** 6 } });
  const r = await trainLook({ runDir: join(dir, 'run'), config, files: { pairs, concepts: [] }, resume: false }, { cancelled: false, progress: () => {} });
  look = { steps: r.steps, seconds: r.seconds, gflops: r.trainGflops };
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const info = E.runtimeInfo();
// Tensors from 1 MB served by a kept block (hits) or a new mapping (misses), native/memory.cc.
const mem = E.memoryStats();
console.log(`threads ${info.threads}, libtorch ${info.torchVersion}`);
console.log(`train: ${train.iters} steps, ${(train.perIter * 1000).toFixed(1)} ms/step, ${trainGflops.toFixed(1)} GFLOP/s (loss ${lastLoss.toFixed(4)})`);
console.log(`look model training: ${look.steps} steps in ${look.seconds.toFixed(1)} s, ${look.gflops.toFixed(1)} GFLOP/s (${(look.gflops / trainGflops).toFixed(2)} x the reference net)`);
console.log(`sgemm ${M}: ${mm.iters} products, ${(mm.perIter * 1000).toFixed(1)} ms each, ${sgemmGflops.toFixed(1)} GFLOP/s`);
console.log(JSON.stringify({
  train_gflops: +trainGflops.toFixed(1),
  sgemm_gflops: +sgemmGflops.toFixed(1),
  ratio: +(trainGflops / sgemmGflops).toFixed(3),
  look_train_gflops: look.gflops,
  look_ratio: +(look.gflops / sgemmGflops).toFixed(3),
  look_vs_reference: +(look.gflops / trainGflops).toFixed(3),
  look_ms_per_step: +(look.seconds / Math.max(1, look.steps) * 1000).toFixed(1),
  train_ms_per_step: +(train.perIter * 1000).toFixed(2),
  threads: info.threads,
  tensor_cache: { enabled: mem.enabled, hits: mem.hits, misses: mem.misses },
}));
