// Periodic artifacts: pixel shuffle, stride-2 transposed convs and tiling print faint patterns of
// period 2, 4 or 8 px locked to the pixel grid. Such a pattern puts spectral energy on exact
// multiples of 1/8 cycle per pixel; painted content spreads its energy smoothly over frequencies.
import * as E from '../engine/index.js';
import { type Tensor } from '../engine/index.js';
import { asBatch } from '../image/shapes.js';
import { luminance } from '../image/luminance.js';

export interface GridOptions {
  /** Side of the square tiles whose spectra are averaged, px: a multiple of 8, ≥ 32 (default 64). */
  tile?: number;
}

/** One probed frequency: (fx, fy) in cycles per pixel, the grid period that lands there, and its peak-to-neighbourhood ratio. */
export interface GridContrast {
  fx: number;
  fy: number;
  /** Smallest period (2, 4 or 8 px) whose patterns can put energy at (fx, fy). */
  period: number;
  /** Power at (fx, fy) ÷ the largest power of its spectral neighbourhood (see gridContrast). */
  contrast: number;
}

/** A probed frequency with out's and gt's contrasts and their ratio out ÷ gt. */
export interface GridPeak {
  fx: number;
  fy: number;
  period: number;
  out: number;
  gt: number;
  ratio: number;
}

// Neighbourhood: the 16 bins at Chebyshev distance 2 around the probed one. A pattern locked to the
// pixel grid lands exactly on a bin (tiles are multiples of 8 px), and the Hann window spreads it
// to distance 1 only, so the neighbourhood holds none of it.
const RING = 2;

function tileArg(o: GridOptions): number {
  const t = o.tile ?? 64;
  // Probes are t/8 bins apart: one probe's ring (2) must miss its neighbour's leakage (1).
  if (!Number.isInteger(t) || t % 8 !== 0 || t < 32) throw new RangeError(`grid tile must be a multiple of 8, at least 32, got ${t}`);
  return t;
}

/** The DFT bins (mod t) the probes and their neighbourhoods need along one axis: 8m + d, |d| ≤ RING. */
function neededBins(t: number): number[] {
  const ks = new Set<number>();
  for (let m = 0; m < 8; m++) for (let d = -RING; d <= RING; d++) ks.add((m * (t / 8) + d + t) % t);
  return [...ks];
}

/**
 * Windowed DFT table (t, 2K) for bins ks: [n][j] = h[n]·cos(2π ks[j] n / t), then the sines, with h
 * the periodic ("DFT-even") Hann window, whose transform is zero beyond ±1 bin: a tone on a bin
 * leaks into its 8 neighbours only, and the tile's mean (DC) reaches none of the needed bins
 * (all ≥ t/8 − 2 from 0 along one axis), so tiles need no mean removal.
 */
function dftTable(t: number, ks: number[]): Tensor {
  const k = ks.length, d = new Float32Array(t * 2 * k);
  for (let n = 0; n < t; n++) {
    const h = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / t);
    for (let j = 0; j < k; j++) {
      const a = (2 * Math.PI * ((ks[j]! * n) % t)) / t;
      d[n * 2 * k + j] = h * Math.cos(a);
      d[n * 2 * k + k + j] = h * Math.sin(a);
    }
  }
  return E.tensor(d, [t, 2 * k]);
}

/**
 * Welch power spectrum of the luma at bins ks × ks: mean over the image's t×t tiles (a centred grid
 * of whole tiles, every image of the batch) of |DFT(Hann × tile)|². → (K·K) Float64Array, [iy·K + ix].
 */
function welchSpectrum(x: Tensor, t: number, ks: number[], what: string): Float64Array {
  return E.tidy(() => {
    const y = luminance(asBatch(x, what));
    const [n, h, w] = [y.size(0), y.size(2), y.size(3)];
    const nh = Math.floor(h / t), nw = Math.floor(w / t);
    if (nh === 0 || nw === 0) throw new RangeError(`gridScore with ${t} px tiles needs images of at least ${t}x${t}, got ${w}x${h}`);
    const k = ks.length, table = dftTable(t, ks);
    const crop = y.narrow(2, (h - nh * t) >> 1, nh * t).narrow(3, (w - nw * t) >> 1, nw * t);
    // Separable 2-D DFT as two matmuls (the engine has no FFT), only at the needed bins: along x
    // within each tile row, then along y. (n, nh, t, nw, t) → (n, nh, t, nw, 2K) → (n, nh, nw, 2K, 2K).
    const alongX = crop.reshape([n, nh, t, nw, t]).matmul(table);
    const both = alongX.permute([0, 1, 3, 4, 2]).matmul(table);
    // both[.., a, b]: a = x (cos | sin), b = y (cos | sin). e^{-i(u+v)}: Re = cc − ss, Im = −(sc + cs).
    const part = (a: number, b: number): Tensor => both.narrow(3, a * k, k).narrow(4, b * k, k);
    const re = part(0, 0).sub(part(1, 1)), im = part(1, 0).add(part(0, 1));
    // Mean over batch and tiles → (K_x, K_y); transposed to [y][x] for the lookups.
    const power = re.square().add(im.square()).double().mean([0, 1, 2]).transpose(0, 1).contiguous();
    return Float64Array.from(power.data() as Float64Array);
  });
}

/** The probed frequencies: every multiple of 1/8 cycle per pixel in x and y except (0, 0), one of each ± pair. */
function probes(): [number, number][] {
  const out: [number, number][] = [];
  const seen = new Set<string>();
  for (let b = 0; b < 8; b++) {
    for (let a = 0; a < 8; a++) {
      if (a === 0 && b === 0) continue;
      const key = `${a},${b}`, conj = `${(8 - a) % 8},${(8 - b) % 8}`;
      if (seen.has(conj)) continue;
      seen.add(key);
      out.push([a, b]);
    }
  }
  return out;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
/** Eighths of a cycle → cycles per pixel in (−½, ½]. */
const cycles = (a: number): number => (a > 4 ? a - 8 : a) / 8;

function contrasts(spectrum: Float64Array, t: number, ks: number[]): GridContrast[] {
  const k = ks.length;
  const index = new Map(ks.map((b, i) => [b, i]));
  const at = (kx: number, ky: number): number => spectrum[index.get((ky + t) % t)! * k + index.get((kx + t) % t)!]!;
  // Floor: the power of a white luma noise of σ = 1e-3 (σ²·Σw², Σw² = (3t/8)² for the 2-D Hann),
  // about 8-bit rounding noise (1/255/√12). Below it nothing survives delivery, and a blurred
  // output's near-empty high band (where a truncated blur kernel's ripple can peak) reads as flat;
  // flat images give 1, not 0/0.
  const floor = 1e-6 * ((3 * t) / 8) ** 2;
  return probes().map(([a, b]) => {
    const kx = a * (t / 8), ky = b * (t / 8);
    // The largest neighbour, not their mean: a grid peak stands above everything around it, while
    // content's spectrum slopes (more power towards low frequencies) and has ridges (long parallel
    // strokes put a line of power across the spectrum) that a mean would read as a peak.
    let ring = 0;
    for (let dy = -RING; dy <= RING; dy++) {
      for (let dx = -RING; dx <= RING; dx++) {
        if (Math.max(Math.abs(dx), Math.abs(dy)) === RING) ring = Math.max(ring, at(kx + dx, ky + dy));
      }
    }
    return { fx: cycles(a), fy: cycles(b), period: 8 / gcd(gcd(a, b), 8), contrast: (at(kx, ky) + floor) / (ring + floor) };
  });
}

/**
 * Peak-to-neighbourhood contrast of one image at each grid frequency (fx, fy): every multiple of 1/8
 * cycle per pixel with fx, fy ∈ (−½, ½] except (0, 0), 33 after pairing f with −f, each with the
 * period (2, 4 or 8 px) a pattern needs to land there. Spectrum: Welch estimate on the Rec.601 luma,
 * |DFT|² of every t×t tile (a centred grid of whole tiles, t = 64 by default: bins 1/t cycle apart)
 * under a 2-D Hann window, averaged over tiles and batch. Contrast = (power at the bin + floor) ÷
 * (largest power among the 16 bins at Chebyshev distance 2 around it + floor), floor being the power
 * of white luma noise of σ = 1e-3 (~8-bit rounding). Content without a grid scores ≤ ~1 (a little
 * over only by chance: up to ~1.25 at 512×512, ~1.1 at 1080p); a grid-locked sinusoid of amplitude
 * a adds (a·t²/8)² to its bin and nothing to the neighbourhood. x: (N, C, H, W) or (C, H, W), RGB or
 * grey, at least t×t.
 */
export function gridContrast(x: Tensor, o: GridOptions = {}): GridContrast[] {
  const t = tileArg(o), ks = neededBins(t);
  return contrasts(welchSpectrum(x, t, ks, 'gridContrast input'), t, ks);
}

/** gridContrast of out and of gt at every probed frequency, and ratio = out ÷ gt; gridScore is the largest ratio. */
export function gridPeaks(out: Tensor, gt: Tensor, o: GridOptions = {}): GridPeak[] {
  const t = tileArg(o), ks = neededBins(t);
  const co = contrasts(welchSpectrum(out, t, ks, 'gridScore output'), t, ks);
  const cg = contrasts(welchSpectrum(gt, t, ks, 'gridScore ground truth'), t, ks);
  // Contrast under 1 is no peak at all (a spectrum falling or flat there); how far under does not
  // matter, and would make a blurred output, whose floor there is flat, look like a grid.
  return co.map((c, i) => ({
    fx: c.fx, fy: c.fy, period: c.period, out: c.contrast, gt: cg[i]!.contrast,
    ratio: Math.max(c.contrast, 1) / Math.max(cg[i]!.contrast, 1),
  }));
}

/**
 * Periodic-artifact score of out against gt: the largest, over the 33 grid frequencies (every
 * multiple of 1/8 cycle per pixel in x and y, along the axes and the diagonals: where patterns of
 * period 2, 4 and 8 px locked to the pixel grid put their energy), of max(1, out's contrast) ÷
 * max(1, gt's contrast), contrast being the spectral peak-to-neighbourhood ratio of gridContrast.
 * A contrast under 1 counts as 1 (no peak: how far a falling or flat spectrum lies under its
 * neighbours says nothing about grids, and would make a blurred reference look grid-free and a
 * blurred output look gridded). ≥ 1; exactly 1 for identical images, ~1 (under ~1.2) for content
 * without a grid against a blurred, noisier or other sample of itself; ≫ 1 when the output carries
 * a grid the reference has not (a period-2, 4 or 8 checker of amplitude 0.02 on a grainy 256×256
 * image: ~30–160). Patterns too sparse to reach a bin's neighbourhood level within one tile are not
 * seen (one raised pixel per 8×8 block at amplitude 0.02 scores ~1.1). Luma only: a grid in
 * chroma alone is not seen. gridPeaks gives every frequency. Sizes may differ, each at least t×t
 * (64×64 by default). ~0.15 s per 1920×1080 image pair on one thread.
 */
export function gridScore(out: Tensor, gt: Tensor, o: GridOptions = {}): number {
  return Math.max(...gridPeaks(out, gt, o).map((p) => p.ratio));
}
