// A still at preview or final quality: the look model, then (final) the production's brush strokes
// re-assembled from its painted exemplars onto it (synthesize), guided as a shot's frames are.
import * as E from '../engine/index.js';
import type { ColourContext } from '../data/colour.js';
import type { LookModel } from '../models/look/model-file.js';
import { loadStillInputs, stylizeTensor, type TilingOptions } from '../models/look/stylize.js';
import { synthesize, searchedGuide, type Exemplars, type SynthOptions } from './synthesize.js';

/** preview: the look model alone; final: + the production's brush strokes from its painted exemplars.
 *  colour: the image is read into this context's working space (the model's), and so is the result. */
export interface StillQuality { quality: 'preview' | 'final'; exemplars?: Exemplars; strokes?: Partial<SynthOptions>; colour?: ColourContext }

/** rough: image file; passes: pass name -> file for the model's guides (null: none). Returns (1, 3, H, W) in [0, 1], in the working space. */
export async function stylizeStill(model: LookModel, rough: string, passes: Record<string, string> | null, tiling: TilingOptions = {}, q: StillQuality = { quality: 'preview' }): Promise<E.Tensor> {
  if (q.quality === 'final' && !q.exemplars) throw new Error('final quality needs the production\'s painted exemplars (see src/synth/exemplar-bank.ts)');
  const inputs = await loadStillInputs(model, rough, passes, q.colour);
  const loaded = [...(inputs.passes?.values() ?? [])];
  try {
    const out = stylizeTensor(model, inputs.rough, inputs.passes, tiling);
    if (q.quality !== 'final') return out;
    // The exemplars' guides hold every pass: a still without passes gives zeros, as the model's no-guides mode does.
    const [, , h, w] = inputs.rough.shape as [number, number, number, number];
    const guidePasses = inputs.passes ?? new Map(model.config.guides.map((g) => [g.name, E.zeros([1, g.channels, h, w])]));
    // Kept from the searched level up beside its full-size colour, as a shot's frames. Zeros in an ID
    // pass name no object (the sample's sky is ID 0): without passes every ID reads as unknown.
    const guide = searchedGuide(out, inputs.rough, guidePasses, inputs.passes ? q.exemplars! : { ...q.exemplars!, ids: new Map() }, q.strokes);
    try {
      return synthesize(guide, q.exemplars!, q.strokes).image;
    } finally {
      E.disposeAll([out, guide, inputs.passes ? [] : [...guidePasses.values()]]);
    }
  } finally {
    E.disposeAll([inputs.rough, loaded]);
  }
}
