// Parameter initialization, PyTorch's defaults (kaiming-uniform with a = sqrt(5)).
import { Tensor } from '../engine/tensor.js';
import { rand } from '../engine/factory.js';
import { noGrad } from '../engine/autograd.js';
import { tidy } from '../engine/scope.js';
import type { CreateOptions } from '../engine/factory.js';

/** Uniform in [-bound, bound). */
export function uniform(shape: number[], bound: number, o?: CreateOptions): Tensor {
  return noGrad(() => tidy(() => rand(shape, o).mul(2 * bound).sub(bound)));
}

/** PyTorch's default bound for conv and linear weights and biases: 1 / sqrt(fan_in). */
export function defaultBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}

/**
 * ICNR (Aitken et al. 2017, "Checkerboard artifact free sub-pixel convolution"), in place, for a
 * conv whose output feeds pixelShuffle(r): weight (C·r², Cin, k, k) and bias (C·r²), output channel
 * c·r² + p producing sub-pixel p of channel c. Every channel's r² sub-pixel kernels and biases
 * become copies of its first one (drawn by the layer's own init, so the scale is kept and no random
 * numbers are drawn): the shuffled output starts as a nearest r× upsampling of one conv, free of the
 * period-r pattern that r² independent kernels print (different responses per sub-pixel).
 */
export function icnr_(weight: Tensor, bias: Tensor | null, r: number): void {
  const s = r * r;
  const [o, i, kh, kw] = weight.shape as [number, number, number, number];
  if (weight.ndim !== 4 || o % s) throw new RangeError(`ICNR needs a conv weight with a multiple of ${s} output channels, got [${weight.shape.join(', ')}]`);
  if (bias && (bias.ndim !== 1 || bias.size(0) !== o)) throw new RangeError(`ICNR: bias [${bias.shape.join(', ')}] does not fit weight [${weight.shape.join(', ')}]`);
  noGrad(() => tidy(() => {
    const w0 = weight.reshape([o / s, s, i, kh, kw]).narrow(1, 0, 1).clone();
    weight.copy_(w0.expand([o / s, s, i, kh, kw]).reshape([o, i, kh, kw]));
    if (bias) bias.copy_(bias.reshape([o / s, s]).narrow(1, 0, 1).clone().expand([o / s, s]).reshape([o]));
  }));
}

/**
 * The input-side counterpart, in place, for a conv fed by pixelUnshuffle(r): weight (Cout, C·r², k,
 * k), input channel c·r² + p holding sub-pixel p of channel c. Every channel's r² sub-pixel weights
 * become its first one ÷ r: the conv starts as one conv over the r×r box mean of the frame, scaled
 * as the layer's default init of a conv over C channels would be (bound 1/√(C·k²) = r × the drawn
 * 1/√(C·r²·k²), ÷ r² for the mean). Independent sub-pixel weights make each feature depend on where
 * content falls in its r×r block (a fixed noise field or a fine texture reads differently per phase).
 */
export function icnrUnshuffle_(weight: Tensor, r: number): void {
  const s = r * r;
  const [o, i, kh, kw] = weight.shape as [number, number, number, number];
  if (weight.ndim !== 4 || i % s) throw new RangeError(`ICNR (unshuffle) needs a conv weight with a multiple of ${s} input channels, got [${weight.shape.join(', ')}]`);
  noGrad(() => tidy(() => {
    const w0 = weight.reshape([o, i / s, s, kh, kw]).narrow(2, 0, 1).div(r);
    weight.copy_(w0.expand([o, i / s, s, kh, kw]).reshape([o, i, kh, kw]));
  }));
}
