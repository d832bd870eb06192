// Reinhard, Ashikhmin, Gooch & Shirley 2001, "Color Transfer between Images": the colour-grading
// baseline a trained look model must beat. Statistics are matched in the decorrelated lαβ space.
import * as E from '../engine/index.js';
import { type Tensor } from '../engine/index.js';
import { asBatch } from '../image/shapes.js';

type Mat3 = [number, number, number, number, number, number, number, number, number];

/** RGB → LMS cone space (the paper's matrix). */
export const RGB_TO_LMS: Mat3 = [0.3811, 0.5783, 0.0402, 0.1967, 0.7244, 0.0782, 0.0241, 0.1288, 0.8444];

/** log10 LMS → lαβ: diag(1/√3, 1/√6, 1/√2) · [[1, 1, 1], [1, 1, −2], [1, −1, 0]] (the paper's). */
export const LOGLMS_TO_LAB: Mat3 = (() => {
  const s = [1 / Math.sqrt(3), 1 / Math.sqrt(6), 1 / Math.sqrt(2)];
  const m = [1, 1, 1, 1, 1, -2, 1, -1, 0];
  return m.map((v, i) => v * s[Math.floor(i / 3)]!) as Mat3;
})();

/**
 * Added to LMS before log10 so black does not give −∞: one 8-bit code value (1/255). Smaller values
 * make the dark end of the log scale dominate the statistics.
 */
export const LAB_EPSILON = 1 / 255;

// Inverses computed exactly (not the paper's rounded 4-digit inverse) so RGB → lαβ → RGB is lossless.
function invert(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det,
    B / det, (a * i - c * g) / det, -(a * f - c * d) / det,
    C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}
const LMS_TO_RGB = invert(RGB_TO_LMS);
const LAB_TO_LOGLMS = invert(LOGLMS_TO_LAB);

/** Applies a 3×3 colour matrix to (N, 3, H, W) as a 1×1 convolution (in the input's dtype). */
function mix(x: Tensor, m: Mat3): Tensor {
  return E.F.conv2d(x, E.tensor(Float64Array.from(m), [3, 3, 1, 1]).to(x.dtype));
}

function expectRgb(x: Tensor, what: string): Tensor {
  const b = asBatch(x, what);
  if (b.size(1) !== 3) throw new RangeError(`${what} must have 3 (RGB) channels, got ${b.size(1)}`);
  return b;
}

/** RGB (N, 3, H, W) or (3, H, W) in [0, 1] → lαβ (N, 3, H, W) float64 (l ≈ [−2.4, 0], α, β ≈ ±1). */
export function rgbToLab(rgb: Tensor, eps = LAB_EPSILON): Tensor {
  return E.tidy(() => mix(mix(expectRgb(rgb, 'rgbToLab input').double(), RGB_TO_LMS).add(eps).log().div(Math.LN10), LOGLMS_TO_LAB));
}

/** lαβ (N, 3, H, W) → RGB (N, 3, H, W) float64, not clamped (inverse of rgbToLab with the same eps). */
export function labToRgb(lab: Tensor, eps = LAB_EPSILON): Tensor {
  return E.tidy(() => mix(mix(lab.double(), LAB_TO_LOGLMS).mul(Math.LN10).exp().sub(eps), LMS_TO_RGB));
}

/** Per-channel statistics in lαβ: [l, α, β]. std is the population standard deviation. */
export interface LabStats { mean: [number, number, number]; std: [number, number, number] }

/**
 * lαβ mean and std per channel over every pixel of every image (pooled; images may differ in
 * size), e.g. of a production's concept art. images: tensors (N, 3, H, W) or (3, H, W) in [0, 1].
 */
export function labStats(images: Tensor | readonly Tensor[], eps = LAB_EPSILON): LabStats {
  const list = Array.isArray(images) ? images : [images as Tensor];
  if (list.length === 0) throw new RangeError('labStats needs at least one image');
  const s = [0, 0, 0], ss = [0, 0, 0];
  let count = 0;
  for (const img of list) {
    E.tidy(() => {
      const lab = rgbToLab(img, eps);
      const sum = lab.sum([0, 2, 3]).toArray();
      const sq = lab.square().sum([0, 2, 3]).toArray();
      for (let c = 0; c < 3; c++) { s[c]! += sum[c]!; ss[c]! += sq[c]!; }
      count += lab.numel / 3;
    });
  }
  const mean = s.map((v) => v / count) as [number, number, number];
  const std = ss.map((v, c) => Math.sqrt(Math.max(v / count - mean[c]! ** 2, 0))) as [number, number, number];
  return { mean, std };
}

export interface ReinhardOptions {
  /**
   * Statistics to treat as the source's. Default: each image's own (per image of the batch). Pass
   * shot-wide stats (labStats of all frames) to grade a sequence without per-frame flicker.
   */
  sourceStats?: LabStats;
  eps?: number;
}

/**
 * Reinhard colour transfer: in lαβ, l' = (l − μ_src) · σ_ref / σ_src + μ_ref per channel, then back
 * to RGB clamped to [0, 1]. img: (N, 3, H, W) or (3, H, W) in [0, 1]; returns float32 of the same
 * shape. A flat source channel (σ_src = 0) is just shifted to μ_ref.
 */
export function reinhardTransfer(img: Tensor, refStats: LabStats, o: ReinhardOptions = {}): Tensor {
  return E.tidy(() => {
    const eps = o.eps ?? LAB_EPSILON;
    const lab = rgbToLab(img, eps);
    const col = (v: readonly number[]): Tensor => E.tensor(Float64Array.from(v), [1, 3, 1, 1]);
    let mu: Tensor, sd: Tensor;
    if (o.sourceStats) {
      mu = col(o.sourceStats.mean);
      sd = col(o.sourceStats.std);
    } else {
      mu = lab.mean([2, 3], true);
      sd = lab.var([2, 3], true).sqrt();
    }
    const scale = col(refStats.std).div(sd.maximum(1e-12)); // guards σ_src = 0 (then lab − μ = 0 anyway)
    const moved = lab.sub(mu).mul(scale).add(col(refStats.mean));
    const rgb = labToRgb(moved, eps).clamp(0, 1).float();
    return img.ndim === 3 ? rgb.squeeze(0) : rgb;
  });
}
