// The exemplar bank: the production's own painted frames (the paintover pairs of the look model's
// training dataset) as style, and the look model's output on each pair's rough frame as guide, so
// source and target guides come from the same model and have the same statistics. Reached from
// the model version alone (version → dataset snapshot → pairs), plus the painted keyframes of the
// shot being rendered when the dataset lacks them; cached per model file, dataset and keyframes.
import * as E from '../engine/index.js';
import type { Pair, Production } from '../store/index.js';
import { getModelVersion, codeVersion } from '../store/index.js';
import { ocioConfigFingerprint } from '../data/ocio-files.js';
import { loadImage } from '../data/image-io.js';
import type { ColourContext } from '../data/colour.js';
import { loadWorkingTensor } from '../data/working-space.js';
import { productionColour } from '../store/colour-settings.js';
import type { LookModel } from '../models/look/model-file.js';
import { stylizeTensor, modelPrecision } from '../models/look/stylize.js';
import { DEFAULT_SYNTH, searchLevelForSide, type Exemplars } from './synthesize.js';
import { levelSize } from './source-levels.js';
import { GUIDE_ENCODING, idGuideCodes, strokeGuide, type GuideWeights } from './stroke-guide.js';
import { bankCacheDir, bankCacheKey, readCachedGuide, writeCachedGuide, type CachedGuide } from './bank-cache.js';
import { idKeys, isIdPass, type IdKeys } from './id-pass.js';

/** Adds the IDs of a pair's ID passes to ids (pass name -> keys). */
function collectIds(ids: Map<string, Set<string>>, passes: ReadonlyMap<string, E.Tensor>): void {
  for (const [name, t] of passes) {
    if (!isIdPass(name)) continue;
    let s = ids.get(name);
    if (!s) ids.set(name, (s = new Set()));
    for (const k of idKeys(t)) s.add(k);
  }
}

export interface ExemplarBank extends Exemplars { dataset: string; pairIds: number[] }

/** An exemplar at the bank's size (the first painting's), area-scaled when it differs; a new tensor. */
const fit = (t: E.Tensor, th: number, tw: number) => t.size(2) === th && t.size(3) === tw ? t.clone() : E.F.interpolate(t, { size: [th, tw], mode: 'area' });

/**
 * Builds exemplars from painted/rough(/passes) files: guide = strokeGuide(the model on the rough frame, rough, passes), style = painted;
 * the guides at the level the synthesis searches by default (Exemplars.guideLevel).
 * With a colour context the painted and rough frames are read into its working space from their
 * recorded spaces (data/working-space.ts, as training and renders read them); passes are data.
 * known (the disk cache's guide and IDs): only the paintings are read, and the exemplars hold that tensor.
 */
export async function exemplarsFromFiles(model: LookModel, pairs: { painted: string; rough: string; passes: Record<string, string>; spaces?: { painted?: string | null; rough?: string | null } }[], weights: GuideWeights = DEFAULT_SYNTH, colour?: ColourContext, known?: CachedGuide): Promise<Exemplars> {
  if (pairs.length === 0) throw new Error('the stroke stage needs at least one painted exemplar (a paintover pair)');
  // Where the guides hold the ID passes' codes (the model's guides in order, as the passes are read).
  const withCodes = (ex: Exemplars): Exemplars => ({ ...ex, idCodes: idGuideCodes(model.config.guides.map((g) => [g.name, g.channels === 1 ? 1 : 3] as const), weights, ex.ids ?? new Map()) });
  if (known) return withCodes(await withKnownGuide(pairs, known, colour));
  const guides: E.Tensor[] = [], styles: E.Tensor[] = [];
  const ids = new Map<string, Set<string>>();
  let size: [number, number] | null = null;
  let guideLevel: number | null = null;
  for (const p of pairs) {
    const lacking = model.config.guides.find((g) => !p.passes[g.name]);
    if (lacking) throw new Error(`paintover pair ${p.painted} lacks the "${lacking.name}" pass the look model needs`);
  }
  // A pair's files are decoded side by side, and the next pair's while the model runs on this one
  // (sharp decodes off the main thread): at 1080p the 12 pairs' reads were ~2 s of a cold render.
  const read = (p: (typeof pairs)[number]) => E.settleAll([
    loadWorkingTensor(p.painted, colour, p.spaces?.painted),
    loadWorkingTensor(p.rough, colour, p.spaces?.rough),
    ...model.config.guides.map(async (g) => (await loadImage(p.passes[g.name]!, g.channels === 1 ? 1 : 3)).tensor),
  ]);
  let next: Promise<E.Tensor[]> | null = read(pairs[0]!);
  try {
    for (let i = 0; i < pairs.length; i++) {
      const [painted, rough, ...passTensors] = await next!;
      next = i + 1 < pairs.length ? read(pairs[i + 1]!) : null;
      try {
        const passes = new Map(model.config.guides.map((g, j) => [g.name, passTensors[j]!]));
        collectIds(ids, passes);
        size ??= [painted!.size(2), painted!.size(3)];
        // Exemplars are stacked, so they share one size: the first one's. Guides are kept at the
        // level the synthesis searches (finer levels only vote the style), straight away, so the
        // full-size guides of the whole bank never exist at once.
        const level = (guideLevel ??= searchLevelForSide(Math.min(...size)));
        const [h, w] = size;
        const made = E.tidy(() => {
          const out = stylizeTensor(model, rough!, model.config.guides.length ? passes : new Map());
          const guide = strokeGuide(out, rough!, passes, weights);
          return { guide: fit(guide, levelSize(h, level), levelSize(w, level)), style: fit(painted!, h, w) };
        });
        guides.push(made.guide);
        styles.push(made.style);
      } finally {
        E.disposeAll([painted, rough, passTensors]);
      }
    }
    return withCodes(E.tidy(() => ({ guide: E.F.cat(guides, 0), style: E.F.cat(styles, 0), guideLevel: guideLevel ?? 0, ids: ids as IdKeys })));
  } finally {
    E.disposeAll([guides, styles]);
    // A failure part-way leaves the next pair's read in flight: its tensors are freed when it lands.
    next?.then((ts) => E.disposeAll(ts), () => {});
  }
}

/**
 * The exemplars of pairs whose guides and IDs are known (the disk cache): only the paintings are
 * read, as exemplarsFromFiles reads them; the exemplars hold that guide itself (no 100 MB copy at
 * 1080p). Throws when the guide does not fit them (count, or the size of the searched level).
 */
async function withKnownGuide(pairs: { painted: string; spaces?: { painted?: string | null } }[], known: CachedGuide, colour?: ColourContext): Promise<Exemplars> {
  const { guide, ids } = known;
  const painted = await E.settleAll(pairs.map((p) => loadWorkingTensor(p.painted, colour, p.spaces?.painted)));
  try {
    const [h, w] = [painted[0]!.size(2), painted[0]!.size(3)];
    const level = searchLevelForSide(Math.min(h, w));
    if (guide.ndim !== 4 || guide.size(0) !== pairs.length || guide.size(2) !== levelSize(h, level) || guide.size(3) !== levelSize(w, level)) {
      throw new RangeError(`a known guide of [${guide.shape.join(', ')}] does not fit ${pairs.length} paintings of ${w}x${h} (level ${level})`);
    }
    const style = E.tidy(() => E.F.cat(painted.map((t) => fit(t, h, w)), 0));
    return { guide, style, guideLevel: level, ids };
  } finally {
    E.disposeAll(painted);
  }
}

interface Held { bank: ExemplarBank; holders: number }
const cache = new Map<string, Held>();

/**
 * Banks kept in memory besides those in use. A worker thread renders shot after shot, and a shot
 * with painted keyframes has a bank of its own (~300 MB at 1080p, 12 pairs): kept all, they grew
 * without bound; the newest few serve a shot's next chunks and the shots that share a bank.
 */
export const KEPT_IN_MEMORY = 2;

/** Frees the least recently used banks no render holds, down to KEPT_IN_MEMORY. */
function trim(): void {
  for (const [key, h] of cache) {
    if (cache.size <= KEPT_IN_MEMORY) return;
    if (h.holders > 0) continue;
    E.disposeAll([h.bank.guide, h.bank.style]);
    cache.delete(key);
  }
}

/**
 * What a bank's guides depend on besides the code (see bank-cache.ts), or null when that cannot be
 * known (an OCIO config file whose search paths cannot be resolved or walked: ocio-files.ts).
 */
function bankInputs(model: LookModel, files: { hash: string }[], manifestHash: string, weights: GuideWeights, colour: ColourContext): Record<string, unknown> | null {
  const cfg = colour.config.source;
  // A config file with the LUTs it reads (their sizes and times), not only its own bytes.
  const config = 'text' in cfg ? bankCacheKey({ text: cfg.text }) : ocioConfigFingerprint(cfg.path);
  if (config === null) return null;
  return {
    code: codeVersion(), guides: GUIDE_ENCODING, model: files.map((f) => f.hash), manifest: manifestHash,
    weights: [weights.roughWeight, weights.passWeight], precision: modelPrecision(model), device: String(model.generator.head.weight.device),
    colour: { working: colour.working, image: colour.image ?? null, exr: colour.exr ?? null, config },
  };
}

/** A painted pair as the bank reads it: files and their recorded colour spaces. */
const pairFiles = (p: Pair) => ({
  painted: p.painted.path, rough: p.rough.path, passes: Object.fromEntries(Object.entries(p.passes).map(([k, a]) => [k, a.path])),
  spaces: { painted: p.painted.colorSpace, rough: p.rough.colorSpace },
});

/** What a pair's exemplar depends on: its files' hashes. */
const pairHashes = (p: Pair) => [p.painted.hash, p.rough.hash, Object.entries(p.passes).map(([k, a]) => [k, a.hash])];

/**
 * The bank of a registered look model version, with `keyframes` (a shot's painted keyframe pairs,
 * painted after the model was trained) added after its dataset's pairs; pairs the dataset holds
 * already are not added twice. Held until `release` (a render holds it for as long as its strokes
 * may run: carry-over.ts); kept in memory after that among the newest KEPT_IN_MEMORY.
 */
export async function holdExemplarBank(prod: Production, modelVersion: number, model: LookModel, weights: GuideWeights = DEFAULT_SYNTH, keyframes: readonly Pair[] = []): Promise<{ bank: ExemplarBank; release: () => void }> {
  const v = await getModelVersion(prod, modelVersion);
  const snapshot = await prod.dataset(v.datasetId);
  const inDataset = new Set(snapshot.pairs.map((p) => p.id));
  const extra = keyframes.filter((p, i) => !inDataset.has(p.id) && keyframes.findIndex((q) => q.id === p.id) === i);
  const key = `${prod.dir}#${modelVersion}#${v.files.map((f) => f.hash).join(',')}#${weights.roughWeight},${weights.passWeight}#${JSON.stringify(extra.map(pairHashes))}`;
  let held = cache.get(key);
  if (held && held.bank.guide.isDisposed) { cache.delete(key); held = undefined; }
  if (!held) {
    if (snapshot.pairs.length === 0 && extra.length === 0) {
      throw new Error(`model version #${modelVersion} was trained on dataset ${snapshot.name}, which has no paintover pairs: final quality needs painted frames to take strokes from`);
    }
    const pairs = [...snapshot.pairs, ...extra];
    const colour = await productionColour(prod);
    // The guides from the disk cache when a bank of the same inputs was built before (bank-cache.ts).
    const inputs = bankInputs(model, v.files, snapshot.manifestHash, weights, colour);
    if (inputs && extra.length) inputs.keyframes = extra.map(pairHashes);
    const dir = bankCacheDir(prod.dir), diskKey = inputs && bankCacheKey(inputs);
    const known = diskKey ? readCachedGuide(dir, diskKey) : null;
    const files = pairs.map(pairFiles);
    // On success the bank holds the read guide itself; a guide that does not fit is dropped and rebuilt.
    let ex = known ? await exemplarsFromFiles(model, files, weights, colour, known).catch(() => null) : null;
    if (!ex) known?.guide.dispose();
    if (!ex) {
      ex = await exemplarsFromFiles(model, files, weights, colour);
      if (diskKey) writeCachedGuide(dir, diskKey, ex.guide, ex.ids);
    }
    held = { bank: { guide: E.keep(ex.guide), style: E.keep(ex.style), guideLevel: ex.guideLevel, ids: ex.ids, idCodes: ex.idCodes, dataset: snapshot.name, pairIds: pairs.map((p) => p.id) }, holders: 0 };
  }
  cache.delete(key);
  cache.set(key, held); // the newest last
  held.holders++;
  trim();
  let released = false;
  return {
    bank: held.bank,
    release: () => {
      if (released) return;
      released = true;
      held.holders--;
      trim();
    },
  };
}

/** The bank of a registered look model version, held for the life of the process (a one-off stylize). */
export async function exemplarBank(prod: Production, modelVersion: number, model: LookModel, weights: GuideWeights = DEFAULT_SYNTH): Promise<ExemplarBank> {
  return (await holdExemplarBank(prod, modelVersion, model, weights)).bank;
}

/** Frees cached banks (tests, long-running servers). */
export function clearExemplarBanks(): void {
  for (const h of cache.values()) E.disposeAll([h.bank.guide, h.bank.style]);
  cache.clear();
}
