// Texture and structure statistics without pretrained weights: a fixed bank of random multi-scale
// convolution filters (Ustyuzhaninov et al. 2017 show such features support texture synthesis).
// Their activations compared directly act as a perceptual loss on aligned pairs; their Gram matrices
// compare texture. Weights come from a seeded TS generator so the bank is identical everywhere.
import * as E from '../../engine/index.js';
import { mulberry32, gaussians } from '../../metrics/index.js';

export class RandomFeatures {
  readonly #weights: E.Tensor[];
  readonly #shapes: [number, number, number][];
  constructor(device: E.Device = 'cpu', seed = 1234, channels: number[] = [3, 32, 48, 64], kernel = [3, 3, 3]) {
    const rng = mulberry32(seed);
    this.#shapes = kernel.map((k, i) => [channels[i]!, channels[i + 1]!, k]);
    this.#weights = kernel.map((k, i) => {
      const cin = channels[i]!;
      const cout = channels[i + 1]!;
      const std = Math.sqrt(2 / (cin * k * k)); // He init: keeps activations at a similar scale per layer
      // Drawn on the CPU (the same features on every device), then moved.
      return E.keep(E.tidy(() => E.tensor(Float32Array.from(gaussians(rng, cout * cin * k * k)), [cout, cin, k, k]).mul(std).to({ device })));
    });
  }

  /** (N, 3, H, W) in [0, 1] -> activations at full, 1/2 and 1/4 resolution. */
  extract(x: E.Tensor): E.Tensor[] {
    const feats: E.Tensor[] = [];
    let h = x.sub(0.5).mul(2);
    this.#weights.forEach((w, i) => {
      if (i > 0) h = E.F.avgPool2d(h, 2);
      h = E.F.conv2d(E.F.pad(h, 1, 'reflect'), w).relu();
      feats.push(h);
    });
    return feats;
  }

  /** Forward FLOPs on one h x w image. */
  flops(h: number, w: number): number {
    return this.#shapes.reduce((s, [cin, cout, k], i) => s + 2 * cin * cout * k * k * (h / 2 ** i) * (w / 2 ** i), 0);
  }

  dispose(): void {
    for (const w of this.#weights) w.dispose();
  }
}

/** Gram matrices (N, C, C) of (N, C, H, W), normalized by the number of positions. */
export function gram(f: E.Tensor): E.Tensor {
  return E.tidy(() => {
    const [n, c, h, w] = f.shape as [number, number, number, number];
    const flat = f.reshape([n, c, h * w]);
    return flat.matmul(flat.transpose(1, 2)).div(h * w);
  });
}
