// Where carried strokes stop short of a gap. A synthesized (or painted) anchor's marks reach a
// patch or so across its silhouettes. Where a figure moves off and the background comes out from
// behind it, the background next to that gap is carried from right beside the figure's old outline,
// its spill included: thin dark cracks tracing where the figure was, floating over the sky or grass
// (seen at 1080p on the look-hd sample, sh010 frame 1). Those points are left to the synthesis.
import * as E from '../engine/index.js';
import { dilate, erode } from '../image/index.js';

/**
 * `trusted` (h×w, 1 where a chain carries the anchor's strokes) without the points within `radius`
 * of a gap: an unseen region (`seen` 0: out of frame, occluded, not visible in the motion pass) at
 * least 2·thin + 1 px wide. Narrower unseen lines (the misregistration of an outline) are opened
 * away first, so a slowly moving edge keeps its carried strokes. Returns a new array.
 */
export function clearOfGaps(trusted: Float32Array, seen: Float32Array, w: number, h: number, radius: number, thin = 1): Float32Array {
  if (trusted.length !== w * h || seen.length !== w * h) throw new RangeError(`clearOfGaps: masks of ${trusted.length} and ${seen.length} values for a ${w}x${h} grid`);
  if (!(Number.isInteger(radius) && radius >= 0) || !(Number.isInteger(thin) && thin >= 0)) throw new RangeError(`clearOfGaps: radius and thin must be whole numbers ≥ 0, got ${radius}, ${thin}`);
  if (radius === 0 || seen.every((v) => v > 0.5)) return Float32Array.from(trusted);
  return E.tidy(() => {
    const gap = E.tensor(seen, [1, 1, h, w]).le(0.5).float();
    // Opening: erode the gaps by `thin`, then grow what is left by thin + radius.
    const wide = thin > 0 ? erode(gap, thin) : gap;
    const near = dilate(wide, thin + radius);
    return E.tensor(trusted, [1, 1, h, w]).mul(near.rsub(1)).contiguous().data() as Float32Array;
  });
}

/**
 * The margin a frame's carried strokes keep from gaps, in flow-grid pixels: how far an anchor's
 * marks reach across an edge. The synthesis votes each pixel from the patches around it (half a
 * patch) over a field that, below the searched level, is upsampled with its neighbours (one more
 * field pixel), at 2^level full-size pixels a field pixel; the flow grid is flowWidth / width of that.
 */
export function gapMargin(patch: number, level: number, width: number, flowWidth: number): number {
  return Math.ceil(((patch >> 1) + 1) * 2 ** level * (flowWidth / width));
}
