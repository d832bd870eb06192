// Training data for the look model, held in memory as prepared (input, target) frames: paintover
// pairs with their passes, and concept art (roughened, no passes). Held-out pairs for early
// stopping are chosen deterministically. Patches are drawn with libtorch's seeded generator, so a
// checkpointed run resumes on exactly the same batches. Paintings, rough frames and concept art
// are read into the production's working space (data/working-space.ts, as renders read rough
// frames); passes are data, read as stored.
import * as E from '../../engine/index.js';
import { loadImage } from '../../data/image-io.js';
import type { ColourContext } from '../../data/colour.js';
import { loadWorkingImage } from '../../data/working-space.js';
import { type LookConfig, NON_GUIDE_PASSES } from './config.js';
import { buildInput } from './inputs.js';

/** spaces: the colour spaces recorded for the rough frame and the painting (null/absent: the file's own, else the production's default). */
export interface PairFiles { id: string; rough: string; painted: string; passes: Record<string, string>; spaces?: { rough?: string | null; painted?: string | null } }
export interface ConceptFile { id: string; path: string; space?: string | null }
/** colour: the production's colour context, whose working space the images are read into (absent:
 *  as loaded, the sRGB values models were trained on before working spaces were recorded). */
export interface TrainingFiles { pairs: PairFiles[]; concepts: ConceptFile[]; colour?: ColourContext }

export interface Example { id: string; input: E.Tensor; target: E.Tensor; rough: E.Tensor; kind: 'pair' | 'concept' }

export interface TrainingSet { train: Example[]; concepts: Example[]; heldOut: Example[] }

/** Guides = passes every pair has (minus motion), sorted, with channel counts read from the first pair. */
export async function detectGuides(pairs: PairFiles[]): Promise<{ name: string; channels: number }[]> {
  if (pairs.length === 0) return [];
  const common = Object.keys(pairs[0]!.passes).filter((n) => !NON_GUIDE_PASSES.has(n) && pairs.every((p) => p.passes[n] !== undefined)).sort();
  const out: { name: string; channels: number }[] = [];
  for (const name of common) {
    const img = await loadImage(pairs[0]!.passes[name]!, 'keep');
    // A grey pass saved as RGB (depth, diffuse) is one channel of information, not three.
    const grey = img.channels >= 3 && E.tidy(() => {
      const t = img.tensor;
      return t.slice(1, 0, 1).sub(t.slice(1, 1, 2)).abs().max().item() === 0 && t.slice(1, 0, 1).sub(t.slice(1, 2, 3)).abs().max().item() === 0;
    });
    out.push({ name, channels: grey || img.channels === 1 ? 1 : 3 });
    img.tensor.dispose();
  }
  return out;
}

/** Which pairs are held out: evenly spaced over the pairs sorted by id, none when fewer than 4. */
export function heldOutIds(pairs: PairFiles[], fraction: number): Set<string> {
  if (pairs.length < 4 || fraction <= 0) return new Set();
  const sorted = [...pairs].map((p) => p.id).sort();
  const n = Math.max(1, Math.round(sorted.length * fraction));
  const step = sorted.length / n;
  return new Set(Array.from({ length: n }, (_, i) => sorted[Math.floor(i * step + step / 2)]!));
}

async function loadPair(c: LookConfig, p: PairFiles, colour: ColourContext | undefined): Promise<Example> {
  const rough = await loadWorkingImage(p.rough, 3, colour, p.spaces?.rough);
  const painted = await loadWorkingImage(p.painted, 3, colour, p.spaces?.painted);
  if (rough.width !== painted.width || rough.height !== painted.height) {
    rough.tensor.dispose(); painted.tensor.dispose();
    throw new Error(`paintover ${p.painted} is ${painted.width}x${painted.height} but its rough frame ${p.rough} is ${rough.width}x${rough.height}`);
  }
  const passes = new Map<string, E.Tensor>();
  try {
    for (const g of c.guides) {
      const file = p.passes[g.name];
      if (!file) throw new Error(`pair ${p.id} has no "${g.name}" pass`);
      passes.set(g.name, (await loadImage(file, g.channels === 1 ? 1 : 3)).tensor);
    }
    const input = E.keep(buildInput(c, rough.tensor, c.guides.length ? passes : new Map()));
    return { id: p.id, input, target: E.keep(painted.tensor), rough: E.keep(rough.tensor), kind: 'pair' };
  } finally {
    for (const t of passes.values()) t.dispose();
  }
}

async function loadConcept(c: LookConfig, a: ConceptFile, colour: ColourContext | undefined): Promise<Example> {
  const img = await loadWorkingImage(a.path, 3, colour, a.space);
  // Concept art has no rough counterpart: the model sees it roughened and without guides.
  const input = E.keep(buildInput(c, img.tensor, null));
  return { id: a.id, input, target: E.keep(img.tensor), rough: E.keep(img.tensor.clone()), kind: 'concept' };
}

export async function loadTrainingSet(c: LookConfig, files: TrainingFiles): Promise<TrainingSet> {
  const held = heldOutIds(files.pairs, c.train.holdOut);
  const set: TrainingSet = { train: [], concepts: [], heldOut: [] };
  const P = c.train.patchSize;
  for (const p of files.pairs) {
    const ex = await loadPair(c, p, files.colour);
    if (held.has(p.id)) set.heldOut.push(ex);
    else if (ex.input.size(2) >= P && ex.input.size(3) >= P) set.train.push(ex);
    else disposeExample(ex);
  }
  for (const a of files.concepts) {
    const ex = await loadConcept(c, a, files.colour);
    if (ex.input.size(2) >= P && ex.input.size(3) >= P) set.concepts.push(ex);
    else disposeExample(ex);
  }
  if (set.train.length + set.concepts.length === 0) {
    throw new Error(`no training image is at least ${P}x${P} pixels (the patch size); add paintover pairs or concept art`);
  }
  return set;
}

export function disposeExample(e: Example): void {
  e.input.dispose();
  e.target.dispose();
  e.rough.dispose();
}

export function disposeTrainingSet(s: TrainingSet): void {
  for (const e of [...s.train, ...s.concepts, ...s.heldOut]) disposeExample(e);
}

/** A batch of random patches: inputs (B, Cin, P, P), targets (B, 3, P, P). */
export function sampleBatch(s: TrainingSet, batch: number, P: number, conceptProb: number): { input: E.Tensor; target: E.Tensor } {
  return E.tidy(() => {
    const r = E.rand([batch * 4], { dtype: 'float64' }).toArray();
    const ins: E.Tensor[] = [];
    const outs: E.Tensor[] = [];
    for (let b = 0; b < batch; b++) {
      const [u0, u1, u2, u3] = r.slice(b * 4, b * 4 + 4) as [number, number, number, number];
      const fromConcept = s.concepts.length > 0 && (s.train.length === 0 || u0 < conceptProb);
      const pool = fromConcept ? s.concepts : s.train;
      const ex = pool[Math.min(pool.length - 1, Math.floor(u1 * pool.length))]!;
      const h = ex.input.size(2);
      const w = ex.input.size(3);
      const y = Math.min(h - P, Math.floor(u2 * (h - P + 1)));
      const x = Math.min(w - P, Math.floor(u3 * (w - P + 1)));
      ins.push(ex.input.slice(2, y, y + P).slice(3, x, x + P));
      outs.push(ex.target.slice(2, y, y + P).slice(3, x, x + P));
    }
    return { input: E.F.cat(ins, 0), target: E.F.cat(outs, 0) };
  });
}
