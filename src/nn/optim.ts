// Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019), PyTorch's update rule exactly.
// The state is plain tensors, so a checkpoint can save it and a resumed run continues bit-identically.
import { Tensor } from '../engine/tensor.js';
import { zerosLike } from '../engine/factory.js';
import { keep, tidy } from '../engine/scope.js';
import { noGrad } from '../engine/autograd.js';
import { numberArg } from '../engine/check.js';

export interface AdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number }

export class Adam {
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** Updates taken so far (bias correction uses it). */
  stepCount = 0;
  readonly #params: [string, Tensor][];
  readonly #m = new Map<string, Tensor>();
  readonly #v = new Map<string, Tensor>();

  /** params: tensors, or [name, tensor] pairs (names key the saved state; use module.namedParameters()). */
  constructor(params: Tensor[] | [string, Tensor][], o: AdamOptions = {}, protected readonly decoupled = false) {
    this.#params = params.map((p, i) => (Array.isArray(p) ? p : [String(i), p]));
    if (this.#params.length === 0) throw new RangeError('optimizer got no parameters');
    this.lr = numberArg(o.lr ?? 1e-3, 'learning rate');
    this.betas = o.betas ?? [0.9, 0.999];
    if (!this.betas.every((b) => b >= 0 && b < 1)) throw new RangeError(`Adam betas must be in [0, 1), got [${this.betas.join(', ')}]`);
    this.eps = numberArg(o.eps ?? 1e-8, 'eps');
    this.weightDecay = numberArg(o.weightDecay ?? (decoupled ? 1e-2 : 0), 'weight decay');
  }

  zeroGrad(): void {
    for (const [, p] of this.#params) p.zeroGrad();
  }

  step(): void {
    this.stepCount += 1;
    const [b1, b2] = this.betas;
    const bc1 = 1 - b1 ** this.stepCount;
    const bc2 = 1 - b2 ** this.stepCount;
    const { lr, eps, weightDecay: wd } = this;
    noGrad(() => {
      for (const [name, p] of this.#params) {
        tidy(() => {
          let g = p.grad;
          if (g === null) return;
          let m = this.#m.get(name);
          let v = this.#v.get(name);
          if (!m || !v) {
            m = keep(zerosLike(p));
            v = keep(zerosLike(p));
            this.#m.set(name, m);
            this.#v.set(name, v);
          }
          if (wd !== 0) {
            if (this.decoupled) p.mul_(1 - lr * wd);
            else g = g.add(p.mul(wd));
          }
          m.mul_(b1).add_(g, 1 - b1);
          v.mul_(b2).addcmul_(g, g, 1 - b2);
          const denom = v.sqrt().div(Math.sqrt(bc2)).add(eps);
          p.addcdiv_(m, denom, -lr / bc1);
        });
      }
    });
  }

  /** Moment estimates by "m.<name>" / "v.<name>" plus the step count, for checkpoints. */
  stateDict(): { tensors: Map<string, Tensor>; step: number } {
    const tensors = new Map<string, Tensor>();
    for (const [n, t] of this.#m) tensors.set(`m.${n}`, t);
    for (const [n, t] of this.#v) tensors.set(`v.${n}`, t);
    return { tensors, step: this.stepCount };
  }

  loadStateDict(state: { tensors: Map<string, Tensor>; step: number }): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new RangeError(`optimizer state has an invalid step count ${state.step}`);
    const byName = new Map(this.#params);
    for (const [key, t] of state.tensors) {
      const dot = key.indexOf('.');
      const kind = key.slice(0, dot);
      const name = key.slice(dot + 1);
      const p = byName.get(name);
      if ((kind !== 'm' && kind !== 'v') || !p) throw new Error(`optimizer state has an unknown entry "${key}"`);
      if (t.shape.join() !== p.shape.join()) throw new Error(`optimizer state "${key}" has shape [${t.shape.join(', ')}], parameter has [${p.shape.join(', ')}]`);
      const target = kind === 'm' ? this.#m : this.#v;
      target.get(name)?.dispose();
      // On the parameter's device: a checkpoint is read to the CPU, and a run may resume on a GPU.
      target.set(name, keep(tidy(() => t.to({ device: p.device }).clone())));
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const t of [...this.#m.values(), ...this.#v.values()]) t.dispose();
    this.#m.clear();
    this.#v.clear();
  }
}

/** AdamW: weight decay applied to the weights directly, not through the gradient. */
export class AdamW extends Adam {
  constructor(params: Tensor[] | [string, Tensor][], o: AdamOptions = {}) {
    super(params, o, true);
  }
}

/**
 * Scales the gradients of params in place so their global L2 norm is at most maxNorm (as PyTorch's
 * clip_grad_norm_); returns the norm before clipping. Stops one bad batch from wrecking a model.
 */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  return noGrad(() => tidy(() => {
    const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
    if (grads.length === 0) return 0;
    let sq = 0;
    for (const g of grads) sq += g.square().sum().item();
    const norm = Math.sqrt(sq);
    if (norm > maxNorm) {
      const scale = maxNorm / (norm + 1e-6);
      for (const g of grads) g.mul_(scale);
    }
    return norm;
  }));
}
