// Patch features reduced by PCA: every k×k patch of a stack of weighted channels (guides, style)
// projected on the leading principal components of the source's patches. A k×k projection is one
// conv2d with the basis as its kernel, so features for a whole frame cost one libtorch convolution,
// and patch distances in the reduced space approximate full patch SSD (the discarded components
// carry little variance).
import * as E from '../engine/index.js';
import { samplePatches } from '../metrics/index.js';
import { topEigenvectors } from './eigen.js';

export interface PatchBasis {
  /** (dims, channels, k, k) projection kernel; kept (dispose with disposeBasis). */
  weight: E.Tensor;
  k: number;
  dims: number;
  /** Fraction of the sampled patches' variance the basis keeps. */
  kept: number;
}

/** PCA of up to `samples` patches per image of stack (N, C, H, W) → the leading `dims` components. */
export function fitPatchBasis(stack: E.Tensor, k: number, dims: number, samples = 2048, seed = 7): PatchBasis {
  if (k % 2 !== 1) throw new RangeError(`patch size must be odd, got ${k}`);
  const c = stack.size(1);
  const n = c * k * k;
  const d = Math.min(dims, n);
  const cov = E.tidy(() => {
    const x = samplePatches(stack, k, { perImage: samples, seed }).double();
    const centred = x.sub(x.mean(0, true));
    return Float64Array.from(centred.transpose(0, 1).matmul(centred).div(x.size(0)).data() as Float64Array);
  });
  const { vectors, values } = topEigenvectors(cov, n, d);
  let total = 0, top = 0;
  values.forEach((v, i) => { total += Math.max(v, 0); if (i < d) top += Math.max(v, 0); });
  const weight = E.keep(E.tensor(vectors, [d, c, k, k]));
  return { weight, k, dims: d, kept: total > 0 ? top / total : 1 };
}

/** Reduced features of every pixel's patch (replicate padding), pixel-major: (N·H·W, dims) as a Float32Array. */
export function patchFeatures(stack: E.Tensor, basis: PatchBasis): Float32Array {
  if (stack.size(1) !== basis.weight.size(1)) throw new RangeError(`features need ${basis.weight.size(1)} channels, got ${stack.size(1)}`);
  return E.tidy(() => pixelMajor(project(stack, basis.weight, basis.k)));
}

/** The projection of every patch of x (replicate padding) on the kernel: (N, dims, H, W). */
const project = (x: E.Tensor, weight: E.Tensor, k: number): E.Tensor => E.F.conv2d(E.F.pad(x, (k - 1) / 2, 'replicate'), weight);
const pixelMajor = (f: E.Tensor): Float32Array => f.permute([0, 2, 3, 1]).contiguous().data() as Float32Array;

/**
 * patchFeatures of stacks that all start with the same channels (a pyramid level's guide, beside
 * a style estimate that changes every iteration): the projection is linear and padding works per
 * channel, so the fixed channels' part is computed once and each stack projects only the rest.
 * The guide is most of the channels (~18 of ~24 at 1080p with passes), so a level's features for
 * its iterations cost about a third.
 */
export class FixedPartFeatures {
  readonly #fixed: E.Tensor;
  readonly #rest: E.Tensor;
  readonly #k: number;
  readonly #channels: number;

  constructor(fixed: E.Tensor, readonly basis: PatchBasis) {
    const c = fixed.size(1), all = basis.weight.size(1);
    if (c >= all) throw new RangeError(`the fixed part must leave channels to project: ${c} of ${all}`);
    this.#k = basis.k;
    this.#channels = all - c;
    this.#fixed = E.keep(E.tidy(() => project(fixed, basis.weight.narrow(1, 0, c).contiguous(), basis.k)));
    this.#rest = E.keep(E.tidy(() => basis.weight.narrow(1, c, all - c).contiguous()));
  }

  /** patchFeatures(cat([fixed, rest], 1), basis), within float rounding. */
  features(rest: E.Tensor): Float32Array {
    if (rest.size(1) !== this.#channels) throw new RangeError(`features need the other ${this.#channels} channels, got ${rest.size(1)}`);
    return E.tidy(() => pixelMajor(project(rest, this.#rest, this.#k).add_(this.#fixed)));
  }

  dispose(): void {
    E.disposeAll([this.#fixed, this.#rest]);
  }
}
