// What the stroke stage matches patches on (StyLit, Fišer et al. 2016): the look model's output
// (the initial estimate, and the colour the result is locked to), the rough frame, and each render
// pass, each weighted. The model's output alone ties the strokes to what the model understood; the
// rough frame keeps them on the footage's own structure where the model is unsure (a model trained
// for minutes on one keyframe), and the passes tell regions apart where the rough frame is blank.
// Source (exemplar) and target guides are built by this one function, so they always agree. ID passes
// enter as codes of their colours, not as the colours (id-pass.ts).
import * as E from '../engine/index.js';
import { idCodeOfKey, idCodeParts, isIdPass, ID_CODE_CHANNELS, ID_CODE_LENGTH, type IdGuideCodes, type IdKeys } from './id-pass.js';

/**
 * How the guides are encoded, for caches of built guides (bank-cache.ts): 2 since ID passes enter as
 * codes. A change here that keeps the channel counts would otherwise read guides built the old way.
 */
export const GUIDE_ENCODING = 2;

/** The render passes a guide is built from, by name, in the look model's guide order. */
export type GuidePasses = ReadonlyMap<string, E.Tensor>;

export interface GuideWeights {
  /** Weight of the rough frame's RGB relative to the look model's output (0 = not a guide). */
  roughWeight: number;
  /** Weight of every render pass the look model takes (0 = not guides). */
  passWeight: number;
}

/**
 * The guide's parts in channel order, each made when called (weighted, passes resized to the frame
 * when their size differs; an ID pass coded first, at its own size, as one part per code channel):
 * strokeGuide concatenates them, target-guide.ts downscales them one by one. ids: the IDs the
 * exemplars hold, for a target's guide (others are coded 0; see idCodeParts); none for exemplars'.
 */
export function strokeGuideParts(modelOut: E.Tensor, rough: E.Tensor, passes: GuidePasses, w: GuideWeights, ids?: IdKeys): (() => E.Tensor)[] {
  const [, , h, wd] = modelOut.shape as [number, number, number, number];
  const fit = (t: E.Tensor) => t.size(2) === h && t.size(3) === wd ? t : E.F.interpolate(t, { size: [h, wd], mode: 'area' });
  const parts = [() => modelOut];
  if (w.roughWeight > 0) parts.push(() => fit(rough).mul(w.roughWeight));
  if (w.passWeight > 0) {
    for (const [name, p] of passes) {
      if (isIdPass(name)) for (const code of idCodeParts(p, ids ? ids.get(name) ?? new Set() : undefined)) parts.push(() => E.tidy(() => fit(code()).mul(w.passWeight)));
      else parts.push(() => fit(p).mul(w.passWeight));
    }
  }
  return parts;
}

/**
 * (1, 3 + 3·[roughWeight > 0] + Σ pass channels·[passWeight > 0], H, W), an ID pass counting
 * ID_CODE_CHANNELS: the model's output first (unweighted: synthesize() reads its first three channels
 * as the initial estimate), then the weighted rough frame and passes. Passes are resized to the frame
 * when their size differs.
 */
export function strokeGuide(modelOut: E.Tensor, rough: E.Tensor, passes: GuidePasses, w: GuideWeights, ids?: IdKeys): E.Tensor {
  return E.tidy(() => {
    const parts = strokeGuideParts(modelOut, rough, passes, w, ids).map((make) => make());
    return parts.length === 1 ? modelOut.clone() : E.F.cat(parts, 1);
  });
}

/**
 * Where the guides strokeGuide builds from passes of these names and channel counts (in order) hold
 * each ID pass's code, with the codes of the IDs `ids` holds as they stand there: what the synthesis
 * reads IDs back from (idLabels) to match them as categories. None when passes are not guides.
 */
export function idGuideCodes(passes: Iterable<readonly [string, number]>, w: GuideWeights, ids: IdKeys): IdGuideCodes[] {
  if (w.passWeight <= 0) return [];
  const out: IdGuideCodes[] = [];
  let channel = 3 + (w.roughWeight > 0 ? 3 : 0);
  for (const [name, channels] of passes) {
    if (!isIdPass(name)) { channel += channels; continue; }
    const keys = [...(ids.get(name) ?? [])].sort();
    const codes = new Float32Array(keys.length * ID_CODE_CHANNELS);
    keys.forEach((k, i) => codes.set(idCodeOfKey(k).map((v) => v * w.passWeight), i * ID_CODE_CHANNELS));
    out.push({ name, channel, count: keys.length, codes, length: ID_CODE_LENGTH * w.passWeight });
    channel += ID_CODE_CHANNELS;
  }
  return out;
}
