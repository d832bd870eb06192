// Voting: each output pixel averages what the overlapping patches of the field put there. Wide,
// flat voting averages several source strokes and blurs them; a small Gaussian-weighted window at
// the finest level keeps the strokes crisp while hiding seams between copied runs.
// The kernels themselves are in vote-rows.ts, split by rows over threads (row-threads.ts) where the
// style is in shared memory (source-levels.ts gathers it there).
import type { Nnf } from './nnf.js';
import { runRows, sharedOutput } from './row-threads.js';

/**
 * style: the source's style images, planar per exemplar ((count·channels·h·w), as (N, C, H, W)
 * tensor data). radius: half-width of the voting window; sigma: its Gaussian fall-off in pixels
 * (radius 0 copies the centre pixel). Returns (channels·H·W) planar.
 */
export function vote(nnf: Nnf, style: Float32Array, channels: number, radius: number, sigma: number): Float32Array {
  const g = nnf.source, plane = g.width * g.height;
  if (style.length !== g.count * channels * plane) throw new RangeError(`style holds ${style.length} values, the source grid needs ${g.count * channels * plane}`);
  const length = channels * nnf.width * nnf.height;
  const out = style.buffer instanceof SharedArrayBuffer ? sharedOutput(length, nnf.height) : new Float32Array(length);
  runRows('vote', { nnf, style, channels, radius, sigma }, nnf.height, out);
  return out;
}

/**
 * Voting at full size from a coarser field (scale = full size ÷ field size, e.g. 4): each full-size
 * pixel takes what the field's patches within `radius` field pixels put there — the patch of field
 * pixel c copies the full-size source around its source pixel, scaled, so pixel p reads source
 * src(c)·scale + (p − c·scale) — weighted by a Gaussian (sigma, full-size px) of p's distance to
 * c's block centre. Where neighbouring patches agree the marks come through sharp; at seams between
 * copied runs they blend over a few pixels instead of meeting as the field's blocks.
 * style: full-size source (count·channels·Hs·Ws planar); returns (channels·height·width) planar.
 */
export function voteUpsampled(coarse: Nnf, source: { count: number; height: number; width: number }, style: Float32Array, channels: number, width: number, height: number, radius: number, sigma: number): Float32Array {
  const plane = source.width * source.height;
  if (style.length !== source.count * channels * plane) throw new RangeError(`style holds ${style.length} values, the source grid needs ${source.count * channels * plane}`);
  const length = channels * width * height;
  const out = style.buffer instanceof SharedArrayBuffer ? sharedOutput(length, height) : new Float32Array(length);
  runRows('voteUpsampled', { coarse, source, style, channels, width, height, radius, sigma }, height, out);
  return out;
}
