// Temporal stability: Lai et al. 2018 ("Learning Blind Video Temporal Consistency") warping error.
// Output frame t−1 is warped into frame t along the *input's* optical flow; whatever differs in
// visible (non-occluded) pixels is flicker the model added.
//
// Flow convention (everything here): a flow is (N, 2, H, W) in pixels, channel 0 = dx, 1 = dy,
// defined on the pixel grid of the frame it is attached to. "backward" flow of the pair (t−1, t)
// lives on frame t: pixel (x, y) of frame t was at (x + dx, y + dy) in frame t−1; that is
// E.disFlow(grey_t, grey_{t−1}). "forward" flow lives on frame t−1: pixel (x, y) of t−1 moves to
// (x + dx, y + dy) in t; that is E.disFlow(grey_{t−1}, grey_t).
import * as E from '../engine/index.js';
import { type Tensor, type FlowPreset } from '../engine/index.js';
import { asBatch } from './shapes.js';
import { luminance, greyBytes } from './luminance.js';

/**
 * An E.disFlow result (interleaved dx, dy per pixel, length w·h·2, pixel units) as a (1, 2, H, W)
 * float32 tensor (channel 0 = dx, channel 1 = dy). The flow's meaning is unchanged.
 */
export function flowToTensor(flat: Float32Array, w: number, h: number): Tensor {
  if (flat.length !== w * h * 2) throw new RangeError(`a ${w}x${h} flow holds ${w * h * 2} values, got ${flat.length}`);
  return E.tidy(() => E.tensor(flat, [1, h, w, 2]).permute([0, 3, 1, 2]).contiguous());
}

function expectFlow(flow: Tensor, img: Tensor, what: string): void {
  if (flow.ndim !== 4 || flow.size(1) !== 2 || flow.size(2) !== img.size(2) || flow.size(3) !== img.size(3)
    || (flow.size(0) !== img.size(0) && flow.size(0) !== 1)) {
    throw new RangeError(`${what} must be (N or 1, 2, ${img.size(2)}, ${img.size(3)}) for images [${img.shape.join(', ')}], got [${flow.shape.join(', ')}]`);
  }
}

export interface WarpOptions {
  /** What samples from outside img read: the nearest edge pixel (default) or zeros. */
  padding?: 'border' | 'zeros';
  /** Interpolation (default bilinear); bicubic keeps more sub-pixel detail (and can overshoot [0, 1]). */
  mode?: 'bilinear' | 'bicubic';
}

/**
 * Backward warping: out(x, y) = img(x + dx(x, y), y + dy(x, y)), bilinear (grid_sample with
 * align_corners, so integer flows move pixels exactly). img (N, C, H, W) or (C, H, W); flow
 * (N or 1, 2, H, W) in pixels on the output's grid → (N, C, H, W) float32. To bring frame t−1 into
 * frame t, pass the backward flow (see the file header).
 */
export function warpByFlow(img: Tensor, flow: Tensor, o: WarpOptions = {}): Tensor {
  return E.tidy(() => {
    const x = asBatch(img, 'warpByFlow image').float();
    expectFlow(flow, x, 'warpByFlow flow');
    const [n, , h, w] = x.shape as [number, number, number, number];
    // Pixel → normalised [-1, 1] with align_corners = true: 0 ↦ −1, size−1 ↦ +1.
    const scale = E.tensor([w > 1 ? 2 / (w - 1) : 0, h > 1 ? 2 / (h - 1) : 0], [1, 2, 1, 1]);
    let grid = flow.float().mul(scale).permute([0, 2, 3, 1]).add(baseGrid(h, w));
    if (grid.size(0) !== n) grid = grid.expand([n, h, w, 2]);
    const so: E.F.GridSampleOptions = { mode: o.mode ?? 'bilinear', padding: o.padding ?? 'border', alignCorners: true };
    const bands = n === 1 && x.device === 'cpu' && h * w >= BANDED_PIXELS ? Math.min(E.getNumThreads(), Math.floor(h / 16)) : 1;
    return bands > 1 ? sampleInBands(x, grid, bands, so) : E.F.gridSample(x, grid, so);
  });
}

/** Frames from this size up are sampled in row bands (below it the bands' bookkeeping costs more than they save). */
const BANDED_PIXELS = 1 << 16;

/**
 * libtorch's CPU grid sampler runs the images of a batch in parallel, but each image on one thread:
 * one frame is sampled as a batch of row bands of itself (the image expanded, not copied; the same
 * numbers). A 1080p RGB warp on 2 threads: bilinear 89 → 57 ms, bicubic 191 → 109 ms.
 */
function sampleInBands(x: Tensor, grid: Tensor, bands: number, so: E.F.GridSampleOptions): Tensor {
  const [, c, h, w] = x.shape as [number, number, number, number];
  const rows = Math.ceil(h / bands);
  // The last band padded with copies of the grid's last row, cut off again below.
  const padded = rows * bands > h ? E.F.cat([grid, grid.narrow(1, h - 1, 1).expand([1, rows * bands - h, w, 2])], 1) : grid;
  const out = E.F.gridSample(x.expand([bands, c, h, w]), padded.reshape([bands, rows, w, 2]), so);
  const whole = out.permute([1, 0, 2, 3]).reshape([1, c, rows * bands, w]);
  return rows * bands > h ? whole.narrow(2, 0, h).contiguous() : whole;
}

// The identity sampling grid (1, H, W, 2) in normalised coordinates, kept for the last few sizes:
// building it took ~40% of a 1080p warp, and a render warps at one or two sizes, 7 times a frame.
const baseGrids = new Map<string, Tensor>();

function baseGrid(h: number, w: number): Tensor {
  const key = `${h}x${w}`;
  let g = baseGrids.get(key);
  if (g) {
    baseGrids.delete(key); // re-inserted below: the map's order is least recently used first
  } else {
    g = E.keep(E.tidy(() => {
      const scale = E.tensor([w > 1 ? 2 / (w - 1) : 0, h > 1 ? 2 / (h - 1) : 0], [2]);
      return E.F.stack([
        E.arange(0, w, 1, { dtype: 'float32' }).reshape([1, 1, w]).expand([1, h, w]),
        E.arange(0, h, 1, { dtype: 'float32' }).reshape([1, h, 1]).expand([1, h, w]),
      ], 3).mul(scale).sub(1).contiguous();
    }));
    while (baseGrids.size >= 3) {
      const [oldest, t] = baseGrids.entries().next().value as [string, Tensor];
      baseGrids.delete(oldest);
      t.dispose();
    }
  }
  baseGrids.set(key, g);
  return g;
}

/**
 * 1 where the flow's source position x + dx, y + dy lies inside the frame (at least `margin` px
 * from its edges), else 0: flow (N, 2, H, W) → (N, 1, H, W) float32.
 */
export function inFrameMask(flow: Tensor, margin = 0): Tensor {
  return E.tidy(() => {
    const [, , h, w] = flow.shape as [number, number, number, number];
    // x + dx and y + dy by broadcasting, on the flow's own layout (half the time of building the
    // (N, H, W, 2) positions and permuting back at 1080p; the same numbers).
    const f = flow.float();
    const px = f.slice(1, 0, 1).add(E.arange(0, w, 1, { dtype: 'float32' }).reshape([1, 1, 1, w]));
    const py = f.slice(1, 1, 2).add(E.arange(0, h, 1, { dtype: 'float32' }).reshape([1, 1, h, 1]));
    return px.ge(margin).logicalAnd(px.le(w - 1 - margin)).logicalAnd(py.ge(margin)).logicalAnd(py.le(h - 1 - margin)).float();
  });
}

/**
 * Forward–backward consistency (Sundaram et al. 2010, as in Lai et al. 2018), on frame t's grid:
 * with b = backward flow (t → t−1) and f̃ = the forward flow (t−1 → t) sampled at x + b, a pixel is
 * occluded when |b + f̃|² > 0.01 (|b|² + |f̃|²) + 0.5. backward, forward: (N, 2, H, W) in pixels.
 * Returns (N, 1, H, W) float32: 1 = visible in both frames (use it), 0 = occluded / unreliable.
 */
export function occlusionMask(backward: Tensor, forward: Tensor): Tensor {
  return E.tidy(() => {
    const b = backward.float();
    const f = warpByFlow(forward, b);
    const sq = (t: Tensor): Tensor => t.square().sum(1, true);
    const occluded = sq(b.add(f)).gt(sq(b).add(sq(f)).mul(0.01).add(0.5));
    return occluded.logicalNot().float();
  });
}

/** The input's flows of one consecutive pair (t−1, t), as Float32Array from E.disFlow or (1, 2, H, W). */
export interface PairFlows {
  /** Flow on frame t pointing into t−1: E.disFlow(grey_t, grey_{t−1}). Used to warp O_{t−1}. */
  backward: Tensor | Float32Array;
  /** Flow on frame t−1 pointing into t: E.disFlow(grey_{t−1}, grey_t). Enables the occlusion mask. */
  forward?: Tensor | Float32Array;
}

export interface WarpErrorOptions {
  /** Exclude occluded pixels by forward–backward consistency (default true; needs forward flows). */
  occlusion?: boolean;
  /** Exclude pixels whose backward flow points outside the frame (default true). */
  excludeOutOfFrame?: boolean;
  /** With excludeOutOfFrame: also where it points within this many pixels of the frame's edge (default 0). */
  edgeMargin?: number;
}

function frameList(frames: Tensor | readonly Tensor[]): Tensor[] {
  if (Array.isArray(frames)) return frames.map((f) => asBatch(f, 'warpError frame'));
  const t = frames as Tensor;
  if (t.ndim !== 4) throw new RangeError(`warpError frames must be (T, C, H, W) or an array of frames, got [${t.shape.join(', ')}]`);
  return Array.from({ length: t.size(0) }, (_, i) => t.slice(0, i, i + 1));
}

function asFlow(f: Tensor | Float32Array, like: Tensor): Tensor {
  return f instanceof Float32Array ? flowToTensor(f, like.size(3), like.size(2)) : f;
}

/**
 * Warping error of each consecutive pair: for t = 1..T−1, W = warpByFlow(O_{t−1}, backward_t),
 * M = occlusion mask × in-frame mask, e_t = Σ M · mean_c (O_t − W)² / Σ M (squared error per pixel
 * averaged over channels, then averaged over the valid pixels). frames: (T, C, H, W) or T frames
 * (C, H, W) / (1, C, H, W) in [0, 1]; flows: T−1 PairFlows of the *input* sequence. Returns T−1
 * numbers in [0, 1]; NaN for a pair with no valid pixel.
 */
export function warpErrors(frames: Tensor | readonly Tensor[], flows: readonly PairFlows[], o: WarpErrorOptions = {}): number[] {
  return E.tidy(() => {
    const list = frameList(frames);
    if (flows.length !== list.length - 1) throw new RangeError(`warpError needs ${list.length - 1} pair flows for ${list.length} frames, got ${flows.length}`);
    const useOcclusion = o.occlusion ?? true;
    const out: number[] = [];
    for (let t = 1; t < list.length; t++) {
      out.push(E.tidy(() => {
        const prev = list[t - 1]!.float(), cur = list[t]!.float();
        const pair = flows[t - 1]!;
        const back = asFlow(pair.backward, cur);
        let mask = E.onesLike(cur.slice(1, 0, 1));
        if (o.excludeOutOfFrame ?? true) mask = mask.mul(inFrameMask(back, o.edgeMargin ?? 0));
        if (useOcclusion && pair.forward !== undefined) mask = mask.mul(occlusionMask(back, asFlow(pair.forward, cur)));
        const err = cur.sub(warpByFlow(prev, back)).square().mean(1, true);
        const n = mask.sum().item();
        return n > 0 ? err.mul(mask).sum().item() / n : NaN;
      }));
    }
    return out;
  });
}

/**
 * Lai et al. 2018 warping error of a rendered sequence: the mean over consecutive pairs of
 * warpErrors (pairs with no valid pixel are skipped; NaN if none is valid). Lower is steadier;
 * 0 for output that moves exactly with the input's flow. Same arguments as warpErrors.
 */
export function warpError(frames: Tensor | readonly Tensor[], flows: readonly PairFlows[], o: WarpErrorOptions = {}): number {
  const e = warpErrors(frames, flows, o).filter((v) => !Number.isNaN(v));
  return e.length === 0 ? NaN : e.reduce((s, v) => s + v, 0) / e.length;
}

/**
 * Both flows of every consecutive pair of an *input* sequence, on 8-bit Rec.601 luma: E.disFlow
 * with a preset, or 'farneback' (E.farnebackFlow: a method renders never follow, for benchmarks
 * that measure a render's coherence along something other than its own flow).
 * frames: (T, C, H, W) or T frames (C, H, W) / (1, C, H, W) in [0, 1] → T−1 PairFlows (Float32Array).
 */
export function flowsFromFrames(frames: Tensor | readonly Tensor[], preset: FlowPreset | 'farneback' = 'medium'): PairFlows[] {
  const grey = E.tidy(() => frameList(frames).map((f) => {
    const y = luminance(f).mul(255).round().clamp(0, 255).data() as Float32Array;
    return { y: Uint8Array.from(y), w: f.size(3), h: f.size(2) };
  }));
  const out: PairFlows[] = [];
  for (let t = 1; t < grey.length; t++) {
    const a = grey[t - 1]!, b = grey[t]!;
    const flow = (x: Uint8Array, y: Uint8Array) => preset === 'farneback' ? E.farnebackFlow(x, y, a.w, a.h) : E.disFlow(x, y, a.w, a.h, preset);
    out.push({ backward: flow(b.y, a.y), forward: flow(a.y, b.y) });
  }
  return out;
}

/** A frame's 8-bit luma as DIS sees it: at most maxWidth wide (area downscale by an integer factor). */
export interface FlowFrame { grey: Uint8Array; w: number; h: number }

/**
 * At 1920x1080, DIS "medium" on the half-size frame costs a fifth of the full-size one and lands
 * 1.3 px (mean end-point) from it (bench/RESULTS.md, render): flows of large frames are computed
 * at most maxWidth wide and brought back with flowToFull.
 */
export function flowFrame(rough: Tensor, maxWidth: number): FlowFrame {
  const [, , h, w] = rough.shape as [number, number, number, number];
  const f = Math.max(1, Math.ceil(w / maxWidth));
  if (f === 1) return { grey: greyBytes(rough), w, h };
  const [fh, fw] = [Math.ceil(h / f), Math.ceil(w / f)];
  return { grey: E.tidy(() => greyBytes(E.F.interpolate(rough, { size: [fh, fw], mode: 'area' }))), w: fw, h: fh };
}

/**
 * Motion vectors (1, 2, H, W, in pixels) and where they are valid (1, 1, H, W, 0/1) on a coarser
 * h×w grid: block means in grid pixels, valid where the whole block was. The same tensors when the
 * size is theirs already.
 */
export function motionOnGrid(back: Tensor, visible: Tensor, h: number, w: number): { back: Tensor; visible: Tensor } {
  const [H, W] = [back.size(2), back.size(3)];
  if (H === h && W === w) return { back, visible };
  return E.tidy(() => ({
    back: E.F.interpolate(back, { size: [h, w], mode: 'area' }).mul(E.tensor([w / W, h / H], [1, 2, 1, 1])),
    visible: E.F.interpolate(visible, { size: [h, w], mode: 'area' }).ge(0.999).float(),
  }));
}

/** A (1, 2, fh, fw) flow on a flow grid as a (1, 2, h, w) flow on the full-size grid, in full-size pixels. */
export function flowToFull(f: Tensor, h: number, w: number): Tensor {
  const [fh, fw] = [f.size(2), f.size(3)];
  if (fh === h && fw === w) return f;
  return E.tidy(() => E.F.interpolate(f, { size: [h, w], mode: 'bilinear' }).mul(E.tensor([w / fw, h / fh], [1, 2, 1, 1])));
}
