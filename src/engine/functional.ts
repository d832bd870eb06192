// Free functions over tensors: the ops of image-to-image conv nets, their losses and flow warping.
// Shapes follow PyTorch: images are (N, C, H, W).
import { native, type NativeHandle } from './native.js';
import { Tensor, expectTensor, operand, type TensorLike } from './tensor.js';
import { intArg, intTuple, invalid, numberArg, oneOf } from './check.js';
import { tidy } from './scope.js';

const opt = (t: Tensor | null | undefined, what: string): NativeHandle | null =>
  t === null || t === undefined ? null : expectTensor(t, what).handle;

function expect4d(x: Tensor, op: string): void {
  expectTensor(x, `the input of ${op}`);
  if (x.ndim !== 4) throw new RangeError(`${op} expects a 4-D (N, C, H, W) tensor but received shape [${x.shape.join(', ')}]`);
}

export interface Conv2dOptions { stride?: number | number[]; padding?: number | number[]; dilation?: number | number[]; groups?: number }

export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: Conv2dOptions = {}): Tensor {
  expectTensor(x, 'conv2d input');
  expectTensor(weight, 'conv2d weight');
  return new Tensor(native.conv2d(x.handle, weight.handle, opt(bias, 'conv2d bias'),
    intTuple(o.stride ?? 1, 2, 'stride', 1), intTuple(o.padding ?? 0, 2, 'padding'),
    intTuple(o.dilation ?? 1, 2, 'dilation', 1), intArg(o.groups ?? 1, 'groups', 1)));
}

export interface ConvTranspose2dOptions extends Conv2dOptions { outputPadding?: number | number[] }

export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvTranspose2dOptions = {}): Tensor {
  expectTensor(x, 'convTranspose2d input');
  expectTensor(weight, 'convTranspose2d weight');
  return new Tensor(native.convTranspose2d(x.handle, weight.handle, opt(bias, 'convTranspose2d bias'),
    intTuple(o.stride ?? 1, 2, 'stride', 1), intTuple(o.padding ?? 0, 2, 'padding'),
    intTuple(o.outputPadding ?? 0, 2, 'outputPadding'), intArg(o.groups ?? 1, 'groups', 1),
    intTuple(o.dilation ?? 1, 2, 'dilation', 1)));
}

export type PadMode = 'constant' | 'reflect' | 'replicate';

/** Pads the last two dims by [left, right, top, bottom] (or one number for all four). */
export function pad(x: Tensor, amount: number | number[], mode: PadMode = 'constant', value = 0): Tensor {
  expectTensor(x, 'pad input');
  const p = intTuple(amount, 4, 'padding [left, right, top, bottom]');
  const m = oneOf(mode, ['constant', 'reflect', 'replicate'] as const, 'padding mode');
  if (m !== 'constant' && x.device !== 'cpu' && x.ndim === 4 && p.every((v) => v >= 0)) return edgePad(x, p, m);
  return new Tensor(native.pad(x.handle, p, m, numberArg(value, 'pad value')));
}

/**
 * Reflect or replicate padding of (N, C, H, W) from slices, flips and concatenation. On a GPU
 * libtorch's own padding ops have no deterministic backward (they add gradients atomically, and in
 * deterministic mode they refuse), and every look model pads: these ops' backwards are plain
 * copies and sums. Same values and gradients as native.pad.
 */
export function edgePad(x: Tensor, [left, right, top, bottom]: number[], mode: 'reflect' | 'replicate'): Tensor {
  const along = (t: Tensor, dim: number, before: number, after: number): Tensor => {
    if (!before && !after) return t;
    const n = t.size(dim);
    if (mode === 'reflect' && (before >= n || after >= n)) throw new RangeError(`reflect padding must be smaller than the padded dimension (${Math.max(before, after)} of ${n})`);
    const side = (start: number, count: number): Tensor => {
      if (mode === 'replicate') {
        const shape = [...t.shape];
        shape[dim] = count;
        return t.narrow(dim, start, 1).expand(shape);
      }
      return t.narrow(dim, start, count).flip(dim);
    };
    const parts: Tensor[] = [];
    if (before) parts.push(mode === 'reflect' ? side(1, before) : side(0, before));
    parts.push(t);
    if (after) parts.push(mode === 'reflect' ? side(n - 1 - after, after) : side(n - 1, after));
    return cat(parts, dim);
  };
  return tidy(() => along(along(x, 3, left!, right!), 2, top!, bottom!));
}

export type InterpolateMode = 'nearest' | 'bilinear' | 'bicubic' | 'area';
/** Depth to space (PyTorch's pixel_shuffle): (N, C*r*r, H, W) -> (N, C, H*r, W*r). */
export function pixelShuffle(x: Tensor, r: number): Tensor {
  intArg(r, 'r', 1);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (x.ndim !== 4 || c % (r * r)) throw new RangeError(`pixelShuffle needs (N, C*${r * r}, H, W), got [${x.shape.join(', ')}]`);
  return x.reshape([n, c / (r * r), r, r, h, w]).permute([0, 1, 4, 2, 5, 3]).reshape([n, c / (r * r), h * r, w * r]);
}

/** Space to depth (PyTorch's pixel_unshuffle): (N, C, H*r, W*r) -> (N, C*r*r, H, W). */
export function pixelUnshuffle(x: Tensor, r: number): Tensor {
  intArg(r, 'r', 1);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (x.ndim !== 4 || h % r || w % r) throw new RangeError(`pixelUnshuffle needs (N, C, H, W) with H and W multiples of ${r}, got [${x.shape.join(', ')}]`);
  return x.reshape([n, c, h / r, r, w / r, r]).permute([0, 1, 3, 5, 2, 4]).reshape([n, c * r * r, h / r, w / r]);
}

export interface InterpolateOptions { size?: [number, number]; scale?: number; mode?: InterpolateMode; alignCorners?: boolean }

/** Resizes (N, C, H, W) to size [H', W'] or by a scale factor. */
export function interpolate(x: Tensor, o: InterpolateOptions): Tensor {
  expect4d(x, 'interpolate');
  let size = o.size;
  if (size === undefined) {
    if (typeof o.scale !== 'number' || !(o.scale > 0)) throw invalid('interpolate options', '{size: [h, w]} or {scale: positive number}', o);
    size = [Math.max(1, Math.floor(x.size(2) * o.scale)), Math.max(1, Math.floor(x.size(3) * o.scale))];
  }
  const mode = oneOf(o.mode ?? 'bilinear', ['nearest', 'bilinear', 'bicubic', 'area'] as const, 'interpolate mode');
  return new Tensor(native.interpolate(x.handle, intTuple(size, 2, 'interpolate size', 1), mode, o.alignCorners ?? false));
}

export function maxPool2d(x: Tensor, kernel: number | number[], stride?: number | number[], padding: number | number[] = 0): Tensor {
  expect4d(x, 'maxPool2d');
  return new Tensor(native.pool2d('max', x.handle, intTuple(kernel, 2, 'kernel', 1), intTuple(stride ?? kernel, 2, 'stride', 1), intTuple(padding, 2, 'padding')));
}

export function avgPool2d(x: Tensor, kernel: number | number[], stride?: number | number[], padding: number | number[] = 0): Tensor {
  expect4d(x, 'avgPool2d');
  return new Tensor(native.pool2d('avg', x.handle, intTuple(kernel, 2, 'kernel', 1), intTuple(stride ?? kernel, 2, 'stride', 1), intTuple(padding, 2, 'padding')));
}

export function instanceNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  expectTensor(x, 'instanceNorm input');
  return new Tensor(native.instanceNorm(x.handle, opt(weight, 'weight'), opt(bias, 'bias'), numberArg(eps, 'eps')));
}

export interface BatchNormOptions { weight?: Tensor | null; bias?: Tensor | null; runningMean?: Tensor | null; runningVar?: Tensor | null; training: boolean; momentum?: number; eps?: number }

/** Batch norm; in training mode it updates runningMean/runningVar in place. */
export function batchNorm(x: Tensor, o: BatchNormOptions): Tensor {
  expectTensor(x, 'batchNorm input');
  return new Tensor(native.batchNorm(x.handle, opt(o.weight, 'weight'), opt(o.bias, 'bias'), opt(o.runningMean, 'runningMean'),
    opt(o.runningVar, 'runningVar'), o.training, o.momentum ?? 0.1, o.eps ?? 1e-5));
}

export interface GridSampleOptions { mode?: 'bilinear' | 'nearest' | 'bicubic'; padding?: 'zeros' | 'border' | 'reflection'; alignCorners?: boolean }

/** Samples x (N, C, H, W) at grid (N, H', W', 2) of normalized [-1, 1] (x, y) coordinates. */
export function gridSample(x: Tensor, grid: Tensor, o: GridSampleOptions = {}): Tensor {
  expect4d(x, 'gridSample');
  expectTensor(grid, 'gridSample grid');
  return new Tensor(native.gridSample(x.handle, grid.handle, oneOf(o.mode ?? 'bilinear', ['bilinear', 'nearest', 'bicubic'] as const, 'grid sample mode'),
    oneOf(o.padding ?? 'zeros', ['zeros', 'border', 'reflection'] as const, 'grid sample padding'), o.alignCorners ?? false));
}

export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  if (!(p >= 0 && p <= 1)) throw invalid('dropout probability', 'number between 0 and 1', p);
  return new Tensor(native.dropout(expectTensor(x, 'dropout input').handle, p, training));
}

export type Reduction = 'mean' | 'sum' | 'none';
const loss = (name: string, input: Tensor, target: Tensor, reduction: Reduction): Tensor =>
  new Tensor(native.loss(name, expectTensor(input, `${name} loss input`).handle, expectTensor(target, `${name} loss target`).handle,
    oneOf(reduction, ['mean', 'sum', 'none'] as const, 'reduction')));
export const l1Loss = (input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor => loss('l1', input, target, reduction);
export const mseLoss = (input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor => loss('mse', input, target, reduction);
export const smoothL1Loss = (input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor => loss('smoothL1', input, target, reduction);
export const bceWithLogits = (input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor => loss('bceWithLogits', input, target, reduction);

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw invalid('cat inputs', 'non-empty array of tensors', tensors);
  return new Tensor(native.cat(tensors.map((t, i) => expectTensor(t, `cat input ${i}`).handle), intArg(dim, 'dim')));
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw invalid('stack inputs', 'non-empty array of tensors', tensors);
  return new Tensor(native.stack(tensors.map((t, i) => expectTensor(t, `stack input ${i}`).handle), intArg(dim, 'dim')));
}

/** Elementwise cond ? a : b. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [ha, sa] = operand(a, 'where value a');
  const [hb, sb] = operand(b, 'where value b');
  return new Tensor(native.where(expectTensor(cond, 'where condition').handle, ha, hb, (sa ? 1 : 0) | (sb ? 2 : 0)));
}
