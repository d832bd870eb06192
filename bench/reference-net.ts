// The engine's reference conv net: 4 conv layers 3x3 (3->32->32->32->3), ReLU, Adam, batches of
// 8x3x64x64. Machines of the same kind differ 2-4x in conv speed, so benchmarks report speed
// normalized by this net's training throughput measured in the same run (× 130 ÷ its GFLOP/s).
// FLOPs counted honestly: forward, weight gradients of every layer, input gradients of layers 2-4
// (libtorch skips the first layer's input gradient, the data does not require grad).
import { performance } from 'node:perf_hooks';
import * as E from '../src/engine/index.js';
import * as nn from '../src/nn/index.js';

/** GFLOP/s the reference net trains at on the machine the targets were set on. */
export const REFERENCE_GFLOPS = 130;

const N = 8, H = 64, W = 64, C = 32;

function convFlops(cin: number, cout: number): number {
  return 2 * cin * cout * 9 * H * W * N;
}

export function timeLoop(fn: () => void, budgetS: number, warmup = 3): { perIter: number; iters: number } {
  for (let i = 0; i < warmup; i++) fn();
  let iters = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetS * 1000) {
    fn();
    iters++;
  }
  return { perIter: (performance.now() - t0) / 1000 / iters, iters };
}

/** Trains the reference net for `seconds` on `device`; its throughput and last loss. */
export function measureReferenceNet(seconds: number, device = 'cpu'): { gflops: number; perStep: number; steps: number; loss: number } {
  E.manualSeed(0);
  const net = new nn.Sequential(
    new nn.Conv2d(3, C, 3, { padding: 1 }), nn.ReLU(),
    new nn.Conv2d(C, C, 3, { padding: 1 }), nn.ReLU(),
    new nn.Conv2d(C, C, 3, { padding: 1 }), nn.ReLU(),
    new nn.Conv2d(C, 3, 3, { padding: 1 }),
  ).to(device);
  const opt = new nn.Adam(net.namedParameters(), { lr: 1e-3 });
  const x = E.keep(E.randn([N, 3, H, W], { device }));
  const y = E.keep(E.randn([N, 3, H, W], { device }));
  let loss = 0;
  try {
    const train = timeLoop(() => {
      loss = E.tidy(() => {
        const l = E.F.mseLoss(net.forward(x), y);
        opt.zeroGrad();
        l.backward();
        opt.step();
        return l.item();
      });
    }, seconds);
    const fwd = convFlops(3, C) + 2 * convFlops(C, C) + convFlops(C, 3);
    const flopsPerStep = fwd /* forward */ + fwd /* weight grads */ + (fwd - convFlops(3, C)) /* input grads */;
    return { gflops: flopsPerStep / train.perIter / 1e9, perStep: train.perIter, steps: train.iters, loss };
  } finally {
    E.disposeAll([x, y]);
    opt.dispose();
    net.dispose();
  }
}
