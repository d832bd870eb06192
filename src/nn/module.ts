// Module: parameters, buffers and children with PyTorch-style names ("enc.0.conv.weight"), train and
// eval modes, and a state dict that round-trips through safetensors.
import { Tensor } from '../engine/tensor.js';
import { keep } from '../engine/scope.js';
import { noGrad } from '../engine/autograd.js';
import type { Device } from '../engine/tensor.js';
import { DTYPES, type DType } from '../engine/dtype.js';
import { checkDevice } from '../engine/runtime.js';
import { oneOf } from '../engine/check.js';

const FLOAT_DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16'];

export abstract class Module {
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Registers a trainable tensor: kept out of tidy() scopes, gradients on. */
  protected param(name: string, t: Tensor): Tensor {
    this.#checkName(name);
    keep(t).requiresGrad_(true);
    this.#params.set(name, t);
    return t;
  }

  /** Registers a non-trainable state tensor (e.g. running statistics). */
  protected buffer(name: string, t: Tensor): Tensor {
    this.#checkName(name);
    this.#buffers.set(name, keep(t));
    return t;
  }

  protected child<M extends Module>(name: string, m: M): M {
    this.#checkName(name);
    this.#children.set(name, m);
    return m;
  }

  #checkName(name: string): void {
    if (!name || name.includes('.')) throw new TypeError(`invalid module member name "${name}" (non-empty, no dots)`);
    if (this.#params.has(name) || this.#buffers.has(name) || this.#children.has(name)) throw new TypeError(`module member "${name}" is registered twice`);
  }

  /** Looks up a parameter or buffer by its own (non-dotted) name. */
  protected get(name: string): Tensor {
    const t = this.#params.get(name) ?? this.#buffers.get(name);
    if (!t) throw new Error(`no parameter or buffer named "${name}"`);
    return t;
  }

  children(): [string, Module][] {
    return [...this.#children.entries()];
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.#params) out.push([prefix + n, t]);
    for (const [n, c] of this.#children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.#buffers) out.push([prefix + n, t]);
    for (const [n, c] of this.#children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  parameterCount(): number {
    return this.parameters().reduce((s, p) => s + p.numel, 0);
  }

  /** Parameters and buffers by full name: the live tensors, not copies. */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into this module's tensors. Strict by default: every key must exist on both sides
   * with the same shape; the error lists what is missing, unexpected or mismatched.
   */
  loadStateDict(state: Map<string, Tensor>, { strict = true } = {}): void {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    const mismatched: string[] = [];
    for (const [k, t] of own) {
      const s = state.get(k);
      if (s && (s.shape.length !== t.shape.length || s.shape.some((d, i) => d !== t.shape[i]))) {
        mismatched.push(`${k}: file [${s.shape.join(', ')}] vs model [${t.shape.join(', ')}]`);
      }
    }
    const problems: string[] = [];
    if (mismatched.length) problems.push(`shape mismatch for ${mismatched.join('; ')}`);
    if (strict && missing.length) problems.push(`missing ${missing.join(', ')}`);
    if (strict && unexpected.length) problems.push(`unexpected ${unexpected.join(', ')}`);
    if (problems.length) throw new Error(`state dict does not fit this model: ${problems.join('; ')}`);
    noGrad(() => {
      for (const [k, t] of own) {
        const s = state.get(k);
        if (!s) continue;
        const src = s.dtype === t.dtype && s.device === t.device ? s : s.to({ dtype: t.dtype, device: t.device });
        t.copy_(src);
        if (src !== s) src.dispose();
      }
    });
  }

  train(on = true): this {
    this.training = on;
    for (const c of this.#children.values()) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * Moves every parameter and buffer to a device and/or dtype in place (libtorch's set_data): the
   * Tensor objects stay the same, so layers' `weight` fields and other holders remain valid. Build
   * optimizers after the move, as in PyTorch (their state is on the old device).
   */
  to(target: Device | { device?: Device; dtype?: DType }): this {
    const { device, dtype } = typeof target === 'string' ? { device: target, dtype: undefined } : target;
    if (device === undefined && dtype === undefined) throw new TypeError('Module.to needs a device or a dtype (e.g. "cuda:0" or { dtype: "float64" })');
    // Checked before the first tensor moves, so a refused move leaves the whole module where it was.
    if (device !== undefined) checkDevice(device);
    if (dtype !== undefined) oneOf(dtype, DTYPES, 'dtype');
    if (dtype !== undefined && !FLOAT_DTYPES.includes(dtype) && this.parameters().length > 0) {
      throw new TypeError(`Module.to cannot make parameters ${dtype}: parameters train, so they must be floating point (${FLOAT_DTYPES.join(', ')})`);
    }
    const moveOne = (t: Tensor, isParam: boolean): void => {
      if ((device === undefined || t.device === device) && (dtype === undefined || t.dtype === dtype)) return;
      const moved = noGrad(() => t.to({ device, dtype }));
      t.setData_(moved);
      if (isParam) t.requiresGrad_(true);
    };
    for (const t of this.#params.values()) moveOne(t, true);
    for (const t of this.#buffers.values()) moveOne(t, false);
    for (const c of this.#children.values()) c.to(target);
    return this;
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const t of this.#params.values()) t.dispose();
    for (const t of this.#buffers.values()) t.dispose();
    for (const c of this.#children.values()) c.dispose();
  }
}
