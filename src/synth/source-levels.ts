// The exemplars' side of the synthesis, prepared once per exemplar stack and reused for every frame:
// per pyramid level, the PCA patch basis (fitted on all exemplars), each exemplar's reduced patch
// features and its style pixels. A shot's frames then only compute their own features.
import * as E from '../engine/index.js';
import { fitPatchBasis, patchFeatures } from './patch-features.js';
import { rowThreads } from './row-threads.js';
import { idLabels } from './id-pass.js';
import { wideGaussianBlur } from '../image/index.js';
import type { Exemplars, SynthOptions } from './synthesize.js';

export interface SourceLevel {
  height: number;
  width: number;
  /** (dims, channels, k, k) basis as data (a tensor is made per use, so nothing stays allocated); absent on levels that are only voted. */
  basis?: Float32Array;
  channels: number;
  dims: number;
  /** Per exemplar: pixel-major features (h·w·dims; absent on levels that are only voted) and planar style (3·h·w). */
  features?: Float32Array[];
  style: Float32Array[];
  /** Per exemplar on searched levels, when its guides hold ID passes: each pixel's ID label (idLabels). */
  labels?: Int32Array[];
}

export const levelSize = (size: number, level: number): number => Math.max(8, Math.round(size / 2 ** level));

export const down = (x: E.Tensor, h: number, w: number): E.Tensor =>
  x.size(2) === h && x.size(3) === w ? x.clone() : E.F.interpolate(x, { size: [h, w], mode: 'area' });

// Per exemplar guide and style tensors (both: the same painting with other guides is another
// source), per level and settings: levels are shared between searches that differ elsewhere.
const cache = new WeakMap<E.Tensor, WeakMap<E.Tensor, Map<string, SourceLevel>>>();

/**
 * Levels finest first, `levels` of them. Levels finer than searchLevel carry style only (they are
 * voted, never searched). temporalWeight > 0 adds the style channels once more on the searched
 * level (they meet the previous frame's carried output on the target side; see TemporalHint).
 */
export function sourceLevels(ex: Exemplars, o: SynthOptions, levels: number, temporalWeight: number, searchLevel = 0): SourceLevel[] {
  let byStyle = cache.get(ex.guide);
  if (!byStyle) cache.set(ex.guide, (byStyle = new WeakMap()));
  let perEx = byStyle.get(ex.style);
  if (!perEx) byStyle.set(ex.style, (perEx = new Map()));
  const out: SourceLevel[] = [];
  for (let l = 0; l < levels; l++) {
    const searched = l >= searchLevel;
    const tw = l === searchLevel ? temporalWeight : 0;
    const key = JSON.stringify(searched ? [l, o.patch, o.dims, o.guideWeight, o.styleWeight, tw, (ex.idCodes ?? []).map((c) => [c.channel, c.count, c.length])] : [l]);
    let level = perEx.get(key);
    if (!level) perEx.set(key, (level = buildLevel(ex, o, l, searched, tw)));
    out.push(level);
  }
  return out;
}

function buildLevel(ex: Exemplars, o: SynthOptions, l: number, searched: boolean, temporalWeight: number): SourceLevel {
  const N = ex.style.size(0), Hs = ex.style.size(2), Ws = ex.style.size(3);
  const h = levelSize(Hs, l), w = levelSize(Ws, l);
  const style: Float32Array[] = [];
  if (!searched) {
    E.tidy(() => {
      // Full size reads the style itself (down() would copy it whole first: 300 MB for 12 1080p paintings).
      const ss = h === Hs && w === Ws ? ex.style : down(ex.style, h, w);
      for (let e = 0; e < N; e++) style.push(ss.slice(0, e, e + 1).contiguous().data() as Float32Array);
    });
    return { height: h, width: w, channels: 3, dims: 0, style };
  }
  if (l < (ex.guideLevel ?? 0)) throw new RangeError(`level ${l} cannot be searched: the exemplars keep their guides at level ${ex.guideLevel}`);
  const stack = E.tidy(() => {
    const ss = down(ex.style, h, w);
    return { ss, stack: E.F.cat([down(ex.guide, h, w).mul(o.guideWeight), ss.mul(o.styleWeight), ...(temporalWeight > 0 ? [ss.mul(o.styleWeight * temporalWeight)] : [])], 1) };
  });
  const basis = fitPatchBasis(stack.stack, o.patch, o.dims, 512);
  try {
    const features: Float32Array[] = [];
    const labels: Int32Array[] | undefined = ex.idCodes?.length ? [] : undefined;
    for (let e = 0; e < N; e++) {
      E.tidy(() => {
        features.push(patchFeatures(stack.stack.slice(0, e, e + 1), basis));
        style.push(stack.ss.slice(0, e, e + 1).contiguous().data() as Float32Array);
        // The stack begins with the guide (× guideWeight), at this level's size.
        if (labels) labels.push(idLabels(stack.stack.slice(0, e, e + 1), ex.idCodes!, o.guideWeight));
      });
    }
    return { height: h, width: w, basis: basis.weight.data() as Float32Array, channels: stack.stack.size(1), dims: basis.dims, features, style, labels };
  } finally {
    E.disposeAll([stack, basis.weight]);
  }
}

// Per exemplar style tensor: its low-pass per (level, sigma), see sourceLowPass.
const lowCache = new WeakMap<E.Tensor, Map<string, Float32Array[]>>();

/**
 * Each exemplar's style at level `level`, blurred by sigma (that level's pixels), planar (3·h·w) as
 * SourceLevel.style: the colour the copied strokes stand on, which the colour lock swaps for the
 * look model's (synthesize.ts lockSeamless). Kept per exemplar stack.
 */
export function sourceLowPass(ex: Exemplars, level: number, sigma: number): Float32Array[] {
  let byKey = lowCache.get(ex.style);
  if (!byKey) lowCache.set(ex.style, (byKey = new Map()));
  const key = `${level},${sigma}`;
  let low = byKey.get(key);
  if (!low) {
    const out: Float32Array[] = [];
    const h = levelSize(ex.style.size(2), level), w = levelSize(ex.style.size(3), level);
    for (let e = 0; e < ex.style.size(0); e++) {
      E.tidy(() => out.push(wideGaussianBlur(down(ex.style.slice(0, e, e + 1), h, w), sigma).contiguous().data() as Float32Array));
    }
    byKey.set(key, (low = out));
  }
  return low;
}

// The last concatenations per parts list: a shot's carried frames search the same chosen
// exemplars (their anchor's) frame after frame, and at 1080p a copy costs tens of milliseconds.
const gathered = new WeakMap<(Float32Array | Int32Array)[], { key: string; data: Float32Array | Int32Array }[]>();
const GATHERED_KEPT = 2;

/** Concatenates the chosen exemplars' arrays (features, style or labels) in the given order (read-only: it may be shared; shared: see concat). */
export function gather<T extends Float32Array | Int32Array>(parts: T[], chosen: readonly number[], shared = false): T {
  const key = chosen.join(',');
  const kept = gathered.get(parts) ?? [];
  const hit = kept.find((g) => g.key === key);
  if (hit) return hit.data as T;
  const data = concat(parts, chosen, shared);
  gathered.set(parts, [{ key, data }, ...kept].slice(0, GATHERED_KEPT));
  return data;
}

/** shared: on a SharedArrayBuffer, so that voting's helper threads read it without a copy (row-threads.ts). */
function concat<T extends Float32Array | Int32Array>(parts: T[], chosen: readonly number[], shared: boolean): T {
  const total = chosen.reduce((a, i) => a + parts[i]!.length, 0);
  const buffer = shared && rowThreads() > 1 ? new SharedArrayBuffer(4 * total) : new ArrayBuffer(4 * total);
  const out = (parts[0] instanceof Int32Array ? new Int32Array(buffer) : new Float32Array(buffer)) as T;
  let at = 0;
  for (const i of chosen) { out.set(parts[i]!, at); at += parts[i]!.length; }
  return out;
}

/**
 * The `max` exemplars whose guides look most like the target's guide (8×8 thumbnails, L2): fewer
 * exemplars make the search cheaper, and strokes come from paintings of similar scenes and light.
 */
/** Exemplar selection compares guides area-downscaled to this many pixels a side. */
export const SELECTION_SIZE = 8;

export function selectExemplars(guide: E.Tensor, ex: Exemplars, max: number): number[] {
  const n = ex.guide.size(0);
  if (max >= n) return Array.from({ length: n }, (_, i) => i);
  const d = E.tidy(() => {
    const t = E.F.interpolate(guide, { size: [SELECTION_SIZE, SELECTION_SIZE], mode: 'area' });
    const s = E.F.interpolate(ex.guide, { size: [SELECTION_SIZE, SELECTION_SIZE], mode: 'area' });
    return s.sub(t).square().sum([1, 2, 3]).toArray();
  });
  return d.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, Math.max(1, max)).map((x) => x[1]).sort((a, b) => a - b);
}
