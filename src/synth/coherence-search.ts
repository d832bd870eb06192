// Coherence search (Ashikhmin 2001): each target pixel tries the source patches its neighbours
// copy, shifted by the neighbour's offset, so coherent runs of source pixels grow and the output
// re-assembles whole strokes rather than single pixels. Candidates are read from the previous
// field (not propagated in place) and there is no random search: this is not PatchMatch.
// Extra candidate fields (e.g. a field carried along optical flow) join per pixel. A uniformity
// penalty (after Jamriška et al. 2019) counts how often each source pixel is used, so a few
// patches cannot paint the whole frame (the cause of visible repetition).
import type { Nnf, SourceGrid } from './nnf.js';
import type { SearchLabels } from './exhaustive-search.js';

export interface SearchFeatures { target: Float32Array; source: Float32Array; dims: number }

export interface CoherenceOptions {
  /** Neighbourhood radius whose shifted patches are candidates (1 = 8 neighbours). */
  radius: number;
  /** Penalty per existing use of a source pixel, in units of the field's mean patch distance. */
  uniformity: number;
  /** Extra candidates per pixel (valid null = everywhere), with an optional bonus (cost × (1 - bonus)). */
  extra?: { index: Int32Array; valid: Uint8Array | null; bonus?: number }[];
  /** Categories that must match (see exhaustive-search.ts): the penalty joins every candidate's cost. */
  labels?: SearchLabels;
}

/**
 * The source's labels as dense indices (0: no label, 1..: labels in order of appearance) with each
 * label's pixel count, kept by its labels array: gathered exemplars keep theirs from frame to frame
 * (made per frame, this pass over millions of source pixels took 20 ms of a 1080p final frame).
 */
interface SourceLabelIndex { dense: Int32Array; labels: number[]; counts: number[] }
const sourceIndex = new WeakMap<Int32Array, SourceLabelIndex>();

function sourceLabelIndex(source: Int32Array): SourceLabelIndex {
  const known = sourceIndex.get(source);
  if (known) return known;
  const dense = new Int32Array(source.length), at = new Map<number, number>(), labels: number[] = [], counts: number[] = [];
  let last = NaN, k = 0; // runs of one label (objects) looked up once
  for (let s = 0; s < source.length; s++) {
    const v = source[s]!;
    if (v !== last) {
      last = v;
      if (v < 0) k = 0;
      else {
        k = at.get(v) ?? 0;
        if (k === 0) { labels.push(v); counts.push(0); k = labels.length; at.set(v, k); }
      }
    }
    dense[s] = k;
    if (k > 0) counts[k - 1]! += 1;
  }
  const out = { dense, labels, counts };
  sourceIndex.set(source, out);
  return out;
}

// A frame's labels at one level serve all that level's search passes: their shares are made once.
const shares = new WeakMap<SearchLabels, Float32Array>();

/**
 * By dense source label (sourceLabelIndex), 1 / the uses it needs of each source (target pixels ÷
 * source pixels of that label, at least 1); 1 for no label.
 */
function reuseShare(labels: SearchLabels): Float32Array {
  const known = shares.get(labels);
  if (known) return known;
  const { labels: ls, counts } = sourceLabelIndex(labels.source);
  const nt = new Map<number, number>();
  for (const v of labels.target) if (v >= 0) nt.set(v, (nt.get(v) ?? 0) + 1);
  const out = new Float32Array(ls.length + 1);
  out[0] = 1;
  ls.forEach((l, i) => { out[i + 1] = 1 / Math.max(1, (nt.get(l) ?? 0) / counts[i]!); });
  shares.set(labels, out);
  return out;
}

/** Squared distance of target row ti and source row si (offsets into the pixel-major arrays) over d dims. */
export function patchDistance(t: Float32Array, ti: number, s: Float32Array, si: number, d: number): number {
  let acc = 0;
  for (let k = 0; k < d; k++) { const v = t[ti + k]! - s[si + k]!; acc += v * v; }
  return acc;
}

/** Each target pixel's patch distance to the source patch the field gives it (features only: no reuse or ID cost). */
export function patchCosts(f: SearchFeatures, nnf: Nnf): Float32Array {
  const d = f.dims, out = new Float32Array(nnf.width * nnf.height);
  if (f.target.length !== out.length * d) throw new RangeError(`target features hold ${f.target.length / d} pixels, the field ${out.length}`);
  for (let i = 0; i < out.length; i++) out[i] = patchDistance(f.target, i * d, f.source, nnf.index[i]! * d, d);
  return out;
}

/** One pass over the target in raster order; returns the improved field and its mean patch distance. */
export function coherenceSearch(f: SearchFeatures, nnf: Nnf, o: CoherenceOptions): { nnf: Nnf; meanDistance: number } {
  const { width: w, height: h, source: g } = nnf;
  const d = f.dims, plane = g.width * g.height;
  if (f.target.length !== w * h * d) throw new RangeError(`target features hold ${f.target.length / d} pixels, the field ${w * h}`);
  if (f.source.length !== g.count * plane * d) throw new RangeError(`source features hold ${f.source.length / d} pixels, the source grid ${g.count * plane}`);
  const prev = nnf.index, next = Int32Array.from(prev);
  const uses = new Float32Array(g.count * plane);
  let mean = 0;
  for (let i = 0; i < w * h; i++) { uses[prev[i]!]! += 1; mean += patchDistance(f.target, i * d, f.source, prev[i]! * d, d); }
  mean /= w * h;
  const lambda = o.uniformity * Math.max(mean, 1e-12);
  const r = o.radius;
  let total = 0;
  // Each source index decomposed once (exemplar base, row, column): the loop below read them per
  // candidate with three divisions, and tried candidates through a closure made per pixel.
  const n = w * h, gw = g.width;
  const sBase = new Int32Array(n), sRow = new Int32Array(n), sCol = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = prev[i]!, e = Math.floor(s / plane), rem = s - e * plane, row = Math.floor(rem / gw);
    sBase[i] = e * plane; sRow[i] = row; sCol[i] = rem - row * gw;
  }
  const src = f.source, tgt = f.target;
  const labels = o.labels;
  if (labels && (labels.target.length !== w * h || labels.source.length !== g.count * plane)) {
    throw new RangeError(`labels for ${labels.target.length} target and ${labels.source.length} source pixels, the field has ${w * h} and ${g.count * plane}`);
  }
  // A labelled target pixel pays the penalty for a source of another label (or none).
  const sLabel = labels?.source, pen = labels?.penalty ?? 0;
  const idCostOf = (lt: number, s: number) => (lt >= 0 && sLabel![s] !== lt ? pen : 0);
  // With labels, an object larger in the target than in the exemplars must reuse its sources: their
  // uses count in units of that need, or the reuse penalty would push the object off its own strokes.
  const share = labels ? reuseShare(labels) : null;
  const dense = labels ? sourceLabelIndex(labels.source).dense : null;
  const reuse = (s: number) => (dense ? lambda * uses[s]! * share![dense[s]!]! : lambda * uses[s]!);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const p = y * w + x, tp = p * d;
    const lt = labels ? labels.target[p]! : -1;
    let best = prev[p]!;
    uses[best]! -= 1;
    // The incumbent keeps the bonus of an extra field that proposes it (e.g. the carried field).
    let keep = 0;
    if (o.extra) for (const x2 of o.extra) if ((x2.valid === null || x2.valid[p]) && x2.index[p] === best) keep = Math.max(keep, x2.bonus ?? 0);
    let bestCost = (patchDistance(tgt, tp, src, best * d, d) + reuse(best) + idCostOf(lt, best)) * (1 - keep);
    for (let oy = -r; oy <= r; oy++) {
      const qy = y + oy;
      if (qy < 0 || qy >= h) continue;
      for (let ox = -r; ox <= r; ox++) {
        const qx = x + ox;
        if ((ox === 0 && oy === 0) || qx < 0 || qx >= w) continue;
        const q = qy * w + qx;
        const sy = sRow[q]! - oy, sx = sCol[q]! - ox;
        if (sy < 0 || sx < 0 || sy >= g.height || sx >= gw) continue;
        const s = sBase[q]! + sy * gw + sx;
        if (s === best) continue;
        const c = patchDistance(tgt, tp, src, s * d, d) + reuse(s) + idCostOf(lt, s);
        if (c < bestCost) { bestCost = c; best = s; }
      }
    }
    if (o.extra) {
      for (const x2 of o.extra) {
        if (!(x2.valid === null || x2.valid[p])) continue;
        const s = x2.index[p]!;
        if (s === best) continue;
        const c = (patchDistance(tgt, tp, src, s * d, d) + reuse(s) + idCostOf(lt, s)) * (1 - (x2.bonus ?? 0));
        if (c < bestCost) { bestCost = c; best = s; }
      }
    }
    next[p] = best;
    uses[best]! += 1;
    total += patchDistance(tgt, tp, src, best * d, d);
  }
  return { nnf: { width: w, height: h, source: g, index: next }, meanDistance: total / (w * h) };
}
