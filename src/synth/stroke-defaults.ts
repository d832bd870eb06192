// Which stroke settings fit the exemplars a render takes its strokes from. A production model's
// exemplars are paintovers of other scenes: their strokes fit, their colours do not, so the result
// is colour-locked to the look model, which learned the production's light (measured on the
// sample: docs/METHODS.md, "Strokes"). A shot's own painted keyframes (a keyframe model's
// exemplars, EbSynth's case) already hold this shot's colours, and a keyframe model trained for
// minutes is a weaker colour reference than they are: measured on lynx (keyframe 0 -> frame 10,
// bench/RESULTS.md), the lock to a 31-step keyframe model gave PSNR 14.5 where no lock and the
// rough frame weighted 3x gave 25.0. So for its own keyframes the synthesis keeps the paintings'
// colours and follows the footage more than the model.
import type { Production } from '../store/index.js';
import { getModelVersion, modelShot } from '../store/index.js';
import type { SynthOptions } from './synthesize.js';
import type { StrokeOptions } from './stroke-sequence.js';

/** Synthesis settings when the exemplars are the rendered shot's own painted keyframes. */
export const OWN_KEYFRAMES_SYNTH: Partial<SynthOptions> = { colorLock: 0, roughWeight: 3 };

/** The shot whose keyframes a model version's exemplars are (a keyframe model), else null. */
export async function exemplarShot(prod: Production, modelVersion: number): Promise<string | null> {
  const v = await getModelVersion(prod, modelVersion);
  return v.kind === 'look-keyframes' ? modelShot(v) : null;
}

/** The stroke options of a render of `shot` with a model version: the defaults that fit its exemplars, under the caller's own. */
export async function strokeOptionsFor(prod: Production, modelVersion: number, shot: string, own: Partial<StrokeOptions> = {}): Promise<Partial<StrokeOptions>> {
  if ((await exemplarShot(prod, modelVersion)) !== shot) return own;
  return { ...own, synth: { ...OWN_KEYFRAMES_SYNTH, ...own.synth } };
}
