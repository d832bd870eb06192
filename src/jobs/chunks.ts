// Splitting a shot's frame range into farm chunks. Every chunk renders on its own, with pre-roll
// frames before its first frame (computed for the temporal blend, not written; see coherence.ts)
// unless it starts at the shot's first frame. Chunks are sized for equal work counting that
// pre-roll: the first chunk of a shot gets the pre-roll's worth of extra frames, so n workers on n
// chunks finish together instead of waiting on the last ones. A pre-roll frame costs less than a
// written one (no PNG encode, atomic write, fsync or lineage record): `bench farm` measured 0.27 s
// against 0.45 s at 256², hence the default weight 0.6.

/** Cost of a pre-roll frame relative to a written frame (measured by `npm run bench -- farm`). */
export const PRE_ROLL_WEIGHT = 0.6;

export interface ChunkPlan { chunks: [number, number][]; preRoll: number; workFrames: number }

/**
 * range: inclusive frames to render; size: frames per chunk (the target; the count of chunks is
 * ceil(frames / size)); preRoll: extra frames a chunk not starting at shotStart pushes first;
 * preRollWeight: what one costs relative to a written frame. workFrames counts pre-roll frames whole.
 */
export function planChunks(range: [number, number], size: number, preRoll: number, shotStart: number, preRollWeight = PRE_ROLL_WEIGHT): ChunkPlan {
  const [a, b] = range;
  if (!Number.isInteger(size) || size < 1) throw new Error(`chunk size must be a whole number of frames ≥ 1, got ${size}`);
  if (!Number.isInteger(a) || !Number.isInteger(b) || a > b) throw new Error(`bad frame range ${a}-${b}`);
  const frames = b - a + 1;
  const n = Math.ceil(frames / size);
  // Work of chunk i = its frames + (pre-roll unless it starts at the shot's first frame); all equal.
  const rolls = Array.from({ length: n }, (_, i) => preRollWeight * (i === 0 ? Math.max(0, Math.min(preRoll, a - shotStart)) : preRoll));
  const total = frames + rolls.reduce((s, r) => s + r, 0);
  const chunks: [number, number][] = [];
  let start = a;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += total / n;
    const left = n - i - 1;
    // Frames of this chunk: its share of the work minus its pre-roll, at least 1, leaving ≥ 1 per later chunk.
    let end = i === n - 1 ? b : Math.round(a - 1 + acc - rolls.slice(0, i + 1).reduce((s, r) => s + r, 0));
    end = Math.max(start, Math.min(end, b - left));
    chunks.push([start, end]);
    start = end + 1;
  }
  const workFrames = chunks.reduce((s, [x, y]) => s + (y - x + 1) + (x <= shotStart ? 0 : Math.min(preRoll, x - shotStart)), 0);
  return { chunks, preRoll, workFrames };
}
