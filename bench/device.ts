// npm run bench -- device: the engine on this build's GPU (a CUDA libtorch: LIBTORCH=… npm run setup)
// beside the CPU, in one run: the reference net's training throughput, the look generator's training
// step (the default network, a batch of 4 crops of 256² or BENCH_DEVICE_BATCH, L1 and Adam) and a 1920×1080 generator pass
// in float32 and bfloat16. Without a GPU it measures the CPU alone.
import { performance } from 'node:perf_hooks';
import * as E from '../src/engine/index.js';
import * as nn from '../src/nn/index.js';
import { LookGenerator } from '../src/models/look/generator.js';
import { DEFAULT_ARCH, inputChannels, makeConfig } from '../src/models/look/config.js';
import { generatorFlops } from '../src/models/look/flops.js';
import { measureReferenceNet, timeLoop } from './reference-net.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
// Crops per look training step (BENCH_DEVICE_BATCH, default 4, the trainer's): a GPU is far from busy at 4.
const batch = Number(process.env.BENCH_DEVICE_BATCH ?? 4);
if (!Number.isInteger(batch) || batch < 1) throw new Error(`BENCH_DEVICE_BATCH must be a whole number ≥ 1, got ${process.env.BENCH_DEVICE_BATCH}`);
const cin = inputChannels(makeConfig([]));

/** ms per training step of the look generator on `device` (forward, backward, Adam). */
function lookStep(device: string): number {
  E.manualSeed(0);
  const g = new LookGenerator(cin, DEFAULT_ARCH).to(device);
  const opt = new nn.Adam(g.namedParameters(), { lr: 1e-4 });
  const x = E.keep(E.rand([batch, cin, 256, 256], { device }));
  const y = E.keep(E.rand([batch, 3, 256, 256], { device }));
  try {
    return 1000 * timeLoop(() => E.tidy(() => {
      const loss = g.forward(x).sub(y).abs().mean();
      opt.zeroGrad();
      loss.backward();
      opt.step();
      loss.item(); // waits for the device
    }), seconds).perIter;
  } finally {
    E.disposeAll([x, y]);
    opt.dispose();
    g.dispose();
  }
}

/** ms per 1080p generator pass on `device` in `precision` (inference, as a render runs it). */
function frame1080(device: string, precision: 'float32' | 'bfloat16'): number {
  E.manualSeed(0);
  const g = new LookGenerator(cin, DEFAULT_ARCH).to(device);
  const x = E.keep(E.rand([1, cin, 1080, 1920], { device }).to(precision));
  try {
    const budget = device === 'cpu' ? Math.max(seconds, 4) : seconds;
    return 1000 * timeLoop(() => E.tidy(() => E.noGrad(() => { g.forward(x).sum().item(); })), budget, 1).perIter;
  } finally {
    x.dispose();
    g.dispose();
  }
}

const info = E.runtimeInfo();
const devices = info.cudaAvailable ? ['cpu', E.defaultDevice()] : ['cpu'];
const stepFlops = 3 * generatorFlops(cin, DEFAULT_ARCH, 256, 256) * batch; // forward + both gradients
const out: Record<string, unknown> = { torch: info.torchVersion, cuda_devices: info.cudaDeviceCount, threads: info.threads, look_batch: batch };
for (const d of devices) {
  const t0 = performance.now();
  const key = d === 'cpu' ? 'cpu' : 'gpu';
  const ref = measureReferenceNet(seconds, d);
  const step = lookStep(d);
  const f32 = frame1080(d, 'float32');
  const bf16 = frame1080(d, 'bfloat16');
  out[key] = {
    device: d,
    reference_gflops: +ref.gflops.toFixed(1),
    look_step_ms: +step.toFixed(2),
    look_step_gflops: +(stepFlops / step / 1e6).toFixed(1),
    gen_1080p_ms: +f32.toFixed(2),
    gen_1080p_bf16_ms: +bf16.toFixed(2),
  };
  console.log(`${d}: reference net ${ref.gflops.toFixed(1)} GFLOP/s; look step ${step.toFixed(1)} ms (${(stepFlops / step / 1e6).toFixed(1)} GFLOP/s); 1080p generator ${f32.toFixed(1)} ms float32, ${bf16.toFixed(1)} ms bfloat16 (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
if (out.gpu) {
  const c = out.cpu as Record<string, number>, g = out.gpu as Record<string, number>;
  out.gpu_vs_cpu = {
    reference: +(g.reference_gflops! / c.reference_gflops!).toFixed(1),
    look_step: +(c.look_step_ms! / g.look_step_ms!).toFixed(1),
    gen_1080p: +(c.gen_1080p_ms! / g.gen_1080p_ms!).toFixed(1),
    gen_1080p_bf16: +(c.gen_1080p_bf16_ms! / g.gen_1080p_bf16_ms!).toFixed(1),
  };
}
console.log(JSON.stringify(out));
