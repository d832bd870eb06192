// Creating tensors: from JS data, constants, ranges and seeded random numbers.
import { native } from './native.js';
import { Tensor, type Device } from './tensor.js';
import { type DType, type AnyTypedArray, DTYPES, dtypeOfArray } from './dtype.js';
import { intArg, invalid, numberArg, oneOf, shapeArg } from './check.js';

export interface CreateOptions { dtype?: DType; device?: Device }

function opts(o: CreateOptions | undefined, fallback: DType = 'float32'): [DType, Device] {
  const dtype = o?.dtype ?? fallback;
  oneOf(dtype, DTYPES, 'dtype');
  const device = o?.device ?? 'cpu';
  if (typeof device !== 'string') throw invalid('device', 'device name such as "cpu" or "cuda:0"', device);
  return [dtype, device];
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function typedFor(dtype: DType, values: ArrayLike<number>): AnyTypedArray {
  switch (dtype) {
    case 'float32': case 'float16': case 'bfloat16': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'uint8': case 'bool': return Uint8Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'int64': return BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v))));
  }
}

/**
 * A tensor holding a copy of data. data: a typed array (its dtype is used unless opts.dtype says
 * otherwise) or JS numbers; shape defaults to 1-D.
 */
export function tensor(data: AnyTypedArray | ArrayLike<number>, shape?: readonly number[], o?: CreateOptions): Tensor {
  const isTyped = ArrayBuffer.isView(data);
  const length = (data as ArrayLike<number>).length;
  const dims = shape === undefined ? [length] : shapeArg(shape);
  if (product(dims) !== length) throw new RangeError(`shape [${dims.join(', ')}] holds ${product(dims)} elements but the data has ${length}`);
  const natural = isTyped ? dtypeOfArray(data as AnyTypedArray) : 'float32';
  const [dtype, device] = opts(o, natural);
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const t = tensor(data, dims, { dtype: 'float32', device });
    const h = t.to(dtype);
    t.dispose();
    return h;
  }
  let arr: AnyTypedArray;
  if (isTyped && (natural === dtype || (dtype === 'bool' && natural === 'uint8'))) arr = data as AnyTypedArray;
  else if (isTyped && natural === 'int64') arr = typedFor(dtype, Array.from(data as BigInt64Array, Number));
  else arr = typedFor(dtype, data as ArrayLike<number>);
  return new Tensor(native.fromBuffer(arr, dims, dtype, device));
}

/** A 0-D tensor. */
export function scalar(value: number, o?: CreateOptions): Tensor {
  const [dtype, device] = opts(o);
  return new Tensor(native.full([], numberArg(value, 'value'), dtype, device));
}

export function full(shape: readonly number[], value: number, o?: CreateOptions): Tensor {
  const [dtype, device] = opts(o);
  return new Tensor(native.full(shapeArg(shape), numberArg(value, 'fill value'), dtype, device));
}
export const zeros = (shape: readonly number[], o?: CreateOptions): Tensor => full(shape, 0, o);
export const ones = (shape: readonly number[], o?: CreateOptions): Tensor => full(shape, 1, o);
export const zerosLike = (t: Tensor): Tensor => full(t.shape, 0, { dtype: t.dtype, device: t.device });
export const onesLike = (t: Tensor): Tensor => full(t.shape, 1, { dtype: t.dtype, device: t.device });

/** start, start+step, ... < end. */
export function arange(start: number, end: number, step = 1, o?: CreateOptions): Tensor {
  const [dtype, device] = opts(o, Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step) ? 'int64' : 'float32');
  if (step === 0) throw new RangeError('arange step must not be 0');
  return new Tensor(native.arange(numberArg(start, 'start'), numberArg(end, 'end'), numberArg(step, 'step'), dtype, device));
}

export function linspace(start: number, end: number, steps: number, o?: CreateOptions): Tensor {
  const [dtype, device] = opts(o);
  return new Tensor(native.linspace(numberArg(start, 'start'), numberArg(end, 'end'), intArg(steps, 'steps', 0), dtype, device));
}

/** Uniform in [0, 1), from the global generator (see manualSeed). */
export function rand(shape: readonly number[], o?: CreateOptions): Tensor {
  const [dtype, device] = opts(o);
  return new Tensor(native.rand(shapeArg(shape), dtype, device));
}

/** Standard normal, from the global generator. */
export function randn(shape: readonly number[], o?: CreateOptions): Tensor {
  const [dtype, device] = opts(o);
  return new Tensor(native.randn(shapeArg(shape), dtype, device));
}

/** Integers in [low, high). */
export function randint(low: number, high: number, shape: readonly number[], o?: CreateOptions): Tensor {
  const [dtype, device] = opts(o, 'int64');
  if (!(intArg(high, 'high') > intArg(low, 'low'))) throw new RangeError(`randint needs low < high, got ${low} and ${high}`);
  return new Tensor(native.randint(low, high, shapeArg(shape), dtype, device));
}

/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, o?: { device?: Device }): Tensor {
  return new Tensor(native.randperm(intArg(n, 'n', 0), o?.device ?? 'cpu'));
}
