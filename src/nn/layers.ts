// Layers: each a small class configured by an options object with PyTorch's defaults.
import { Tensor, type Device } from '../engine/tensor.js';
import * as F from '../engine/functional.js';
import { ones, zeros } from '../engine/factory.js';
import { intArg } from '../engine/check.js';
import { Module } from './module.js';
import { uniform, defaultBound } from './init.js';

export interface Conv2dOptions {
  stride?: number; padding?: number; dilation?: number; groups?: number; bias?: boolean;
  /** How borders are padded: zeros (as PyTorch), or reflect / replicate (no dark frame edges in images). */
  paddingMode?: 'zeros' | 'reflect' | 'replicate';
  dtype?: 'float32' | 'float64'; device?: Device;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly #o: Required<Omit<Conv2dOptions, 'dtype' | 'device' | 'bias'>>;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, o: Conv2dOptions = {}) {
    super();
    intArg(inChannels, 'inChannels', 1);
    intArg(outChannels, 'outChannels', 1);
    intArg(kernelSize, 'kernelSize', 1);
    const groups = intArg(o.groups ?? 1, 'groups', 1);
    if (inChannels % groups || outChannels % groups) throw new RangeError(`groups (${groups}) must divide inChannels (${inChannels}) and outChannels (${outChannels})`);
    this.#o = { stride: o.stride ?? 1, padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups, paddingMode: o.paddingMode ?? 'zeros' };
    const fanIn = (inChannels / groups) * kernelSize * kernelSize;
    const t = { dtype: o.dtype, device: o.device };
    this.weight = this.param('weight', uniform([outChannels, inChannels / groups, kernelSize, kernelSize], defaultBound(fanIn), t));
    this.bias = o.bias === false ? null : this.param('bias', uniform([outChannels], defaultBound(fanIn), t));
  }

  /**
   * A reduced-precision input (bfloat16, float16) runs the conv in its precision with the weights
   * converted for the call (inference in bfloat16; the parameters stay as they train).
   */
  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups, paddingMode } = this.#o;
    const [weight, bias] = reducedWeights(x, this.weight, this.bias);
    if (paddingMode === 'zeros' || padding === 0) return F.conv2d(x, weight, bias, { stride, padding, dilation, groups });
    const padded = F.pad(x, padding, paddingMode === 'reflect' ? 'reflect' : 'replicate');
    return F.conv2d(padded, weight, bias, { stride, padding: 0, dilation, groups });
  }
}

/** The weight and bias in the input's dtype when that is a reduced precision (bfloat16, float16); else as they are. */
export function reducedWeights(x: Tensor, weight: Tensor, bias: Tensor | null): [Tensor, Tensor | null] {
  if (x.dtype === weight.dtype || (x.dtype !== 'bfloat16' && x.dtype !== 'float16')) return [weight, bias];
  return [weight.to(x.dtype), bias?.to(x.dtype) ?? null];
}

export interface ConvTranspose2dOptions { stride?: number; padding?: number; outputPadding?: number; dilation?: number; groups?: number; bias?: boolean; dtype?: 'float32' | 'float64'; device?: Device }

export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly #o: Required<Omit<ConvTranspose2dOptions, 'dtype' | 'device' | 'bias'>>;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, o: ConvTranspose2dOptions = {}) {
    super();
    intArg(inChannels, 'inChannels', 1);
    intArg(outChannels, 'outChannels', 1);
    intArg(kernelSize, 'kernelSize', 1);
    const groups = intArg(o.groups ?? 1, 'groups', 1);
    this.#o = { stride: o.stride ?? 1, padding: o.padding ?? 0, outputPadding: o.outputPadding ?? 0, dilation: o.dilation ?? 1, groups };
    // PyTorch computes fan-in from weight dim 1 (= outChannels / groups) for transposed convs.
    const fanIn = (outChannels / groups) * kernelSize * kernelSize;
    const t = { dtype: o.dtype, device: o.device };
    this.weight = this.param('weight', uniform([inChannels, outChannels / groups, kernelSize, kernelSize], defaultBound(fanIn), t));
    this.bias = o.bias === false ? null : this.param('bias', uniform([outChannels], defaultBound(fanIn), t));
  }

  forward(x: Tensor): Tensor {
    return F.convTranspose2d(x, this.weight, this.bias, this.#o);
  }
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, o: { bias?: boolean; dtype?: 'float32' | 'float64'; device?: Device } = {}) {
    super();
    const b = defaultBound(intArg(inFeatures, 'inFeatures', 1));
    const t = { dtype: o.dtype, device: o.device };
    this.weight = this.param('weight', uniform([intArg(outFeatures, 'outFeatures', 1), inFeatures], b, t));
    this.bias = o.bias === false ? null : this.param('bias', uniform([outFeatures], b, t));
  }
  forward(x: Tensor): Tensor {
    const wt = this.weight.transpose(0, 1);
    const y = x.matmul(wt);
    wt.dispose();
    if (!this.bias) return y;
    const out = y.add(this.bias);
    y.dispose();
    return out;
  }
}

export interface NormOptions { eps?: number; momentum?: number; affine?: boolean; dtype?: 'float32' | 'float64'; device?: Device }

export class BatchNorm2d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly #eps: number;
  readonly #momentum: number;
  constructor(readonly channels: number, o: NormOptions = {}) {
    super();
    const t = { dtype: o.dtype, device: o.device };
    intArg(channels, 'channels', 1);
    this.weight = o.affine === false ? null : this.param('weight', ones([channels], t));
    this.bias = o.affine === false ? null : this.param('bias', zeros([channels], t));
    this.runningMean = this.buffer('running_mean', zeros([channels], t));
    this.runningVar = this.buffer('running_var', ones([channels], t));
    this.#eps = o.eps ?? 1e-5;
    this.#momentum = o.momentum ?? 0.1;
  }
  forward(x: Tensor): Tensor {
    return F.batchNorm(x, { weight: this.weight, bias: this.bias, runningMean: this.runningMean, runningVar: this.runningVar, training: this.training, momentum: this.#momentum, eps: this.#eps });
  }
}

/** Instance norm (per sample and channel); affine by default as image-to-image nets use it. */
export class InstanceNorm2d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly #eps: number;
  constructor(readonly channels: number, o: NormOptions = {}) {
    super();
    const t = { dtype: o.dtype, device: o.device };
    intArg(channels, 'channels', 1);
    this.weight = o.affine === false ? null : this.param('weight', ones([channels], t));
    this.bias = o.affine === false ? null : this.param('bias', zeros([channels], t));
    this.#eps = o.eps ?? 1e-5;
  }
  forward(x: Tensor): Tensor {
    return F.instanceNorm(x, this.weight, this.bias, this.#eps);
  }
}

/** A stateless function as a module (activations, resampling). */
export class Lambda extends Module {
  constructor(readonly name: string, private readonly fn: (x: Tensor) => Tensor) { super(); }
  forward(x: Tensor): Tensor { return this.fn(x); }
}
export const ReLU = (): Lambda => new Lambda('relu', (x) => x.relu());
export const LeakyReLU = (slope = 0.2): Lambda => new Lambda('leaky_relu', (x) => x.leakyRelu(slope));
export const Tanh = (): Lambda => new Lambda('tanh', (x) => x.tanh());
export const Sigmoid = (): Lambda => new Lambda('sigmoid', (x) => x.sigmoid());
export const Upsample = (scale: number, mode: 'nearest' | 'bilinear' = 'nearest'): Lambda =>
  new Lambda('upsample', (x) => F.interpolate(x, { scale, mode }));

/**
 * Children applied in order; intermediate results are freed as soon as the next layer has used them
 * (autograd keeps what backward needs alive on the native side).
 */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.child(String(i), m));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const m of this.layers) {
      const next = m.forward(h);
      if (h !== x) h.dispose();
      h = next;
    }
    return h;
  }
}
