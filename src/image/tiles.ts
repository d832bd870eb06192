// Tiled inference: runs a fully-convolutional network over a frame of any size in overlapping
// tiles, so memory is bounded by the tile size and not the frame size, and blends the tiles with
// smooth weights so there are no seams.
//
// Layout, per axis: the frame is reflect-padded (right / bottom) to a multiple of `multiple`
// (strided networks need it; the padding is cropped off the result). Tiles are `tile` pixels
// (rounded down to `multiple`), start on multiples of `multiple` (so a strided network sees the
// same sampling grid as on the whole frame) and overlap their neighbours by at least `overlap`
// (rounded up to `multiple`). Tiles touching the frame's edge end exactly at it, so the network
// pads the frame border itself, as it would on the whole frame.
//
// Blending, per axis, inside each overlap of width v: the first and last quarter (v/4) are taken
// from one tile only (the one for which it is not near an edge: the zone a tile edge contaminates),
// and across the middle half a raised-cosine weight hands over from one tile to the next (the two
// weights sum to 1). 2-D weights are the product of the per-axis ones. So for a network whose
// receptive radius (pixels of context it reads on each side) is at most overlap/4 the tiled
// result equals the untiled one up to float rounding; wider receptive fields give small
// differences spread smoothly across the overlap, never a seam. Use tileMaxAbsDiff to measure.
import * as E from '../engine/index.js';
import type { Tensor } from '../engine/index.js';

export interface TileOptions {
  /** Tile size in input pixels (rounded down to `multiple`); default 512. */
  tile?: number;
  /** Minimum overlap between neighbouring tiles in input pixels (rounded up to `multiple`); default 32. */
  overlap?: number;
  /** Tile sizes and positions are multiples of this (4 for a network that downsamples by 4); default 4. */
  multiple?: number;
  /** Output pixels per input pixel (an upscaler: 2 or 4); default 1. */
  scale?: number;
}

export interface TileAxis {
  /** Padded length of this axis (a multiple of `multiple`). */
  length: number;
  /** Tile starts and the common tile size, in input pixels of the padded frame. */
  starts: number[];
  size: number;
}

export interface TilePlan { height: number; width: number; padBottom: number; padRight: number; rows: TileAxis; cols: TileAxis; tiles: number; tile: number; overlap: number; multiple: number; scale: number }

function positiveInt(v: number, what: string, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${what} must be a whole number >= ${min}, got ${v}`);
  return v;
}

function planAxis(length: number, tile: number, overlap: number, multiple: number): TileAxis {
  if (length <= tile) return { length, starts: [0], size: length };
  // Enough tiles that consecutive starts are at most tile - overlap apart (both multiples of
  // `multiple`, so flooring the evenly spaced starts keeps every gap within that bound).
  const n = Math.ceil((length - overlap) / (tile - overlap));
  const span = length - tile;
  const starts = Array.from({ length: n }, (_, i) => (i === n - 1 ? span : Math.floor((i * span) / (n - 1) / multiple) * multiple));
  return { length, starts, size: tile };
}

/** Where the tiles of a (H, W) frame go; exported for benchmarks and progress reporting. */
export function planTiles(height: number, width: number, o: TileOptions = {}): TilePlan {
  const multiple = positiveInt(o.multiple ?? 4, 'tile multiple');
  const scale = positiveInt(o.scale ?? 1, 'scale');
  const overlap = Math.ceil(positiveInt(o.overlap ?? 32, 'tile overlap', 0) / multiple) * multiple;
  const tile = Math.floor(positiveInt(o.tile ?? 512, 'tile size') / multiple) * multiple;
  if (tile <= overlap) throw new RangeError(`tile size ${o.tile ?? 512} (rounded to ${tile}) must be larger than the overlap (${overlap}) so tiles advance`);
  const padBottom = (multiple - (height % multiple)) % multiple;
  const padRight = (multiple - (width % multiple)) % multiple;
  const rows = planAxis(height + padBottom, tile, overlap, multiple);
  const cols = planAxis(width + padRight, tile, overlap, multiple);
  return { height, width, padBottom, padRight, rows, cols, tiles: rows.starts.length * cols.starts.length, tile, overlap, multiple, scale };
}

/**
 * Per-axis blending weights of every tile, in output pixels: Float64Array of size * scale each.
 * Overlap regions: one-tile quarters at the ends, raised-cosine hand-over across the middle half.
 */
export function axisWeights(axis: TileAxis, scale: number): Float64Array[] {
  const n = axis.starts.length;
  const size = axis.size * scale;
  return axis.starts.map((s, i) => {
    const w = new Float64Array(size).fill(1);
    // Overlap with the previous tile: [s, prevEnd); with the next: [nextStart, s + size).
    const ramp = (v: number, rising: boolean, offset: number) => {
      const dead = Math.floor(v / 4);
      const width = v - 2 * dead;
      for (let k = 0; k < v; k++) {
        let up: number; // weight of the later tile at position k of the overlap
        if (k < dead) up = 0;
        else if (k >= dead + width) up = 1;
        else up = 0.5 - 0.5 * Math.cos((Math.PI * (k - dead + 0.5)) / width);
        w[offset + k] *= rising ? up : 1 - up;
      }
    };
    if (i > 0) {
      const v = (axis.starts[i - 1]! + axis.size - s) * scale;
      if (v > 0) ramp(Math.min(v, size), true, 0);
    }
    if (i < n - 1) {
      const v = (s + axis.size - axis.starts[i + 1]!) * scale;
      if (v > 0) ramp(Math.min(v, size), false, size - Math.min(v, size));
    }
    return w;
  });
}

/**
 * Runs fn (a fully-convolutional network: (N, C, h, w) -> (N, Cout, h * scale, w * scale)) over
 * input (N, C, H, W) tile by tile and returns (N, Cout, H * scale, W * scale). Gradients off; each
 * tile runs in its own tidy scope, so peak memory is one tile's activations plus the output.
 */
export function runTiled(fn: (x: Tensor) => Tensor, input: Tensor, o: TileOptions = {}): Tensor {
  if (input.ndim !== 4) throw new RangeError(`runTiled expects an (N, C, H, W) tensor, got shape [${input.shape.join(', ')}]`);
  const [n, , h, w] = input.shape as [number, number, number, number];
  const plan = planTiles(h, w, o);
  const s = plan.scale;
  const wy = axisWeights(plan.rows, s);
  const wx = axisWeights(plan.cols, s);
  // Sum of weights per output row / column (the product of the two is the 2-D normaliser).
  const sumY = new Float64Array(plan.rows.length * s);
  const sumX = new Float64Array(plan.cols.length * s);
  plan.rows.starts.forEach((y0, i) => wy[i]!.forEach((v, k) => { sumY[y0 * s + k] += v; }));
  plan.cols.starts.forEach((x0, j) => wx[j]!.forEach((v, k) => { sumX[x0 * s + k] += v; }));
  if (sumY.some((v) => !(v > 0)) || sumX.some((v) => !(v > 0))) {
    throw new RangeError(`runTiled: tile ${plan.tile} is too small for overlap ${plan.overlap} (some pixels get no weight); use a tile at least twice the overlap`);
  }

  return E.noGrad(() => {
    const padded = E.tidy(() => {
      if (!plan.padBottom && !plan.padRight) return input;
      const reflect = h > plan.padBottom && w > plan.padRight;
      return E.F.pad(input, [0, plan.padRight, 0, plan.padBottom], reflect ? 'reflect' : 'replicate');
    });
    let out: Tensor | null = null;
    try {
      plan.rows.starts.forEach((y0, i) => {
        plan.cols.starts.forEach((x0, j) => {
          E.tidy(() => {
            const tileIn = padded.narrow(2, y0, plan.rows.size).narrow(3, x0, plan.cols.size);
            const y = fn(tileIn);
            const th = plan.rows.size * s;
            const tw = plan.cols.size * s;
            if (y.ndim !== 4 || y.size(0) !== n || y.size(2) !== th || y.size(3) !== tw) {
              throw new RangeError(`runTiled: the network turned a [${tileIn.shape.join(', ')}] tile into [${y.shape.join(', ')}], expected [${n}, C, ${th}, ${tw}] (scale ${s}); is it fully convolutional, and are tile sizes multiples of what it needs (multiple = ${plan.multiple})?`);
            }
            if (out === null) out = E.keep(E.zeros([n, y.size(1), plan.rows.length * s, plan.cols.length * s], { dtype: y.dtype, device: y.device }));
            else if (out.size(1) !== y.size(1)) throw new RangeError(`runTiled: tiles came back with ${y.size(1)} and ${out.size(1)} channels`);
            const weight = E.tensor(Float32Array.from(wy[i]!), [th, 1]).mul(E.tensor(Float32Array.from(wx[j]!), [1, tw])).to({ dtype: y.dtype, device: y.device });
            out.narrow(2, y0 * s, th).narrow(3, x0 * s, tw).add_(y.mul(weight));
          });
        });
      });
      const norm = E.tidy(() => E.tensor(Float32Array.from(sumY), [sumY.length, 1]).mul(E.tensor(Float32Array.from(sumX), [1, sumX.length])));
      const result = E.tidy(() => {
        const full = out!.div(norm.to({ dtype: out!.dtype, device: out!.device }));
        return plan.padBottom || plan.padRight ? full.narrow(2, 0, h * s).narrow(3, 0, w * s).contiguous() : full;
      });
      norm.dispose();
      return result;
    } finally {
      (out as Tensor | null)?.dispose();
      if (padded !== input) padded.dispose();
    }
  });
}

export interface TileDiff {
  /** Largest |tiled - untiled| over every output value. */
  maxAbsDiff: number;
  /** maxAbsDiff divided by the largest |untiled| value. */
  relDiff: number;
  /** Mean |tiled - untiled|. */
  meanAbsDiff: number;
  tiles: number;
  tiledSeconds: number;
  wholeSeconds: number;
}

/**
 * Runs fn on the whole input and tiled, and compares. The whole-frame run pads the input to a
 * multiple of `multiple` like runTiled does, so only tiling differs.
 */
export function tileMaxAbsDiff(fn: (x: Tensor) => Tensor, input: Tensor, o: TileOptions = {}): TileDiff {
  const [, , h, w] = input.shape as [number, number, number, number];
  const plan = planTiles(h, w, o);
  const t0 = performance.now();
  const tiled = runTiled(fn, input, o);
  const t1 = performance.now();
  const whole = runTiled(fn, input, { ...o, tile: Math.max(plan.rows.length, plan.cols.length) + plan.overlap + plan.multiple });
  const t2 = performance.now();
  try {
    return E.tidy(() => {
      const d = tiled.sub(whole).abs();
      const maxAbsDiff = d.max().item();
      const ref = whole.abs().max().item();
      return { maxAbsDiff, relDiff: ref > 0 ? maxAbsDiff / ref : maxAbsDiff, meanAbsDiff: d.mean().item(), tiles: plan.tiles, tiledSeconds: (t1 - t0) / 1000, wholeSeconds: (t2 - t1) / 1000 };
    });
  } finally {
    tiled.dispose();
    whole.dispose();
  }
}
