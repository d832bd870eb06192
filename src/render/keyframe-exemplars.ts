// A shot's painted keyframes as exemplars of its final render. Keyframes are usually painted after
// the production's look model was trained, so its dataset lacks them; without them the stroke stage
// drew a keyframed shot from the dataset's paintings alone (the render bench production's five
// shots, frames between keyframes 0 and 23: 19.1 dB against their paintings; 27.0 with their
// keyframes among the exemplars, anchored, copied and mapped: docs/METHODS.md, Strokes). The same
// rights rule as a dataset's: a keyframe is used only when its painting, rough frame and passes are
// cleared for training.
import type { Pair, Production, Shot } from '../store/index.js';
import { getModelVersion, getPairs } from '../store/index.js';

export interface ShotKeyframePairs {
  /** The pairs of the shot's painted keyframes outside the model's dataset that may be used. */
  pairs: Pair[];
  /** Keyframes (frame numbers) left out because a file of theirs is not cleared for training. */
  uncleared: number[];
}

/** The shot's painted keyframes that join the bank of model version `modelVersion` (its dataset holds the others). */
export async function shotKeyframePairs(prod: Production, shot: Shot, modelVersion: number): Promise<ShotKeyframePairs> {
  const snapshot = await prod.dataset((await getModelVersion(prod, modelVersion)).datasetId);
  const inDataset = new Set(snapshot.pairs.map((p) => p.id));
  const keys = shot.frames.filter((f) => f.keyframe && f.pairId !== null && !inDataset.has(f.pairId));
  const pairs = await getPairs(prod, keys.map((f) => f.pairId!));
  const cleared = (p: Pair) => [p.painted, p.rough, ...Object.values(p.passes)].every((a) => a.rights.clearedForTraining);
  const frameOf = new Map(keys.map((f) => [f.pairId!, f.frame]));
  return {
    pairs: pairs.filter(cleared),
    uncleared: pairs.filter((p) => !cleared(p)).map((p) => frameOf.get(p.id)!).sort((a, b) => a - b),
  };
}

/** What a frame's lineage and a kept render state record of the keyframes among the exemplars: their paintings' hashes. */
export const keyframeHashes = (pairs: readonly Pair[]): string[] => pairs.map((p) => p.painted.hash);
