// The voting kernels row by row (vote.ts validates and splits them over threads, row-threads.ts):
// pure JS, so the helper threads load them without libtorch. See vote.ts for what they compute.
import type { Nnf } from './nnf.js';

export interface VoteArgs { nnf: Nnf; style: Float32Array; channels: number; radius: number; sigma: number }
export interface VoteUpsampledArgs { coarse: Nnf; source: { count: number; height: number; width: number }; style: Float32Array; channels: number; width: number; height: number; radius: number; sigma: number }

/** vote() into out (channels·H·W planar), made ready once per thread: then any rows [y0, y1). */
export function voteRows(a: VoteArgs, out: Float32Array): (y0: number, y1: number) => void {
  const t = voteTables(a, out);
  return (y0, y1) => voteTableRows(t, y0, y1);
}

type VoteTables = ReturnType<typeof voteTables>;

function voteTables(a: VoteArgs, out: Float32Array) {
  const { nnf, style, channels, radius, sigma } = a;
  const { width: w, height: h, source: g } = nnf;
  const plane = g.width * g.height;
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
  return { w, h, g, plane, n, base, sy, sx, side, weights, style, channels, radius, out };
}

// The rows' loop in a function of its own, its tables in locals: run as a closure over them, it ran
// 1.3-1.5x slower (V8 reads a closure's variables from its context on every tap).
function voteTableRows(t: VoteTables, y0: number, y1: number): void {
  const { w, h, g, plane, n, base, sy, sx, side, weights, style, channels, radius, out } = t;
  const acc = new Float64Array(channels);
  const rgb = channels === 3; // the stroke stage's case, with scalar accumulators
  for (let y = y0; y < y1; y++) for (let x = 0; x < w; x++) {
    if (!rgb) acc.fill(0);
    let wsum = 0, a0 = 0, a1 = 0, a2 = 0;
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
        if (rgb) {
          a0 += wt * style[at]!; a1 += wt * style[at + plane]!; a2 += wt * style[at + 2 * plane]!;
        } else for (let c = 0; c < channels; c++) acc[c]! += wt * style[at + c * plane]!;
        wsum += wt;
      }
    }
    if (rgb) {
      const i = y * w + x;
      out[i] = wsum > 0 ? a0 / wsum : 0; out[n + i] = wsum > 0 ? a1 / wsum : 0; out[2 * n + i] = wsum > 0 ? a2 / wsum : 0;
    } else for (let c = 0; c < channels; c++) out[c * n + y * w + x] = wsum > 0 ? acc[c]! / wsum : 0;
  }
}

/** voteUpsampled() into out (channels·height·width planar), made ready once per thread: then any rows [y0, y1). */
export function voteUpsampledRows(a: VoteUpsampledArgs, out: Float32Array): (y0: number, y1: number) => void {
  const t = voteUpsampledTables(a, out);
  return (y0, y1) => voteUpsampledTableRows(t, y0, y1);
}

type VoteUpsampledTables = ReturnType<typeof voteUpsampledTables>;

function voteUpsampledTables(a: VoteUpsampledArgs, out: Float32Array) {
  const { coarse, source, style, channels, width, height, radius, sigma } = a;
  const cg = coarse.source, cw = coarse.width, ch = coarse.height;
  const plane = source.width * source.height, cplane = cg.width * cg.height;
  // Scales of the target and of the source (they may differ by rounding of the level sizes).
  const tx = width / cw, ty = height / ch, ssx = source.width / cg.width, ssy = source.height / cg.height;
  const n = cw * ch;
  const base = new Int32Array(n), sy = new Float64Array(n), sx = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = coarse.index[i]!;
    const e = Math.floor(s / cplane), rem = s - e * cplane;
    const y = Math.floor(rem / cg.width);
    base[i] = e * channels * plane; sy[i] = y * ssy; sx[i] = (rem - y * cg.width) * ssx;
  }
  // The Gaussian is separable: per column and per row, each candidate's field index, offset and
  // weight are tabulated once (exp and the block arithmetic left the inner loop: 1080p 0.67 -> 0.2 s).
  const side = 2 * radius + 1, inv2s2 = 1 / (2 * sigma * sigma);
  const axis = (size: number, cells: number, scale: number) => {
    const cell = new Int32Array(size * side).fill(-1), offset = new Float64Array(size * side), weight = new Float64Array(size * side);
    for (let p = 0; p < size; p++) {
      const c0 = Math.min(cells - 1, Math.floor(p / scale));
      for (let o = -radius; o <= radius; o++) {
        const c = c0 + o, t = p * side + o + radius;
        if (c < 0 || c >= cells) continue;
        const d = p - c * scale, m = d - (scale - 1) / 2;
        cell[t] = c; offset[t] = d; weight[t] = Math.exp(-m * m * inv2s2);
      }
    }
    return { cell, offset, weight };
  };
  const X = axis(width, cw, tx), Y = axis(height, ch, ty);
  return { cw, ch, tx, ty, plane, base, sy, sx, side, X, Y, style, channels, width, opl: width * height, sw: source.width, sh: source.height, out };
}

function voteUpsampledTableRows(t: VoteUpsampledTables, y0: number, y1: number): void {
  const { cw, ch, tx, ty, plane, base, sy, sx, side, X, Y, style, channels, width, opl, sw, sh, out } = t;
  const acc = new Float64Array(channels);
  const rgb = channels === 3; // the stroke stage's case, with scalar accumulators
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < width; x++) {
      if (!rgb) acc.fill(0);
      let wsum = 0, a0 = 0, a1 = 0, a2 = 0;
      for (let oy = 0; oy < side; oy++) {
        const cy = Y.cell[y * side + oy]!;
        if (cy < 0) continue;
        const dy = Y.offset[y * side + oy]!, wy = Y.weight[y * side + oy]!;
        for (let ox = 0; ox < side; ox++) {
          const cx = X.cell[x * side + ox]!;
          if (cx < 0) continue;
          const c = cy * cw + cx;
          const py = Math.round(sy[c]! + dy), px = Math.round(sx[c]! + X.offset[x * side + ox]!);
          if (py < 0 || px < 0 || py >= sh || px >= sw) continue;
          const wt = wy * X.weight[x * side + ox]!;
          const at = base[c]! + py * sw + px;
          if (rgb) {
            a0 += wt * style[at]!; a1 += wt * style[at + plane]!; a2 += wt * style[at + 2 * plane]!;
          } else for (let k = 0; k < channels; k++) acc[k]! += wt * style[at + k * plane]!;
          wsum += wt;
        }
      }
      const i = y * width + x;
      if (wsum > 0 && rgb) {
        out[i] = a0 / wsum; out[opl + i] = a1 / wsum; out[2 * opl + i] = a2 / wsum;
      } else if (wsum > 0) for (let k = 0; k < channels; k++) out[k * opl + i] = acc[k]! / wsum;
      else {
        // Every candidate fell outside the source (a patch at its border): the own block's pixel, clamped.
        const cy0 = Math.min(ch - 1, Math.floor(y / ty)), cx0 = Math.min(cw - 1, Math.floor(x / tx));
        const c = cy0 * cw + cx0;
        const py = Math.min(sh - 1, Math.max(0, Math.round(sy[c]! + y - cy0 * ty)));
        const px = Math.min(sw - 1, Math.max(0, Math.round(sx[c]! + x - cx0 * tx)));
        for (let k = 0; k < channels; k++) out[k * opl + i] = style[base[c]! + py * sw + px + k * plane]!;
      }
    }
  }
}
