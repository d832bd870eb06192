// Keys cubic convolution (Keys 1981), the "bicubic" of sharp/libvips, PIL, Matlab's imresize and
// ffmpeg-style scalers when a = -0.5. Two uses here, both by integer factors s:
// - keysUpscale: the bicubic upscale reference (pixel centres at (i + 0.5) / s - 0.5, edges
//   replicated). With a = -0.75 it equals libtorch's bicubic interpolate (checked in the tests).
// - antialiasedDownscale: the kernel stretched by s (support 4s high-resolution pixels, normalized),
//   the antialiased bicubic downscale that sharp's resize(kernel 'cubic') makes; rounded to 8 bits
//   like a saved frame.
import * as E from '../../engine/index.js';

/** The Keys cubic kernel at distance t (a = -0.5: Catmull-Rom; libtorch/OpenCV use -0.75). */
export function keysKernel(t: number, a = -0.5): number {
  const x = Math.abs(t);
  if (x <= 1) return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1;
  if (x < 2) return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a;
  return 0;
}

/** One axis (dim 2 or 3) of an upscale by s: s phases of 4 taps on the edge-replicated input, interleaved. */
function upAxis(x: E.Tensor, s: number, a: number, dim: 2 | 3): E.Tensor {
  const n = x.size(dim);
  const p = E.F.pad(x, dim === 3 ? [2, 2, 0, 0] : [0, 0, 2, 2], 'replicate');
  const phases: E.Tensor[] = [];
  for (let r = 0; r < s; r++) {
    const d = (r + 0.5) / s - 0.5;
    const base = Math.floor(d);
    const t = d - base;
    const w = [keysKernel(t + 1, a), keysKernel(t, a), keysKernel(1 - t, a), keysKernel(2 - t, a)];
    let acc = p.narrow(dim, base + 1, n).mul(w[0]!);
    for (let k = 1; k < 4; k++) acc = acc.add(p.narrow(dim, base + k + 1, n).mul(w[k]!));
    phases.push(acc);
  }
  const shape = [...x.shape];
  shape[dim] = n * s;
  return E.F.stack(phases, dim + 1).reshape(shape);
}

/** Bicubic upscale (N, C, h, w) -> (N, C, h·s, w·s), clamped to [0, 1]. */
export function keysUpscale(x: E.Tensor, s: number, a = -0.5): E.Tensor {
  return E.tidy(() => upAxis(upAxis(x, s, a, 3), s, a, 2).clamp(0, 1));
}

/** One axis of the antialiased downscale: a strided depthwise conv with the stretched kernel. */
function downAxis(x: E.Tensor, s: number, a: number, dim: 2 | 3): E.Tensor {
  // Low-resolution pixel i (centre s·i + s/2) reads high-resolution pixels j = s·i - 3s/2 + k,
  // k = 0 .. 4s-1, at distance (k - 2s + 0.5) / s in low-resolution pixels.
  const taps = 4 * s;
  const w = Array.from({ length: taps }, (_, k) => keysKernel((k - 2 * s + 0.5) / s, a));
  const sum = w.reduce((p, q) => p + q, 0);
  const c = x.size(1);
  const kernel = E.tensor(Array.from({ length: c }, () => w.map((v) => v / sum)).flat(), dim === 3 ? [c, 1, 1, taps] : [c, 1, taps, 1], { dtype: x.dtype, device: x.device });
  const pd = (3 * s) / 2;
  const p = E.F.pad(x, dim === 3 ? [pd, pd, 0, 0] : [0, 0, pd, pd], 'replicate');
  return E.F.conv2d(p, kernel, null, { stride: dim === 3 ? [1, s] : [s, 1], groups: c });
}

/** Antialiased bicubic downscale (N, C, H, W) -> (N, C, H/s, W/s), s even, rounded to 8 bits. */
export function antialiasedDownscale(hr: E.Tensor, s: number, a = -0.5): E.Tensor {
  if (s % 2) throw new RangeError(`antialiasedDownscale: factor ${s} must be even`);
  return E.tidy(() => downAxis(downAxis(hr, s, a, 3), s, a, 2).clamp(0, 1).mul(255).round().div(255));
}
