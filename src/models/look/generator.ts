// The look generator: an encoder-decoder in the spirit of Texler et al. 2020 (encoder, residual
// blocks, decoder), with U-Net skips so fine detail from the guides reaches the output, and
// nearest-neighbour upsampling + conv instead of transposed convs (no checkerboard artifacts).
// No normalization layers: it is trained on small patches and run on whole frames, and per-patch
// statistics would differ from per-frame ones.
import * as E from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import type { ArchitectureConfig } from './config.js';

const conv = (cin: number, cout: number, k: number, stride = 1) =>
  new nn.Conv2d(cin, cout, k, { stride, padding: (k - 1) / 2, paddingMode: 'reflect' });

class ResBlock extends nn.Module {
  readonly a: nn.Conv2d;
  readonly b: nn.Conv2d;
  constructor(ch: number) {
    super();
    this.a = this.child('a', conv(ch, ch, 3));
    this.b = this.child('b', conv(ch, ch, 3));
  }
  forward(x: E.Tensor): E.Tensor {
    return E.tidy(() => x.add(this.b.forward(this.a.forward(x).leakyRelu(0.2))));
  }
}

export class LookGenerator extends nn.Module {
  readonly stem: nn.Conv2d;
  readonly down1: nn.Conv2d;
  readonly down2: nn.Conv2d;
  readonly blocks: nn.Sequential;
  readonly up1: nn.Conv2d;
  readonly up2: nn.Conv2d;
  readonly head: nn.Conv2d;

  constructor(readonly inChannels: number, a: ArchitectureConfig) {
    super();
    const c = a.baseChannels;
    this.stem = this.child('stem', conv(inChannels, c, 5));
    this.down1 = this.child('down1', conv(c, 2 * c, 3, 2));
    this.down2 = this.child('down2', conv(2 * c, 4 * c, 3, 2));
    this.blocks = this.child('blocks', new nn.Sequential(...Array.from({ length: a.resBlocks }, () => new ResBlock(4 * c))));
    this.up1 = this.child('up1', conv(4 * c + 2 * c, 2 * c, 3));
    this.up2 = this.child('up2', conv(2 * c + c, c, 3));
    this.head = this.child('head', conv(c, 3, 3));
  }

  /** (N, inChannels, H, W) with H, W multiples of 4 -> (N, 3, H, W), about [0, 1] (not clamped). */
  forward(x: E.Tensor): E.Tensor {
    return E.tidy(() => {
      const s0 = this.stem.forward(x).leakyRelu(0.2); // full resolution
      const s1 = this.down1.forward(s0).leakyRelu(0.2); // 1/2
      const s2 = this.blocks.forward(this.down2.forward(s1).leakyRelu(0.2)); // 1/4
      const u1 = this.up1.forward(E.F.cat([E.F.interpolate(s2, { scale: 2, mode: 'nearest' }), s1], 1)).leakyRelu(0.2);
      const u2 = this.up2.forward(E.F.cat([E.F.interpolate(u1, { scale: 2, mode: 'nearest' }), s0], 1)).leakyRelu(0.2);
      // Unbounded output around mid-grey: a tanh here saturated and stalled training after a
      // spike; frames are clamped to [0, 1] when generated (generateFrame) and saved.
      return this.head.forward(u2).add(0.5);
    });
  }
}

/** Runs the generator on a frame of any size: reflect-pads to a multiple of 4, then crops back. */
export function generateFrame(g: LookGenerator, input: E.Tensor): E.Tensor {
  return E.tidy(() => {
    const [, , h, w] = input.shape as [number, number, number, number];
    const ph = (4 - (h % 4)) % 4;
    const pw = (4 - (w % 4)) % 4;
    const padded = ph || pw ? E.F.pad(input, [0, pw, 0, ph], h > ph && w > pw ? 'reflect' : 'replicate') : input;
    const out = g.forward(padded).clamp(0, 1);
    return ph || pw ? out.slice(2, 0, h).slice(3, 0, w).contiguous() : out;
  });
}
