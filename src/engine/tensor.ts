// The Tensor: a JS object over one native libtorch tensor. Every op returns a new Tensor that is
// tracked by the current tidy() scope; in-place methods end in an underscore, as in PyTorch.
import { native, type NativeHandle, type TensorMeta } from './native.js';
import { track, type Disposable } from './scope.js';
import { type DType, type AnyTypedArray, DTYPES } from './dtype.js';
import { intArg, invalid, numberArg, oneOf, shapeArg, describe } from './check.js';

export type Device = 'cpu' | `cuda` | `cuda:${number}` | (string & {});
export type TensorLike = Tensor | number;

type Unary =
  | 'neg' | 'abs' | 'exp' | 'log' | 'log1p' | 'sqrt' | 'rsqrt' | 'square' | 'reciprocal' | 'sin' | 'cos'
  | 'tanh' | 'sigmoid' | 'relu' | 'gelu' | 'silu' | 'softplus' | 'sign' | 'floor' | 'ceil' | 'round'
  | 'logicalNot' | 'isnan' | 'isfinite';
type Binary =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'atan2' | 'remainder'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr';
type Reduction = 'sum' | 'mean' | 'amax' | 'amin' | 'var' | 'varUnbiased' | 'std' | 'logsumexp';

/** A tensor's handle, or a plain number; isScalar tells the addon which (handles are numbers too). */
export function operand(v: TensorLike, what: string): [NativeHandle | number, boolean] {
  if (v instanceof Tensor) return [v.handle, false];
  if (typeof v === 'number') return [v, true];
  throw invalid(what, 'tensor or number', v);
}

function dimsArg(dims: number | readonly number[] | undefined, what: string): number[] | null {
  if (dims === undefined) return null;
  const arr = typeof dims === 'number' ? [dims] : dims;
  if (!Array.isArray(arr) || !arr.every(Number.isInteger)) throw invalid(what, 'integer or array of integers', dims);
  return [...arr];
}

// Safety net only: a tensor dropped without dispose() or tidy() is freed when V8 collects it.
const leaked = new FinalizationRegistry<NativeHandle>((h) => native.dispose(h));

export class Tensor implements Disposable {
  #handle: NativeHandle | null;
  #meta: TensorMeta | null = null;

  /** Wraps a native handle; engine-internal (use the factories in ./factory to create tensors). */
  constructor(handle: NativeHandle) {
    this.#handle = handle;
    leaked.register(this, handle, this);
    track(this);
  }

  get handle(): NativeHandle {
    if (this.#handle === null) throw new Error('tensor was disposed');
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  /** Frees the native memory now (if no other tensor shares it). Safe to call twice. */
  dispose(): void {
    if (this.#handle !== null) {
      native.dispose(this.#handle);
      leaked.unregister(this);
      this.#handle = null;
    }
  }

  #info(): TensorMeta {
    // shape, dtype and device never change for a handle; only requiresGrad does (read live).
    if (this.#meta === null) this.#meta = native.meta(this.handle);
    return this.#meta;
  }

  get shape(): number[] { return [...this.#info().shape]; }
  get dtype(): DType { return this.#info().dtype as DType; }
  get device(): Device { return this.#info().device; }
  get ndim(): number { return this.#info().shape.length; }
  get numel(): number { return this.#info().shape.reduce((a, b) => a * b, 1); }
  size(dim: number): number {
    const s = this.#info().shape;
    const d = dim < 0 ? dim + s.length : dim;
    if (!Number.isInteger(d) || d < 0 || d >= s.length) throw new RangeError(`dimension ${dim} is out of range for a ${s.length}-D tensor`);
    return s[d]!;
  }

  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ---- data out ----
  /** A copy of the data as a typed array (Float32Array for float32, BigInt64Array for int64, ...). */
  data(): AnyTypedArray { return native.toBuffer(this.handle); }
  dataSync(): AnyTypedArray { return this.data(); }
  /** The value of a one-element tensor. */
  item(): number { return native.item(this.handle); }
  /** The data as a flat array of JS numbers. */
  toArray(): number[] { return Array.from(this.data() as ArrayLike<number | bigint>, Number); }

  // ---- autograd ----
  get requiresGrad(): boolean { return native.meta(this.handle).requiresGrad; }
  requiresGrad_(on = true): this { native.setRequiresGrad(this.handle, on); return this; }
  /** The accumulated gradient, or null before any backward(). A new handle each call. */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  zeroGrad(): void { native.clearGrad(this.handle); }
  backward(gradient?: Tensor): void { native.backward(this.handle, gradient ? gradient.handle : null); }
  detach(): Tensor { return new Tensor(native.detach(this.handle)); }

  /**
   * Takes over src's native tensor in place, as libtorch's set_data does: every holder of this
   * object (a layer's `weight` field, an optimizer built later) sees the new data, dtype or device.
   * This object's old tensor is freed and src is left disposed. Engine-internal (Module.to).
   */
  setData_(src: Tensor): this {
    if (!(src instanceof Tensor)) throw invalid('the source of setData_', 'tensor', src);
    if (src === this) return this;
    const h = src.handle; // throws 'tensor was disposed' before anything changes
    const old = this.handle;
    leaked.unregister(src);
    src.#handle = null;
    leaked.unregister(this);
    native.dispose(old);
    this.#handle = h;
    this.#meta = null;
    leaked.register(this, h, this);
    return this;
  }

  // ---- conversion ----
  to(opts: { dtype?: DType; device?: Device } | DType): Tensor {
    const o = typeof opts === 'string' ? { dtype: opts } : opts;
    if (o.dtype !== undefined) oneOf(o.dtype, DTYPES, 'dtype');
    return new Tensor(native.to(this.handle, o.dtype ?? null, o.device ?? null));
  }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  clone(): Tensor { return new Tensor(native.clone(this.handle)); }
  contiguous(): Tensor { return new Tensor(native.contiguous(this.handle)); }

  // ---- elementwise ----
  #u(op: Unary): Tensor { return new Tensor(native.unary(op, this.handle)); }
  #b(op: Binary, other: TensorLike): Tensor {
    const [h, isScalar] = operand(other, `the other operand of ${op}`);
    return new Tensor(native.binary(op, this.handle, h, isScalar ? 2 : 0));
  }
  add(o: TensorLike): Tensor { return this.#b('add', o); }
  sub(o: TensorLike): Tensor { return this.#b('sub', o); }
  mul(o: TensorLike): Tensor { return this.#b('mul', o); }
  div(o: TensorLike): Tensor { return this.#b('div', o); }
  pow(o: TensorLike): Tensor { return this.#b('pow', o); }
  maximum(o: TensorLike): Tensor { return this.#b('maximum', o); }
  minimum(o: TensorLike): Tensor { return this.#b('minimum', o); }
  atan2(o: TensorLike): Tensor { return this.#b('atan2', o); }
  remainder(o: TensorLike): Tensor { return this.#b('remainder', o); }
  eq(o: TensorLike): Tensor { return this.#b('eq', o); }
  ne(o: TensorLike): Tensor { return this.#b('ne', o); }
  lt(o: TensorLike): Tensor { return this.#b('lt', o); }
  le(o: TensorLike): Tensor { return this.#b('le', o); }
  gt(o: TensorLike): Tensor { return this.#b('gt', o); }
  ge(o: TensorLike): Tensor { return this.#b('ge', o); }
  logicalAnd(o: Tensor): Tensor { return this.#b('logicalAnd', o); }
  logicalOr(o: Tensor): Tensor { return this.#b('logicalOr', o); }
  /** number - this */
  rsub(n: number): Tensor { return new Tensor(native.binary('sub', numberArg(n, 'rsub operand'), this.handle, 1)); }
  /** number / this */
  rdiv(n: number): Tensor { return new Tensor(native.binary('div', numberArg(n, 'rdiv operand'), this.handle, 1)); }
  neg(): Tensor { return this.#u('neg'); }
  abs(): Tensor { return this.#u('abs'); }
  exp(): Tensor { return this.#u('exp'); }
  log(): Tensor { return this.#u('log'); }
  log1p(): Tensor { return this.#u('log1p'); }
  sqrt(): Tensor { return this.#u('sqrt'); }
  rsqrt(): Tensor { return this.#u('rsqrt'); }
  square(): Tensor { return this.#u('square'); }
  reciprocal(): Tensor { return this.#u('reciprocal'); }
  sin(): Tensor { return this.#u('sin'); }
  cos(): Tensor { return this.#u('cos'); }
  tanh(): Tensor { return this.#u('tanh'); }
  sigmoid(): Tensor { return this.#u('sigmoid'); }
  relu(): Tensor { return this.#u('relu'); }
  gelu(): Tensor { return this.#u('gelu'); }
  silu(): Tensor { return this.#u('silu'); }
  softplus(): Tensor { return this.#u('softplus'); }
  sign(): Tensor { return this.#u('sign'); }
  floor(): Tensor { return this.#u('floor'); }
  ceil(): Tensor { return this.#u('ceil'); }
  round(): Tensor { return this.#u('round'); }
  logicalNot(): Tensor { return this.#u('logicalNot'); }
  isnan(): Tensor { return this.#u('isnan'); }
  isfinite(): Tensor { return this.#u('isfinite'); }
  leakyRelu(slope = 0.01): Tensor { return new Tensor(native.leakyRelu(this.handle, slope)); }
  clamp(min?: number, max?: number): Tensor { return new Tensor(native.clamp(this.handle, min ?? null, max ?? null)); }

  // ---- reductions (dims undefined = all) ----
  #r(op: Reduction, dims: number | readonly number[] | undefined, keepdim: boolean): Tensor {
    return new Tensor(native.reduce(op, this.handle, dimsArg(dims, `dims of ${op}`), keepdim));
  }
  sum(dims?: number | readonly number[], keepdim = false): Tensor { return this.#r('sum', dims, keepdim); }
  mean(dims?: number | readonly number[], keepdim = false): Tensor { return this.#r('mean', dims, keepdim); }
  max(dims?: number | readonly number[], keepdim = false): Tensor { return this.#r('amax', dims, keepdim); }
  min(dims?: number | readonly number[], keepdim = false): Tensor { return this.#r('amin', dims, keepdim); }
  /** Population variance (divides by n); see varUnbiased for n - 1. */
  var(dims?: number | readonly number[], keepdim = false): Tensor { return this.#r('var', dims, keepdim); }
  varUnbiased(dims?: number | readonly number[], keepdim = false): Tensor { return this.#r('varUnbiased', dims, keepdim); }
  std(dims?: number | readonly number[], keepdim = false): Tensor { return this.#r('std', dims, keepdim); }
  logsumexp(dims: number | readonly number[], keepdim = false): Tensor { return this.#r('logsumexp', dims, keepdim); }
  argmax(dim: number, keepdim = false): Tensor { return new Tensor(native.argmax(this.handle, intArg(dim, 'dim'), keepdim)); }
  softmax(dim: number): Tensor { return new Tensor(native.softmax(this.handle, intArg(dim, 'dim'), false)); }
  logSoftmax(dim: number): Tensor { return new Tensor(native.softmax(this.handle, intArg(dim, 'dim'), true)); }
  /** The largest values along dim and their indices, in one pass (max and argmax read x twice). */
  maxAlong(dim: number, keepdim = false): [Tensor, Tensor] {
    const [v, i] = native.maxAlong(this.handle, intArg(dim, 'dim'), keepdim) as [NativeHandle, NativeHandle];
    return [new Tensor(v), new Tensor(i)];
  }
  /** Sorted values and their indices along dim. */
  sort(dim = -1, descending = false): [Tensor, Tensor] {
    const [v, i] = native.sort(this.handle, intArg(dim, 'dim'), descending) as [NativeHandle, NativeHandle];
    return [new Tensor(v), new Tensor(i)];
  }
  /**
   * Eigen-decomposition of a symmetric matrix (2-D, square, floating point; LAPACK through libtorch):
   * [eigenvalues ascending (n), eigenvectors as columns (n, n)]. Only the lower triangle is read.
   */
  eigh(): [Tensor, Tensor] {
    if (this.ndim !== 2 || this.shape[0] !== this.shape[1]) throw new RangeError(`eigh needs a square matrix, got [${this.shape.join(', ')}]`);
    const [values, vectors] = native.eigh(this.handle) as [NativeHandle, NativeHandle];
    return [new Tensor(values), new Tensor(vectors)];
  }
  /** this + alpha · (a @ b), this broadcast to the product's shape (2-D operands): one pass over the result. */
  addmm(a: Tensor, b: Tensor, alpha = 1): Tensor {
    if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw invalid('the operands of addmm', 'tensors', [a, b]);
    if (!Number.isFinite(alpha)) throw invalid('alpha of addmm', 'finite number', alpha);
    return new Tensor(native.addmm(this.handle, a.handle, b.handle, alpha));
  }
  matmul(o: Tensor): Tensor {
    if (!(o instanceof Tensor)) throw invalid('the other operand of matmul', 'tensor', o);
    return new Tensor(native.matmul(this.handle, o.handle));
  }

  // ---- shape ----
  reshape(shape: readonly number[]): Tensor {
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1)) throw invalid('shape', 'array of integers (-1 for one inferred size)', shape);
    return new Tensor(native.reshape(this.handle, shape));
  }
  view(shape: readonly number[]): Tensor { return this.reshape(shape); }
  permute(dims: readonly number[]): Tensor { return new Tensor(native.permute(this.handle, dimsArg(dims, 'permutation'))); }
  transpose(d0: number, d1: number): Tensor { return new Tensor(native.transpose(this.handle, intArg(d0, 'dim0'), intArg(d1, 'dim1'))); }
  expand(shape: readonly number[]): Tensor { return new Tensor(native.expand(this.handle, dimsArg(shape, 'shape'))); }
  squeeze(dim?: number): Tensor { return new Tensor(native.squeeze(this.handle, dim === undefined ? null : intArg(dim, 'dim'))); }
  unsqueeze(dim: number): Tensor { return new Tensor(native.unsqueeze(this.handle, intArg(dim, 'dim'))); }
  flatten(start = 0, end = -1): Tensor { return new Tensor(native.flatten(this.handle, intArg(start, 'start dim'), intArg(end, 'end dim'))); }
  /** Elements start..end (exclusive, negative counts from the end) every step along dim. A view. */
  slice(dim: number, start: number, end?: number, step = 1): Tensor {
    const n = this.size(dim);
    return new Tensor(native.slice(this.handle, intArg(dim, 'dim'), intArg(start, 'slice start'), end === undefined ? n : intArg(end, 'slice end'), intArg(step, 'slice step', 1)));
  }
  narrow(dim: number, start: number, length: number): Tensor { return this.slice(dim, start, start + intArg(length, 'length', 0)); }
  indexSelect(dim: number, index: Tensor): Tensor { return new Tensor(native.indexSelect(this.handle, intArg(dim, 'dim'), index.handle)); }
  gather(dim: number, index: Tensor): Tensor { return new Tensor(native.gather(this.handle, intArg(dim, 'dim'), index.handle)); }
  maskedSelect(mask: Tensor): Tensor { return new Tensor(native.maskedSelect(this.handle, mask.handle)); }
  repeat(reps: readonly number[]): Tensor { return new Tensor(native.repeat(this.handle, shapeArg(reps, 'repeats'))); }
  flip(dims: number | readonly number[]): Tensor { return new Tensor(native.flip(this.handle, dimsArg(dims, 'dims'))); }
  roll(shifts: number | readonly number[], dims: number | readonly number[]): Tensor {
    return new Tensor(native.roll(this.handle, dimsArg(shifts, 'shifts'), dimsArg(dims, 'dims')));
  }

  // ---- in-place (outside autograd; for optimizers and running statistics) ----
  mul_(o: TensorLike): this {
    const [h, isScalar] = operand(o, 'factor');
    native.inplace(isScalar ? 'mulScalar' : 'mul', this.handle, h);
    return this;
  }
  add_(o: TensorLike, alpha = 1): this {
    const [h, isScalar] = operand(o, 'addend');
    if (isScalar) native.inplace('addScalar', this.handle, (h as number) * alpha);
    else native.inplace('add', this.handle, h, alpha);
    return this;
  }
  addcmul_(a: Tensor, b: Tensor, value = 1): this { native.inplace('addcmul', this.handle, a.handle, b.handle, value); return this; }
  addcdiv_(a: Tensor, b: Tensor, value = 1): this { native.inplace('addcdiv', this.handle, a.handle, b.handle, value); return this; }
  copy_(src: Tensor): this {
    if (!(src instanceof Tensor)) throw invalid('copy source', 'tensor', src);
    native.inplace('copy', this.handle, src.handle);
    return this;
  }
  fill_(value: number): this { native.inplace('fill', this.handle, value); return this; }
  clampMin_(value: number): this { native.inplace('clampMin', this.handle, value); return this; }
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

export function expectTensor(v: unknown, what: string): Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(`Expected a tensor for ${what} but received ${describe(v)}`);
  return v;
}
