// Small image operation of the look model's preprocessing; the shared primitives (luminance,
// Gaussian blur, seeded random numbers) live in src/metrics.
import * as E from '../../engine/index.js';

/** Sobel gradient magnitude of (N, 1, H, W), replicate-padded. */
export function sobelMagnitude(g: E.Tensor): E.Tensor {
  return E.tidy(() => {
    const k = E.tensor([-1, 0, 1, -2, 0, 2, -1, 0, 1, -1, -2, -1, 0, 0, 0, 1, 2, 1], [2, 1, 3, 3]).div(4);
    const d = E.F.conv2d(E.F.pad(g, 1, 'replicate'), k);
    return d.square().sum(1, true).add(1e-12).sqrt();
  });
}
