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
  // Each patch's source decomposed once (exemplar base offset, row, column), and the window's
  // weights tabulated: the stroke stage's largest cost was this loop dividing per tap.
  const n = w * h;
  const base = new Int32Array(n), sy = new Int32Array(n), sx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = nnf.index[i]!;
    const e = Math.floor(s / plane), rem = s - e * plane;
    const y = Math.floor(rem / g.width);
    base[i] = e * channels * plane; sy[i] = y; sx[i] = rem - y * g.width;
  }
  const side = 2 * radius + 1;
  const weights = new Float64Array(side * side);
  for (let oy = -radius; oy <= radius; oy++) for (let ox = -radius; ox <= radius; ox++) {
    weights[(oy + radius) * side + ox + radius] = sigma > 0 ? Math.exp(-(ox * ox + oy * oy) / (2 * sigma * sigma)) : 1;
  }
  const out = new Float32Array(channels * n);
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
        // The patch centred at q = p - o copies source s(q); its pixel at offset o lands on p.
        const q = qy * w + qx;
        const py = sy[q]! + oy, px = sx[q]! + ox;
        if (py < 0 || px < 0 || py >= g.height || px >= g.width) continue;
        const wt = weights[(oy + radius) * side + ox + radius]!;
        const at = base[q]! + py * g.width + px;
        for (let c = 0; c < channels; c++) acc[c]! += wt * style[at + c * plane]!;
        wsum += wt;
      }
    }
    for (let c = 0; c < channels; c++) out[c * n + y * w + x] = wsum > 0 ? acc[c]! / wsum : 0;
  }
  return out;
}
