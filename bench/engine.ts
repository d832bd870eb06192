// npm run bench -- engine: conv-net training throughput against a plain sgemm, in one run.
// Net: 4 conv layers 3x3 (3->32->32->32->3), ReLU, Adam, batches of 8x3x64x64.
// FLOPs counted honestly: forward, weight gradients of every layer, input gradients of layers 2-4
// (libtorch skips the first layer's input gradient, the data does not require grad).
import { performance } from 'node:perf_hooks';
import * as E from '../src/engine/index.js';
import * as nn from '../src/nn/index.js';

const N = 8, H = 64, W = 64, C = 32;
const seconds = Number(process.env.BENCH_SECONDS ?? 6);

function convFlops(cin: number, cout: number): number {
  return 2 * cin * cout * 9 * H * W * N;
}

function timeLoop(fn: () => void, budgetS: number, warmup = 3): { perIter: number; iters: number } {
  for (let i = 0; i < warmup; i++) fn();
  let iters = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetS * 1000) {
    fn();
    iters++;
  }
  return { perIter: (performance.now() - t0) / 1000 / iters, iters };
}

E.manualSeed(0);
const net = new nn.Sequential(
  new nn.Conv2d(3, C, 3, { padding: 1 }), nn.ReLU(),
  new nn.Conv2d(C, C, 3, { padding: 1 }), nn.ReLU(),
  new nn.Conv2d(C, C, 3, { padding: 1 }), nn.ReLU(),
  new nn.Conv2d(C, 3, 3, { padding: 1 }),
);
const opt = new nn.Adam(net.namedParameters(), { lr: 1e-3 });
const x = E.keep(E.randn([N, 3, H, W]));
const y = E.keep(E.randn([N, 3, H, W]));
let lastLoss = 0;
const train = timeLoop(() => {
  lastLoss = E.tidy(() => {
    const loss = E.F.mseLoss(net.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  });
}, seconds);
const fwd = convFlops(3, C) + 2 * convFlops(C, C) + convFlops(C, 3);
const trainFlopsPerStep = fwd /* forward */ + fwd /* weight grads */ + (fwd - convFlops(3, C)) /* input grads */;
const trainGflops = trainFlopsPerStep / train.perIter / 1e9;

const M = 2048;
const a = E.keep(E.randn([M, M]));
const b = E.keep(E.randn([M, M]));
const mm = timeLoop(() => E.tidy(() => { a.matmul(b).dispose(); }), seconds / 2, 2);
const sgemmGflops = (2 * M ** 3) / mm.perIter / 1e9;

const info = E.runtimeInfo();
console.log(`threads ${info.threads}, libtorch ${info.torchVersion}`);
console.log(`train: ${train.iters} steps, ${(train.perIter * 1000).toFixed(1)} ms/step, ${trainGflops.toFixed(1)} GFLOP/s (loss ${lastLoss.toFixed(4)})`);
console.log(`sgemm ${M}: ${mm.iters} products, ${(mm.perIter * 1000).toFixed(1)} ms each, ${sgemmGflops.toFixed(1)} GFLOP/s`);
console.log(JSON.stringify({
  train_gflops: +trainGflops.toFixed(1),
  sgemm_gflops: +sgemmGflops.toFixed(1),
  ratio: +(trainGflops / sgemmGflops).toFixed(3),
  train_ms_per_step: +(train.perIter * 1000).toFixed(2),
  threads: info.threads,
}));
