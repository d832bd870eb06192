// Guided example-based synthesis (StyLit, Fišer et al. 2016; Jamriška et al. 2019) with
// patent-free search: re-assemble the exemplars' painted frames (style) so that their guides match
// the target's guides, coarse to fine. Coarsest level: exhaustive GEMM search over PCA-reduced patch
// features. Finer levels: the field upsampled, then coherence search (neighbours' shifted patches,
// plus any extra fields such as one carried along optical flow). Each level alternates search and
// voting (EM) a few times; the style estimate of the target is part of the patch feature, so the
// strokes chosen agree with each other across overlapping patches.
import * as E from '../engine/index.js';
import { wideGaussianBlur } from '../image/index.js';
import { FixedPartFeatures } from './patch-features.js';
import { sourceLevels, sourceLowPass, selectExemplars, gather, levelSize } from './source-levels.js';
import { exhaustiveSearch, type SearchLabels } from './exhaustive-search.js';
import { coherenceSearch, patchCosts, patchDistance as dist } from './coherence-search.js';
import { vote, voteUpsampled } from './vote.js';
import { upsampleNnf, type Nnf, type SourceGrid } from './nnf.js';
import type { GuidePasses, GuideWeights } from './stroke-guide.js';
import { idLabels, type IdGuideCodes, type IdKeys } from './id-pass.js';
import { guideAt, guideChannels, guideColour, guideForSelection, guideLevel, isLevelGuide, strokeGuideAt, type TargetGuide } from './target-guide.js';

/** Guide weights are read when the guides are built (strokeGuide), by the exemplar bank and the renderer. */
export interface SynthOptions extends GuideWeights {
  /** Pyramid levels; default: halve until the exemplars' short side would drop below 32. */
  levels?: number;
  /**
   * Finest level searched (0 = full size). Below it the field is only carried up to full size and
   * voted, so a patch spans 2^searchLevel px of the frame: the scale the defaults were tuned at
   * (5×5 patches over marks painted at 256²) kept at any frame size, and a 4× cheaper search per
   * level. Default: defaultSearchLevel of the exemplars.
   */
  searchLevel?: number;
  /** Patch size (odd). */
  patch: number;
  /** PCA dimensions of the patch features. */
  dims: number;
  /** Weight of the guide channels vs the style estimate in patch distances. */
  guideWeight: number;
  styleWeight: number;
  /** EM iterations (search + vote) at the coarsest level and at the others. */
  coarseIterations: number;
  iterations: number;
  /**
   * EM iterations at the searched level of a frame that starts from a carried field (TemporalHint):
   * that field converged in its anchor, so one pass settles what the carry left. Measured at 1080p
   * (look-hd frame 1, carried from its keyframes): 2 → 1 26.663 → 26.657 dB, 8 % of a final frame.
   */
  carriedIterations: number;
  /**
   * EM iterations of such a frame at the coarsest level and at the levels between it and the
   * searched one: the searched level takes the carried field wherever the flow is trusted, so the
   * coarser levels only seed what it does not reach. Measured at 1080p (look-hd frame 1 of the
   * five test shots, carried from their keyframes): [4, 2] (as uncarried) 26.663 dB, [2, 1] 26.663,
   * [1, 0] 26.609.
   */
  carriedCoarseIterations: readonly [number, number];
  /** Coherence neighbourhood radius. */
  radius: number;
  /** Reuse penalty (see coherence-search.ts). */
  uniformity: number;
  /** Voting window half-width and Gaussian sigma, at coarse levels and at the finest one. */
  voteRadius: number;
  voteSigma: number;
  fineVoteRadius: number;
  fineVoteSigma: number;
  /**
   * Sigma (pixels at the searched level, so ×2^searchLevel at full size: the marks' own colour
   * variation is kept at any frame size) above which the result's colour is replaced by the
   * guide's: the look model's colour and shading are right, the synthesis contributes the marks.
   * 0 = off.
   */
  colorLock: number;
  /** Most exemplars searched per frame (the most similar guides; see selectExemplars). */
  maxExemplars: number;
  /**
   * Cost of copying a patch whose centre shows another object (ID passes: Exemplars.idCodes) than
   * the target pixel's, in units of two whole patches of typical codes apart: the codes alone leave
   * two objects whose codes happen to lie near each other (the sample's girl and a house) near in
   * patch distance too. 0 = the codes alone.
   */
  idPenalty: number;
  /**
   * Most of a level's pixels (fraction) searched again exhaustively when the field carried up from
   * the coarser level fits them worst (patch distance above repairFactor × the median): coherence
   * search only tries the neighbours' patches, so a small object that the coarse level matched to
   * the wrong strokes (a face at 3 px) keeps them at every finer level. 0 = off.
   */
  repair: number;
  repairFactor: number;
}

export const DEFAULT_SYNTH: SynthOptions = {
  patch: 5, dims: 16, guideWeight: 1, styleWeight: 0.7, coarseIterations: 4, iterations: 2, carriedIterations: 1, carriedCoarseIterations: [2, 1], radius: 2, uniformity: 0.5,
  voteRadius: 2, voteSigma: 1.5, fineVoteRadius: 1, fineVoteSigma: 0.7, colorLock: 3, maxExemplars: 6,
  roughWeight: 1, passWeight: 0.5, idPenalty: 1, repair: 0.03, repairFactor: 3,
};

/**
 * The production's painted exemplars: style (N, 3, H, W) painted; guide (N, Cg, h, w) as the target's
 * guide is built, at pyramid level guideLevel of the style's size (default 0: the same size). Only
 * levels from the searched one down read the guide, so a bank of large exemplars keeps it at that
 * level (at 1080p, 18 guide channels of 12 paintings are 1.8 GB at full size, 0.1 GB at level 2).
 */
export interface Exemplars {
  guide: E.Tensor;
  style: E.Tensor;
  guideLevel?: number;
  /** The IDs their ID passes hold (id-pass.ts): a target's other IDs are coded as no object's. None: every ID is coded. */
  ids?: IdKeys;
  /** Where their guides hold ID codes, and those IDs' codes (idGuideCodes): IDs then match as categories (idPenalty). */
  idCodes?: readonly IdGuideCodes[];
}

/** The exemplars' full size (the style's). */
export const exemplarSize = (ex: Exemplars): [number, number] => [ex.style.size(2), ex.style.size(3)];

/** Temporal hint for the finest level: a field carried from another frame, and that frame's output warped here. */
export interface TemporalHint {
  nnf: Int32Array;
  valid: Uint8Array;
  /** (1, 3, H, W) the other frame's output warped into this one. */
  warped: E.Tensor;
  /** Weight of agreeing with `warped` where valid, relative to styleWeight. */
  weight: number;
  /**
   * Where `warped` may be agreed with, if not everywhere the field is valid: next to a gap the
   * carried field is kept but the warped image holds the anchor's marks spilt across an old outline
   * (carry-margin.ts).
   */
  warpedValid?: Uint8Array;
  /** Cost discount (0..1) of keeping the carried patch: strokes stay put unless clearly wrong. */
  bonus: number;
  /** The exemplars the carried field indexes (SynthResult.exemplars of the frame it came from). */
  exemplars: number[];
}

/** image (1, 3, H, W); nnf over the chosen exemplars, in that order (indices into the stack). */
export interface SynthResult { image: E.Tensor; nnf: Nnf; exemplars: number[] }

function checkInputs(target: TargetGuide, ex: Exemplars): void {
  const guide = isLevelGuide(target) ? target.colour : target;
  if (guide.ndim !== 4 || guide.size(0) !== 1) throw new RangeError(`the target guide must be (1, C, H, W), got [${guide.shape.join(', ')}]`);
  if (isLevelGuide(target)) {
    const g = target.levels[target.level], [H, W] = [guide.size(2), guide.size(3)];
    if (guide.size(1) !== 3) throw new RangeError(`a level guide's colour must be (1, 3, H, W), got [${guide.shape.join(', ')}]`);
    if (!g || g.ndim !== 4 || g.size(0) !== 1 || g.size(2) !== levelSize(H, target.level) || g.size(3) !== levelSize(W, target.level)) {
      throw new RangeError(`a guide kept at level ${target.level} of ${W}x${H} must be (1, C, ${levelSize(H, target.level)}, ${levelSize(W, target.level)}) there, got [${g?.shape.join(', ') ?? 'nothing'}]`);
    }
  }
  if (ex.guide.ndim !== 4 || ex.style.ndim !== 4) throw new RangeError('exemplar guide and style must be (N, C, H, W)');
  if (ex.guide.size(1) !== guideChannels(target)) throw new RangeError(`exemplar guides have ${ex.guide.size(1)} channels but the target guide has ${guideChannels(target)}`);
  if (ex.style.size(1) !== 3) throw new RangeError(`exemplar style must be RGB (N, 3, H, W), got [${ex.style.shape.join(', ')}]`);
  const gl = ex.guideLevel ?? 0;
  if (ex.guide.size(0) !== ex.style.size(0) || ex.guide.size(2) !== levelSize(ex.style.size(2), gl) || ex.guide.size(3) !== levelSize(ex.style.size(3), gl)) {
    throw new RangeError(`exemplar guide [${ex.guide.shape.join(', ')}] and style [${ex.style.shape.join(', ')}] must have the same count, and the guide the size of level ${gl} of the style`);
  }
  if (guide.size(2) < 8 || guide.size(3) < 8 || ex.style.size(2) < 8 || ex.style.size(3) < 8) throw new RangeError('synthesis needs images of at least 8x8');
  if (guideChannels(target) < 3) throw new RangeError('the target guide must start with an RGB estimate (3 channels)');
}

/** Short side (px) of the frames the patch size and pyramid defaults were tuned at. */
export const TUNED_SIDE = 256;

/** The level whose short side is nearest TUNED_SIDE (in octaves): 0 up to 362 px, 1 up to 724, 2 at 1080p. */
export function defaultSearchLevel(ex: Exemplars): number {
  return searchLevelForSide(Math.min(...exemplarSize(ex)));
}

export const searchLevelForSide = (side: number): number => Math.max(0, Math.round(Math.log2(side / TUNED_SIDE)));

/** The searched level's size for a target of H×W (where a TemporalHint for that target must be given). */
export function searchSize(H: number, W: number, ex: Exemplars, options: Partial<SynthOptions> = {}): { level: number; height: number; width: number } {
  const levels = options.levels ?? defaultLevels(ex);
  const level = Math.min(levels - 1, Math.max(0, options.searchLevel ?? defaultSearchLevel(ex)));
  return { level, height: levelSize(H, level), width: levelSize(W, level) };
}

/**
 * A frame's stroke guide (strokeGuide of the model's output, the rough frame and the passes) kept
 * from the level synthesize searches for these exemplars up, beside its full-size colour
 * (target-guide.ts): what shots' frames and stills hand to synthesize.
 */
export function searchedGuide(modelOut: E.Tensor, rough: E.Tensor, passes: GuidePasses, ex: Exemplars, options: Partial<SynthOptions> = {}): TargetGuide {
  const o = { ...DEFAULT_SYNTH, ...options };
  return strokeGuideAt(modelOut, rough, passes, o, searchSize(rough.size(2), rough.size(3), ex, o).level, o.levels ?? defaultLevels(ex), ex.ids);
}

export function defaultLevels(ex: Exemplars): number {
  let l = 1;
  const side = Math.min(...exemplarSize(ex));
  while (side >> l >= 32) l++;
  return l;
}

/**
 * guide: (1, Cg, H, W) target guide whose first three channels are the initial style estimate
 * (the look model's output), or the same kept at the searched level beside its full-size colour
 * (target-guide.ts). Returns the synthesized (1, 3, H, W) in [0, 1] and the field of the searched
 * level (searchSize: full size unless the frame is large). A hint is given at that level.
 */
export function synthesize(guide: TargetGuide, ex: Exemplars, options: Partial<SynthOptions> = {}, hint?: TemporalHint): SynthResult {
  const o = { ...DEFAULT_SYNTH, ...options };
  checkInputs(guide, ex);
  const levels = o.levels ?? defaultLevels(ex);
  const [, , H, W] = (isLevelGuide(guide) ? guide.colour : guide).shape as [number, number, number, number];
  const top = searchSize(H, W, ex, o);
  if (top.level < (ex.guideLevel ?? 0)) {
    throw new RangeError(`these exemplars keep their guides at level ${ex.guideLevel} only: search level ${top.level} cannot be searched`);
  }
  if (top.level < guideLevel(guide)) {
    throw new RangeError(`the target guide is kept at level ${guideLevel(guide)} only: search level ${top.level} cannot be searched`);
  }
  for (const [what, n] of hint ? [['', hint.nnf.length], ["'s warped trust", hint.warpedValid?.length ?? hint.nnf.length]] as const : []) {
    if (n !== top.width * top.height) throw new RangeError(`the temporal hint${what} must be at the searched level's size ${top.width}x${top.height}, got ${n} entries`);
  }
  const src = sourceLevels(ex, o, levels, hint ? hint.weight : 0, top.level);
  const idCodes = ex.idCodes ?? [];
  // Two whole patches of codes the typical distance apart (random directions: √2 × the length).
  const idPenalty = idCodes.length ? o.idPenalty * o.patch ** 2 * 2 * (idCodes[0]!.length * o.guideWeight) ** 2 : 0;
  const chosen = hint ? hint.exemplars : selectExemplars(guideForSelection(guide), ex, o.maxExemplars);
  let nnf: Nnf | null = null;
  let estimate: E.Tensor | null = null;
  try {
    for (let l = levels - 1; l >= top.level; l--) {
      const h = levelSize(H, l), w = levelSize(W, l);
      const sl = src[l]!;
      const grid: SourceGrid = { count: chosen.length, height: sl.height, width: sl.width };
      const finest = l === top.level;
      const temporal = finest && hint ? hint : null;
      const sourceFeatures = gather(sl.features!, chosen);
      const style = gather(sl.style, chosen, true);
      const g = E.tidy(() => guideAt(guide, l, h, w).mul(o.guideWeight));
      const labels = idCodes.length && o.idPenalty > 0 && sl.labels
        ? { target: idLabels(g, idCodes, o.guideWeight), source: gather(sl.labels, chosen), penalty: idPenalty }
        : undefined;
      const basis = { weight: E.tensor(sl.basis!, [sl.dims, sl.channels, o.patch, o.patch]), k: o.patch, dims: sl.dims, kept: 1 };
      const mask = temporal ? E.tensor(temporal.warpedValid ?? temporal.valid, [1, 1, h, w], { dtype: 'float32' }) : null;
      let features: FixedPartFeatures | null = null;
      try {
        // The guide's share of every feature computed once for the level's searches.
        const parts = (features = new FixedPartFeatures(g, basis));
        const toImage = (planar: Float32Array) => E.tensor(planar, [1, 3, h, w]);
        const targetFeatures = (est: E.Tensor) => E.tidy(() => {
          const rest = [est.mul(o.styleWeight)];
          if (temporal) rest.push(E.F.where(mask!.gt(0.5), temporal.warped, est).mul(o.styleWeight * temporal.weight));
          return parts.features(rest.length > 1 ? E.F.cat(rest, 1) : rest[0]!);
        });
        let est: E.Tensor;
        if (nnf === null) {
          est = E.tidy(() => g.slice(1, 0, 3).div(o.guideWeight).contiguous());
          nnf = { width: w, height: h, source: grid, index: exhaustiveSearch(targetFeatures(est), sourceFeatures, sl.dims, { labels }) };
        } else {
          nnf = upsampleNnf(nnf, w, h, grid);
          est = toImage(vote(nnf, style, 3, o.voteRadius, o.voteSigma));
        }
        if (temporal) {
          // Start from the carried field where the flow is trusted.
          const idx = Int32Array.from(nnf.index);
          for (let i = 0; i < idx.length; i++) if (temporal.valid[i]) idx[i] = temporal.nnf[i]!;
          nnf = { ...nnf, index: idx };
          est.dispose();
          est = toImage(vote(nnf, style, 3, o.voteRadius, o.voteSigma));
        }
        if (o.repair > 0 && l < levels - 1 && l > top.level) {
          const keep = hint ? carriedAtLevel(hint.valid, top, h, w) : undefined;
          const fixed = repairWorst(nnf, g, targetFeatures, { source: sourceFeatures, dims: sl.dims, labels, fraction: o.repair, factor: o.repairFactor, guideWeight: o.guideWeight, keep });
          if (fixed) {
            nnf = fixed;
            est.dispose();
            est = toImage(vote(nnf, style, 3, o.voteRadius, o.voteSigma));
          }
        }
        const iters = l === levels - 1 ? (hint && !temporal ? o.carriedCoarseIterations[0] : o.coarseIterations)
          : temporal ? o.carriedIterations : hint ? o.carriedCoarseIterations[1] : o.iterations;
        for (let it = 0; it < iters; it++) {
          const tf = targetFeatures(est);
          nnf = coherenceSearch({ target: tf, source: sourceFeatures, dims: sl.dims }, nnf, {
            radius: o.radius, uniformity: o.uniformity,
            extra: temporal ? [{ index: temporal.nnf, valid: temporal.valid, bonus: temporal.bonus }] : undefined, labels,
          }).nnf;
          const last = l === 0 && it === iters - 1;
          est.dispose();
          est = toImage(vote(nnf, style, 3, last ? o.fineVoteRadius : o.voteRadius, last ? o.fineVoteSigma : o.voteSigma));
        }
        estimate?.dispose();
        estimate = est;
      } finally {
        features?.dispose();
        E.disposeAll([g, basis.weight, mask]);
      }
    }
    if (top.level > 0) {
      // Full size: every pixel copies the full-size source pixels its searched patches point at
      // (the painting's finest marks, not an upscale), and the patches of neighbouring field
      // pixels overlap (σ half a field pixel), so seams between copied runs blend instead of
      // showing the field's blocks (1080p sample, σ 0.5 / 0.7 field px / the plain upsampled field:
      // hf ratio 0.87 / 0.80 / 1.07 with 4-px blocks along every silhouette).
      const sl = src[0]!;
      estimate!.dispose();
      estimate = E.tensor(voteUpsampled(nnf!, { count: chosen.length, height: sl.height, width: sl.width }, gather(sl.style, chosen, true), 3, W, H, 1, 0.5 * 2 ** top.level), [1, 3, H, W]);
    }
    const result = estimate!;
    estimate = null;
    const image = E.tidy(() => {
      if (!(o.colorLock > 0)) return lockToModel(result, guideColour(guide), o, top.level);
      const low = votedLowPass(nnf!, ex, chosen, o, top.level, H, W);
      const out = lockSeamless(result, low, guideColour(guide), o, top.level);
      low.dispose();
      return out;
    });
    result.dispose();
    return { image, nnf: nnf!, exemplars: chosen };
  } finally {
    (estimate as E.Tensor | null)?.dispose();
  }
}

/**
 * The synthesis of a frame that is exemplar k's own (a painted keyframe: its guide is the
 * exemplar's): the painting itself, and a field pointing every pixel at its own place in it among
 * the exemplars synthesize would choose (k with them), so the frames carried from it continue that
 * field. Searched, the painting lost to the style term wherever the look model's colour departs
 * from it (a keyframe painted after the model was trained). Null when the painting is not the
 * frame's size (exemplars are stacked at the first painting's size).
 */
export function copyExemplar(guide: TargetGuide, ex: Exemplars, k: number, options: Partial<SynthOptions> = {}): SynthResult | null {
  const o = { ...DEFAULT_SYNTH, ...options };
  checkInputs(guide, ex);
  const [, , H, W] = (isLevelGuide(guide) ? guide.colour : guide).shape as [number, number, number, number];
  if (!(Number.isInteger(k) && k >= 0 && k < ex.style.size(0))) throw new RangeError(`exemplar ${k} is not one of the ${ex.style.size(0)} exemplars`);
  if (ex.style.size(2) !== H || ex.style.size(3) !== W) return null;
  const top = searchSize(H, W, ex, o);
  let chosen = selectExemplars(guideForSelection(guide), ex, o.maxExemplars);
  if (!chosen.includes(k)) chosen = [...chosen.slice(0, -1), k].sort((a, b) => a - b);
  const h = levelSize(H, top.level), w = levelSize(W, top.level), at = chosen.indexOf(k) * h * w;
  const index = new Int32Array(h * w);
  for (let i = 0; i < index.length; i++) index[i] = at + i;
  return { image: E.tidy(() => ex.style.slice(0, k, k + 1).clone()), nnf: { width: w, height: h, source: { count: chosen.length, height: h, width: w }, index }, exemplars: chosen };
}

/**
 * The field with its worst-fitting pixels (patch distance above factor × the median, at most
 * `fraction` of them) matched again by exhaustive search, on features made with the look model's
 * colour as the style estimate (as at the coarsest level: the estimate there is the wrong strokes).
 * Null when none qualifies. Run below the searched level only, where no carried field is kept.
 * Pixels marked in `keep` are left as they are (they count toward the median and the fraction).
 */
export function repairWorst(nnf: Nnf, g: E.Tensor, features: (est: E.Tensor) => Float32Array, o: { source: Float32Array; dims: number; labels?: SearchLabels; fraction: number; factor: number; guideWeight: number; keep?: Uint8Array }): Nnf | null {
  const model = E.tidy(() => g.slice(1, 0, 3).div(o.guideWeight).contiguous());
  let fresh: Float32Array;
  try { fresh = features(model); } finally { model.dispose(); }
  const cost = patchCosts({ target: fresh, source: o.source, dims: o.dims }, nnf);
  const sorted = Float32Array.from(cost).sort();
  const limit = Math.max(o.factor * sorted[sorted.length >> 1]!, sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(sorted.length * (1 - o.fraction))))]!);
  const worst: number[] = [];
  for (let i = 0; i < cost.length; i++) if (cost[i]! > limit && !o.keep?.[i]) worst.push(i);
  if (!worst.length) return null;
  const d = o.dims;
  const index = Int32Array.from(nnf.index);
  // By label: a labelled pixel searches its own object's patches only (the plain search weighs the
  // ID penalty against the features on every source, ~10x the cost of the product itself).
  const groups = new Map<number, number[]>();
  for (const p of worst) {
    const l = o.labels ? o.labels.target[p]! : -1;
    const members = groups.get(l);
    if (members) members.push(p); else groups.set(l, [p]);
  }
  for (const [label, pixels] of groups) {
    const sources = label >= 0 ? sourcesLabelled(o.labels!.source, label) : null;
    if (sources && !sources.length) continue;
    const src = sources ? gatherRows(o.source, sources, d) : o.source;
    const found = exhaustiveSearch(gatherRows(fresh, pixels, d), src, d);
    pixels.forEach((p, j) => { index[p] = sources ? sources[found[j]!]! : found[j]!; });
  }
  // Neighbouring repaired pixels of one region mostly find the same best patch, which the vote then
  // lays down side by side (a row of one mark): each takes its left or upper repaired neighbour's
  // patch shifted along instead (a coherent copy of the source) while that fits within COHERENT_SLACK.
  const repaired = new Uint8Array(cost.length);
  for (const p of worst) repaired[p] = 1;
  const { width: w, source: sg } = nnf, plane = sg.width * sg.height;
  for (const p of worst) {
    const own = index[p]!;
    let best = own, bestCost = dist(fresh, p * d, o.source, own * d, d) * COHERENT_SLACK;
    for (const [q, dx, dy] of [[p - 1, 1, 0], [p - w, 0, 1]] as const) {
      if (q < 0 || !repaired[q] || (dx === 1 && p % w === 0)) continue;
      const s = index[q]!, e = Math.floor(s / plane), r = s - e * plane, sy = Math.floor(r / sg.width) + dy, sx = r % sg.width + dx;
      if (sy >= sg.height || sx >= sg.width) continue;
      const c = e * plane + sy * sg.width + sx;
      if (o.labels && o.labels.source[c] !== o.labels.source[own]) continue;
      // The very patch of the neighbour is never kept beside it: that is the repetition itself.
      const cc = dist(fresh, p * d, o.source, c * d, d);
      if (s === own || cc < bestCost) { best = c; bestCost = cc; }
    }
    index[p] = best;
  }
  return { ...nnf, index };
}

/**
 * Where a level coarser than the searched one (h×w) lies wholly under the carried field of a
 * temporal hint: the searched level takes the carried field there, so repairing those pixels would
 * be searched for nothing (the repairs cost ~9 % of a carried 1080p frame).
 */
function carriedAtLevel(valid: Uint8Array, top: { height: number; width: number }, h: number, w: number): Uint8Array {
  return E.tidy(() => {
    const v = E.tensor(valid, [1, 1, top.height, top.width], { dtype: 'float32' });
    return Uint8Array.from(E.F.interpolate(v, { size: [h, w], mode: 'area' }).ge(1 - 1e-6).float().contiguous().data() as Float32Array);
  });
}

/** How much worse than a pixel's own best patch a neighbour's shifted patch may fit and still be taken (repairWorst). */
const COHERENT_SLACK = 1.5;

/** Rows `which` of a pixel-major (rows × d) array, in that order. */
function gatherRows(a: Float32Array, which: ArrayLike<number>, d: number): Float32Array {
  const out = new Float32Array(which.length * d);
  for (let k = 0; k < which.length; k++) out.set(a.subarray(which[k]! * d, (which[k]! + 1) * d), k * d);
  return out;
}

/** The source rows labelled `label`. */
function sourcesLabelled(source: Int32Array, label: number): Int32Array {
  let n = 0;
  for (let i = 0; i < source.length; i++) if (source[i] === label) n++;
  const out = new Int32Array(n);
  for (let i = 0, k = 0; i < source.length; i++) if (source[i] === label) out[k++] = i;
  return out;
}

/**
 * What the copied strokes stand on: the field voted over the exemplars' own low-pass (sourceLowPass,
 * σ colorLock at the searched level), at the searched level, upsampled to H×W. Where two copied runs
 * meet, it steps as the strokes' colour does.
 */
function votedLowPass(nnf: Nnf, ex: Exemplars, chosen: number[], o: SynthOptions, level: number, H: number, W: number): E.Tensor {
  const low = gather(sourceLowPass(ex, level, o.colorLock), chosen, true);
  const voted = E.tensor(vote(nnf, low, 3, o.fineVoteRadius, o.fineVoteSigma), [1, 3, nnf.height, nnf.width]);
  if (nnf.height === H && nnf.width === W) return voted;
  const up = E.F.interpolate(voted, { size: [H, W], mode: 'bilinear' });
  voted.dispose();
  return up;
}

/**
 * lockToModel for a synthesis: the strokes' detail over what they stand on in their own paintings
 * (`low`, votedLowPass), on the look model's colour blurred at the lock's scale. lockToModel takes
 * the detail over the blurred strokes instead, and where two runs copied from paintings of other
 * colours meet (a dusk sky's salmon beside a day sky's blue) their step minus its blur is left as
 * a thin light-and-dark line along the seam; here the step is in `low` too and cancels.
 */
function lockSeamless(strokes: E.Tensor, low: E.Tensor, model: E.Tensor, o: Pick<SynthOptions, 'colorLock'>, level: number): E.Tensor {
  const out = strokes.sub(low);
  const base = wideGaussianBlur(model, o.colorLock * 2 ** level);
  out.add_(base);
  base.dispose();
  return clampFreeing(out);
}

/**
 * x clamped to [0, 1], x freed: full-size copies freed as soon as they are used, so that the next
 * one reuses their memory (a 4K frame's copy is 100 MB, and the final's peak memory is these).
 */
function clampFreeing(x: E.Tensor): E.Tensor {
  const out = x.clamp(0, 1);
  x.dispose();
  return out;
}

/**
 * The strokes held to the look model's output (a frame's synthesis, or a carried frame's mix of
 * anchors' strokes and synthesis): its colour above the colour lock's scale (colorLock · 2^level
 * px). Clamped to [0, 1].
 */
export function lockToModel(strokes: E.Tensor, model: E.Tensor, o: Pick<SynthOptions, 'colorLock'>, level: number): E.Tensor {
  const lock = o.colorLock * 2 ** level;
  if (!(lock > 0)) return strokes.clamp(0, 1);
  const d = model.sub(strokes);
  const out = wideGaussianBlur(d, lock);
  d.dispose();
  out.add_(strokes);
  return clampFreeing(out);
}
