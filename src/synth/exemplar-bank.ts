// The exemplar bank: the production's own painted frames (the paintover pairs of the look model's
// training dataset) as style, and the look model's output on each pair's rough frame as guide, so
// source and target guides come from the same model and have the same statistics. Reached from
// the model version alone (version → dataset snapshot → pairs); cached per model file and dataset.
import * as E from '../engine/index.js';
import type { Production } from '../store/index.js';
import { getModelVersion } from '../store/index.js';
import { loadImage } from '../data/image-io.js';
import type { ColourContext } from '../data/colour.js';
import { loadWorkingTensor } from '../data/working-space.js';
import { productionColour } from '../store/colour-settings.js';
import type { LookModel } from '../models/look/model-file.js';
import { stylizeTensor } from '../models/look/stylize.js';
import { DEFAULT_SYNTH, searchLevelForSide, type Exemplars } from './synthesize.js';
import { levelSize } from './source-levels.js';
import { strokeGuide, type GuideWeights } from './stroke-guide.js';

export interface ExemplarBank extends Exemplars { dataset: string; pairIds: number[] }

/**
 * Builds exemplars from painted/rough(/passes) files: guide = strokeGuide(the model on the rough frame, rough, passes), style = painted;
 * the guides at the level the synthesis searches by default (Exemplars.guideLevel).
 * With a colour context the painted and rough frames are read into its working space from their
 * recorded spaces (data/working-space.ts, as training and renders read them); passes are data.
 */
export async function exemplarsFromFiles(model: LookModel, pairs: { painted: string; rough: string; passes: Record<string, string>; spaces?: { painted?: string | null; rough?: string | null } }[], weights: GuideWeights = DEFAULT_SYNTH, colour?: ColourContext): Promise<Exemplars> {
  if (pairs.length === 0) throw new Error('the stroke stage needs at least one painted exemplar (a paintover pair)');
  const guides: E.Tensor[] = [], styles: E.Tensor[] = [];
  let size: [number, number] | null = null;
  let guideLevel: number | null = null;
  try {
    for (const p of pairs) {
      const painted = await loadWorkingTensor(p.painted, colour, p.spaces?.painted);
      const rough = await loadWorkingTensor(p.rough, colour, p.spaces?.rough);
      const passes = new Map<string, E.Tensor>();
      for (const g of model.config.guides) {
        const f = p.passes[g.name];
        if (!f) throw new Error(`paintover pair ${p.painted} lacks the "${g.name}" pass the look model needs`);
        passes.set(g.name, (await loadImage(f, g.channels === 1 ? 1 : 3)).tensor);
      }
      const out = stylizeTensor(model, rough, model.config.guides.length ? passes : new Map());
      const guide = strokeGuide(out, rough, [...passes.values()], weights);
      size ??= [painted.size(2), painted.size(3)];
      // Exemplars are stacked, so they share one size: the first one's. Guides are kept at the
      // level the synthesis searches (finer levels only vote the style), straight away, so the
      // full-size guides of the whole bank never exist at once.
      guideLevel ??= searchLevelForSide(Math.min(...size));
      const fit = (t: E.Tensor, h: number, w: number) => E.tidy(() => t.size(2) === h && t.size(3) === w ? t.clone() : E.F.interpolate(t, { size: [h, w], mode: 'area' }));
      guides.push(fit(guide, levelSize(size[0], guideLevel), levelSize(size[1], guideLevel)));
      styles.push(fit(painted, size[0], size[1]));
      E.disposeAll([painted, rough, out, guide, [...passes.values()]]);
    }
    const ex = E.tidy(() => ({ guide: E.F.cat(guides, 0), style: E.F.cat(styles, 0), guideLevel: guideLevel ?? 0 }));
    return ex;
  } finally {
    E.disposeAll([guides, styles]);
  }
}

const cache = new Map<string, ExemplarBank>();

/** The bank of a registered look model version (cached in memory for the process: renders call it per shot). */
export async function exemplarBank(prod: Production, modelVersion: number, model: LookModel, weights: GuideWeights = DEFAULT_SYNTH): Promise<ExemplarBank> {
  const v = await getModelVersion(prod, modelVersion);
  const key = `${prod.dir}#${modelVersion}#${v.files.map((f) => f.hash).join(',')}#${weights.roughWeight},${weights.passWeight}`;
  const hit = cache.get(key);
  if (hit && !hit.guide.isDisposed) return hit;
  const snapshot = await prod.dataset(v.datasetId);
  if (snapshot.pairs.length === 0) {
    throw new Error(`model version #${modelVersion} was trained on dataset ${snapshot.name}, which has no paintover pairs: final quality needs painted frames to take strokes from`);
  }
  const ex = await exemplarsFromFiles(model, snapshot.pairs.map((p) => ({
    painted: p.painted.path, rough: p.rough.path, passes: Object.fromEntries(Object.entries(p.passes).map(([k, a]) => [k, a.path])),
    spaces: { painted: p.painted.colorSpace, rough: p.rough.colorSpace },
  })), weights, await productionColour(prod));
  const bank: ExemplarBank = { guide: E.keep(ex.guide), style: E.keep(ex.style), guideLevel: ex.guideLevel, dataset: snapshot.name, pairIds: snapshot.pairs.map((p) => p.id) };
  cache.set(key, bank);
  return bank;
}

/** Frees cached banks (tests, long-running servers). */
export function clearExemplarBanks(): void {
  for (const b of cache.values()) E.disposeAll([b.guide, b.style]);
  cache.clear();
}
