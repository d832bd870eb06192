// Voting: each output pixel averages what the overlapping patches of the field put there. Wide,
// flat voting averages several source strokes and blurs them; a small Gaussian-weighted window at
// the finest level keeps the strokes crisp while hiding seams between copied runs.
import type { Nnf } from './nnf.js';

/**
 * style: the source's style images, planar per exemplar ((count·channels·h·w), as (N, C, H, W)
 * tensor data). radius: half-width of the voting window; sigma: its Gaussian fall-off in pixels
 * (radius 0 copies the centre pixel). Returns (channels·H·W) planar.
 */
export function vote(nnf: Nnf, style: Float32Array, channels: number, radius: number, sigma: number): Float32Array {
  const { width: w, height: h, source: g } = nnf;
  const plane = g.width * g.height;
  if (style.length !== g.count * channels * plane) throw new RangeError(`style holds ${style.length} values, the source grid needs ${g.count * channels * plane}`);
  const out = new Float32Array(channels * w * h);
  const acc = new Float64Array(channels);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    acc.fill(0);
    let wsum = 0;
    for (let oy = -radius; oy <= radius; oy++) {
      const qy = y - oy;
      if (qy < 0 || qy >= h) continue;
      for (let ox = -radius; ox <= radius; ox++) {
        const qx = x - ox;
        if (qx < 0 || qx >= w) continue;
        // The patch centred at q copies source s; its pixel at offset o lands on p = q + o.
        const s = nnf.index[qy * w + qx]!;
        const e = Math.floor(s / plane), rem = s - e * plane;
        const sy = Math.floor(rem / g.width) + oy, sx = (rem % g.width) + ox;
        if (sy < 0 || sx < 0 || sy >= g.height || sx >= g.width) continue;
        const wt = sigma > 0 ? Math.exp(-(ox * ox + oy * oy) / (2 * sigma * sigma)) : 1;
        const base = e * channels * plane + sy * g.width + sx;
        for (let c = 0; c < channels; c++) acc[c]! += wt * style[base + c * plane]!;
        wsum += wt;
      }
    }
    for (let c = 0; c < channels; c++) out[c * w * h + y * w + x] = wsum > 0 ? acc[c]! / wsum : 0;
  }
  return out;
}
