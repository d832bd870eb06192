// Shape checks shared by the metrics: they accept one image (C, H, W) or a batch (N, C, H, W).
import { type Tensor } from '../engine/index.js';

/** x as (N, C, H, W): a 3-D (C, H, W) image becomes a batch of one (a new view). */
export function asBatch(x: Tensor, what: string): Tensor {
  if (x.ndim === 4) return x;
  if (x.ndim === 3) return x.unsqueeze(0);
  throw new RangeError(`${what} must be an image (C, H, W) or a batch (N, C, H, W), got shape [${x.shape.join(', ')}]`);
}

export function sameShape(a: Tensor, b: Tensor, what: string): void {
  const sa = a.shape, sb = b.shape;
  if (sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) {
    throw new RangeError(`${what} needs two tensors of the same shape, got [${sa.join(', ')}] and [${sb.join(', ')}]`);
  }
}
