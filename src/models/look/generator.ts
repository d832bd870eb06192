// The look generator: an encoder-decoder in the spirit of Texler et al. 2020 (encoder, residual
// blocks, decoder), with U-Net skips so fine detail from the guides reaches the output, and
// upsampling + conv instead of transposed convs (no checkerboard artifacts): nearest-neighbour in
// the first models, bilinear and a half-band output filter now (config.ts: both printed a grid).
// No normalization layers: it is trained on small patches and run on whole frames, and per-patch
// statistics would differ from per-frame ones.
//
// Render speed (1080p at ~1 fps on 2 cores) shaped the current default (config.ts DEFAULT_ARCH):
// small-channel convs at full resolution are memory-bound (~15 GFLOP/s against ~100 deeper), so
// the frame enters as 2x2 pixel blocks (pixel unshuffle) and leaves through a pixel-shuffle head,
// the residual blocks sit at 1/8 resolution, and convs pad with zeros inside the conv instead of
// copying each activation to reflect-pad it. Measured at 1920x1080 (CPU time / 2 cores, under
// load): the first models' layout (24 channels, blocks at 1/4, 171 kFLOP/px) 3.5 s per frame;
// the default (45 kFLOP/px) 0.83 s. Models keep their own layout in their config.
import * as E from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { icnr_, icnrUnshuffle_ } from '../../nn/init.js';
import { resolveArch, type ArchitectureConfig } from './config.js';

type Padding = 'zeros' | 'reflect';
type Upsample = NonNullable<ArchitectureConfig['upsample']>;
const conv = (cin: number, cout: number, k: number, padding: Padding, stride = 1) =>
  new nn.Conv2d(cin, cout, k, { stride, padding: (k - 1) / 2, paddingMode: padding });

class ResBlock extends nn.Module {
  readonly a: nn.Conv2d;
  readonly b: nn.Conv2d;
  constructor(ch: number, padding: Padding) {
    super();
    this.a = this.child('a', conv(ch, ch, 3, padding));
    this.b = this.child('b', conv(ch, ch, 3, padding));
  }
  forward(x: E.Tensor): E.Tensor {
    return E.tidy(() => x.add(this.b.forward(this.a.forward(x).leakyRelu(0.2))));
  }
}

/** Channels at each level, full resolution first (levels + 1 entries). */
export function levelChannels(a: ArchitectureConfig): number[] {
  const r = resolveArch(a);
  return Array.from({ length: r.levels + 1 }, (_, i) => Math.min(r.baseChannels * 2 ** i, r.maxChannels));
}

// For output phase a (row 2i + a of a 2x upsampling), what each of a 3x3 kernel's taps (columns:
// -1, 0, +1) reads from the low-resolution rows i-1, i, i+1 (rows), flattened. Nearest: one row.
// Bilinear (half-pixel centres): row 2i reads 1/4 of i-1 and 3/4 of i, row 2i+1 3/4 of i and 1/4 of i+1.
const PHASE_TAPS = {
  nearest: [[1, 0, 0, 0, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 0, 0, 0, 1]],
  bilinear: [[0.75, 0.25, 0, 0.25, 0.75, 0.75, 0, 0, 0.25], [0.25, 0, 0, 0.75, 0.75, 0.25, 0, 0.25, 0.75]],
} as const;

/**
 * u(cat([2x upsampling of y, skip])) without building either: a 3x3 conv over a 2x upsampling equals,
 * per output phase (a, b), a 3x3 conv over y with merged taps (P_a W P_b^T), so the four phases run
 * as one conv at y's resolution and a pixel shuffle interleaves them. Nearest: what the plain form
 * computes (reflect padding of the upsampled image reads what replicate padding of y reads); it
 * serves inference. Bilinear: the plain form's interior, with the border reading y's padding through
 * the same taps; training and inference both compute this form. At 1080p on 2 threads the plain
 * decoder's two steps took ~290 ms, and the whole generator 620-633 ms with them against 490-574 ms
 * with this.
 */
export function upsampleConcatConv(u: nn.Conv2d, y: E.Tensor, skip: E.Tensor, padding: Padding, mode: Upsample = 'nearest'): E.Tensor {
  return E.tidy(() => {
    const cy = y.size(1);
    const [w, bias] = nn.reducedWeights(y, u.weight, u.bias);
    const P = PHASE_TAPS[mode].map((t) => E.tensor(Float32Array.from(t), [3, 3]).to({ dtype: w.dtype, device: w.device }));
    const wy = w.narrow(1, 0, cy);
    const phases = [0, 1].flatMap((a) => [0, 1].map((b) => P[a]!.matmul(wy).matmul(P[b]!.transpose(0, 1))));
    const k = E.F.stack(phases, 1).reshape([w.size(0) * 4, cy, 3, 3]);
    const ws = w.narrow(1, cy, w.size(1) - cy);
    const conv = (x: E.Tensor, weight: E.Tensor, bias: E.Tensor | null, mode: 'reflect' | 'replicate') => padding === 'zeros'
      ? E.F.conv2d(x, weight, bias, { padding: 1 })
      : E.F.conv2d(E.F.pad(x, 1, mode), weight, bias, { padding: 0 });
    return E.F.pixelShuffle(conv(y, k, null, 'replicate'), 2).add(conv(skip, ws, bias, 'reflect'));
  });
}

/**
 * x filtered by the half-band low-pass (config.ts outputFilter) along x and y, each channel apart,
 * borders replicated: taps -1 4 10 4 -1 over 16, gain 0 at 1/2 cycle per pixel, 3/4 at 1/4, 1 at 0.
 * As sums of shifted slices: 23 ms a 1080p RGB frame, against 41 as a grouped conv.
 */
export function halfbandFilter(x: E.Tensor): E.Tensor {
  return E.tidy(() => {
    const [h, w] = [x.size(2), x.size(3)];
    const along = (t: E.Tensor, dim: number, n: number) => {
      const at = (o: number) => t.narrow(dim, o, n);
      return at(2).mul(10 / 16).add(at(1).add(at(3)).mul(4 / 16)).sub(at(0).add(at(4)).mul(1 / 16));
    };
    return along(along(E.F.pad(x, 2, 'replicate'), 3, w), 2, h);
  });
}

export class LookGenerator extends nn.Module {
  readonly stem: nn.Conv2d;
  readonly downs: nn.Conv2d[] = [];
  readonly blocks: nn.Sequential;
  readonly ups: nn.Conv2d[] = [];
  readonly head: nn.Conv2d;
  /** Frames are padded to a multiple of this (shuffle * 2^levels). */
  readonly multiple: number;
  /** Whether its layers run in bfloat16: libtorch 1.13 has no bfloat16 reflection pad on CPU, so layouts that pad by reflection do not. */
  readonly bf16: boolean;
  readonly #shuffle: number;
  readonly #padding: Padding;
  readonly #upsample: Upsample;
  /** The filter its frames pass (generateFrame; config.ts outputFilter). */
  readonly outputFilter: NonNullable<ArchitectureConfig['outputFilter']>;

  /**
   * o.icnr (default true): with pixel shuffle, ICNR-initialize the head and the stem (see below);
   * false keeps the layers' plain init, as models trained before it were initialized (for tests
   * and comparisons). The init only shapes new training: a loaded model's weights replace it.
   */
  constructor(readonly inChannels: number, a: ArchitectureConfig, o: { icnr?: boolean } = {}) {
    super();
    const r = resolveArch(a);
    const ch = levelChannels(r);
    this.#shuffle = r.shuffle;
    this.#padding = r.padding;
    this.#upsample = r.upsample;
    this.outputFilter = r.outputFilter;
    this.multiple = r.shuffle * 2 ** r.levels;
    this.bf16 = r.padding === 'zeros';
    const s2 = r.shuffle * r.shuffle;
    this.stem = this.child('stem', conv(inChannels * s2, ch[0]!, r.stemKernel, r.padding));
    // Parameter names down1..downL, up1 (deepest)..upL (full resolution) as in the first models.
    for (let i = 1; i <= r.levels; i++) this.downs.push(this.child(`down${i}`, conv(ch[i - 1]!, ch[i]!, 3, r.padding, 2)));
    this.blocks = this.child('blocks', new nn.Sequential(...Array.from({ length: r.resBlocks }, () => new ResBlock(ch[r.levels]!, r.padding))));
    for (let j = 1; j <= r.levels; j++) {
      const lvl = r.levels - j; // the level this step outputs
      this.ups.push(this.child(`up${j}`, conv(ch[lvl + 1]! + ch[lvl]!, ch[lvl]!, 3, r.padding)));
    }
    this.head = this.child('head', conv(ch[0]!, 3 * s2, 3, r.padding));
    // ICNR (Aitken et al. 2017) at both ends of the pixel (un)shuffle. With the head's four sub-pixel
    // kernels drawn independently, an untrained generator printed a period-2 checker over the whole
    // frame (gridScore ~2000 on the sample's test frames, ~1e5 on a flat one) that training removes
    // slowly: 167 after a 31-step keyframe model, 41 after 100 steps on the sample production. Equal
    // sub-pixel kernels start the head as a nearest upsampling (1.1-1.4 untrained). The stem's equal
    // sub-pixel weights (a conv of the 2x2 box mean) keep features from depending on where content
    // falls in its 2x2 block (with the head's ICNR alone: 7.5 after the 31 steps, 4.3 after 100;
    // with both 2.0 and 1.8). The other source of grids, the discriminator, is handled in training
    // (augment.ts discriminatorView). See test/models/look-grid.test.ts.
    if (r.shuffle > 1 && (o.icnr ?? true)) {
      icnr_(this.head.weight, this.head.bias, r.shuffle);
      icnrUnshuffle_(this.stem.weight, r.shuffle);
    }
  }

  /**
   * (N, inChannels, H, W) with H, W multiples of `multiple` -> (N, 3, H, W) float32, about [0, 1] (not
   * clamped). A bfloat16 input runs every layer in bfloat16 (inference; see generateFrame).
   */
  forward(x: E.Tensor): E.Tensor {
    return E.tidy(() => {
      const s = this.#shuffle;
      let x0 = s > 1 ? E.F.pixelUnshuffle(x, s) : x;
      const skips = [this.stem.forward(x0).leakyRelu(0.2)]; // level 0
      for (const d of this.downs) skips.push(d.forward(skips.at(-1)!).leakyRelu(0.2));
      let y = this.blocks.forward(skips.pop()!);
      // Nearest: training keeps the plain form (its numbers, bit for bit); inference takes the equal,
      // faster one. Bilinear is defined by the fused form (see upsampleConcatConv).
      const fused = this.#upsample === 'bilinear' || !E.isGradEnabled();
      for (const u of this.ups) {
        const skip = skips.pop()!;
        y = (fused ? upsampleConcatConv(u, y, skip, this.#padding, this.#upsample)
          : u.forward(E.F.cat([E.F.interpolate(y, { scale: 2, mode: 'nearest' }), skip], 1))).leakyRelu(0.2);
      }
      // Unbounded output around mid-grey: a tanh here saturated and stalled training after a
      // spike; frames are clamped to [0, 1] when generated (generateFrame) and saved.
      // The head runs in float32 whatever the layers before: its four sub-pixel outputs rounded to
      // bfloat16 apart printed a diagonal period-2 checker through the pixel shuffle (gridScore of
      // a lynx keyframe model's frame 11.4 in bfloat16, 3.1 in float32, 3.07 with this head).
      const out = this.head.forward(y.float());
      return (s > 1 ? E.F.pixelShuffle(out, s) : out).add(0.5);
    });
  }
}

/**
 * Runs the generator on a frame of any size: reflect-pads to its multiple, passes the model's output
 * filter, then crops back. Every frame a model makes comes from here; training runs forward() on
 * patches without the filter (trained through it, the final's strokes followed the painting's
 * directions less: look-hd orientation 0.078-0.080 against 0.069-0.074).
 * precision: the dtype the layers compute in (default float32; see inferencePrecision); a layout
 * that cannot run in bfloat16 (g.bf16 false) runs in float32.
 */
export function generateFrame(g: LookGenerator, input: E.Tensor, precision: InferencePrecision = 'float32'): E.Tensor {
  return E.tidy(() => {
    const [, , h, w] = input.shape as [number, number, number, number];
    const m = g.multiple;
    const ph = (m - (h % m)) % m;
    const pw = (m - (w % m)) % m;
    const padded = ph || pw ? E.F.pad(input, [0, pw, 0, ph], h > ph && w > pw ? 'reflect' : 'replicate') : input;
    const raw = g.forward(precision === 'float32' || !g.bf16 ? padded : padded.to(precision));
    const out = (g.outputFilter === 'halfband' ? halfbandFilter(raw) : raw).clamp(0, 1);
    return ph || pw ? out.slice(2, 0, h).slice(3, 0, w).contiguous() : out;
  });
}

export type InferencePrecision = 'float32' | 'bfloat16';

/**
 * The precision renders run the look model in: bfloat16 on a CPU that multiplies it in hardware
 * (cpuHasNativeBf16: the 1080p generator 543 -> 256 ms, its output within 64 dB PSNR and 0.9 of an
 * 8-bit level of float32's; bench/RESULTS.md, render), float32 elsewhere (emulated bfloat16 is slower)
 * and on other devices. ATELIER_INFERENCE_PRECISION=float32 or bfloat16 overrides.
 */
export function inferencePrecision(device: string = 'cpu'): InferencePrecision {
  const env = process.env.ATELIER_INFERENCE_PRECISION;
  if (env !== undefined && env !== '' && env !== 'auto') {
    if (env !== 'float32' && env !== 'bfloat16') throw new Error(`ATELIER_INFERENCE_PRECISION must be float32, bfloat16 or auto, got ${JSON.stringify(env)}`);
    return env;
  }
  return device === 'cpu' && E.cpuHasNativeBf16() ? 'bfloat16' : 'float32';
}
