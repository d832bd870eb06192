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
