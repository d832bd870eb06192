// Small image operation of the look model's preprocessing; the shared primitives (luminance,
// Gaussian blur, seeded random numbers) live in src/metrics.
import * as E from '../../engine/index.js';

/**
 * Sobel gradient magnitude of (N, 1, H, W), replicate-padded. Written as shifted elementwise sums:
 * a 1->2 channel 3x3 conv went through oneDNN with two threads at ~50 ms per 1080p frame.
 */
export function sobelMagnitude(g: E.Tensor): E.Tensor {
  return E.tidy(() => {
    const [, , h, w] = g.shape as [number, number, number, number];
    const p = E.F.pad(g, 1, 'replicate');
    const at = (dy: number, dx: number) => p.slice(2, 1 + dy, 1 + dy + h).slice(3, 1 + dx, 1 + dx + w);
    // Kernels /4: x [-1 0 1; -2 0 2; -1 0 1], y its transpose.
    const gx = at(-1, 1).add(at(0, 1).mul(2)).add(at(1, 1)).sub(at(-1, -1)).sub(at(0, -1).mul(2)).sub(at(1, -1)).div(4);
    const gy = at(1, -1).add(at(1, 0).mul(2)).add(at(1, 1)).sub(at(-1, -1)).sub(at(-1, 0).mul(2)).sub(at(-1, 1)).div(4);
    return gx.square().add(gy.square()).add(1e-12).sqrt();
  });
}
