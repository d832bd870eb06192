// The target guide as the synthesis reads it. The searched level and every coarser one read the
// whole guide (the look model's output, the rough frame, the passes) area-downscaled, exemplar
// selection reads it at 8×8, and full size reads only its colour (the initial estimate, the colour
// lock). A large frame therefore keeps just those: at 4K with 1080p exemplars (searched at level 2)
// the full-size 17-channel guide was 564 MB of a final frame's peak; its colour is 100 MB and the
// levels from 2 up 47 MB. Each is made from the full-size parts one at a time (area averaging works
// per channel); the coarser levels and the thumbnail are downscaled from the searched level, as the
// exemplars' are (source-levels.ts, exemplar-bank.ts): the same numbers on both sides, and a 1080p
// frame's guide in 0.16 s instead of 0.21 (each part was read at full size once per level).
import * as E from '../engine/index.js';
import { strokeGuide, strokeGuideParts, type GuidePasses, type GuideWeights } from './stroke-guide.js';
import type { IdKeys } from './id-pass.js';
import { down, levelSize, SELECTION_SIZE as THUMB } from './source-levels.js';

/**
 * A guide kept from `level` up: levels[l] (1, C, levelSize(H, l), levelSize(W, l)) for l from
 * `level` to the coarsest, its THUMB×THUMB thumbnail, and its full-size colour (1, 3, H, W).
 */
export interface LevelGuide { colour: E.Tensor; levels: E.Tensor[]; thumb: E.Tensor; level: number }
/** A whole (1, C, H, W) guide whose first three channels are the colour, or one kept from a level up. */
export type TargetGuide = E.Tensor | LevelGuide;

export const isLevelGuide = (g: TargetGuide): g is LevelGuide => 'colour' in g;

/** The full-size (1, 3, H, W) colour estimate; a new tensor (a view of a whole guide). */
export function guideColour(g: TargetGuide): E.Tensor {
  return isLevelGuide(g) ? g.colour.clone() : g.slice(1, 0, 3);
}

/** The finest level the guide is kept at (0: whole). */
export const guideLevel = (g: TargetGuide): number => (isLevelGuide(g) ? g.level : 0);

/** The guide's channels. */
export const guideChannels = (g: TargetGuide): number => (isLevelGuide(g) ? g.levels[g.level]!.size(1) : g.size(1));

/** The guide at level l (h × w: levelSize of the full size), area-downscaled; a new tensor. */
export function guideAt(g: TargetGuide, l: number, h: number, w: number): E.Tensor {
  if (!isLevelGuide(g)) return down(g, h, w);
  const t = g.levels[l];
  if (!t) throw new RangeError(`the target guide keeps levels ${g.level} to ${g.levels.length - 1}, not level ${l}`);
  if (t.size(2) !== h || t.size(3) !== w) throw new RangeError(`the target guide's level ${l} is ${t.size(3)}x${t.size(2)}, not ${w}x${h}`);
  return t.clone();
}

/** What exemplar selection compares: the whole guide, or the kept thumbnail. */
export const guideForSelection = (g: TargetGuide): E.Tensor => (isLevelGuide(g) ? g.thumb : g);

/**
 * strokeGuide(modelOut, rough, passes) kept from `level` to level `levels - 1` (and its thumbnail,
 * and the full-size colour), made part by part without the full-size guide. Level 0: the whole guide.
 */
export function strokeGuideAt(modelOut: E.Tensor, rough: E.Tensor, passes: GuidePasses, w: GuideWeights, level: number, levels: number, ids?: IdKeys): TargetGuide {
  if (level <= 0) return strokeGuide(modelOut, rough, passes, w, ids);
  const [, , H, W] = modelOut.shape as [number, number, number, number];
  // Each part made at full size as strokeGuide makes it, downscaled to the searched level, and that to every coarser one.
  const parts = strokeGuideParts(modelOut, rough, passes, w, ids);
  const sizes = Array.from({ length: Math.max(level + 1, levels) }, (_, l) => [levelSize(H, l), levelSize(W, l)] as const);
  return E.tidy(() => {
    const perLevel: E.Tensor[][] = sizes.map(() => []);
    const thumbs: E.Tensor[] = [];
    for (const make of parts) {
      E.tidy(() => {
        const top = E.keep(down(make(), sizes[level]![0], sizes[level]![1]));
        perLevel[level]!.push(top);
        for (let l = level + 1; l < sizes.length; l++) perLevel[l]!.push(E.keep(down(top, sizes[l]![0], sizes[l]![1])));
        thumbs.push(E.keep(E.F.interpolate(top, { size: [THUMB, THUMB], mode: 'area' })));
      });
    }
    const kept: E.Tensor[] = [];
    for (let l = level; l < sizes.length; l++) kept[l] = E.F.cat(perLevel[l]!, 1);
    const thumb = E.F.cat(thumbs, 1);
    E.disposeAll([perLevel, thumbs]);
    return { colour: modelOut.clone(), levels: kept, thumb, level };
  });
}
