// npm run bench -- engine: conv-net training throughput against a plain sgemm, in one run.
// The net and its FLOP count: bench/reference-net.ts.
import * as E from '../src/engine/index.js';
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
