// A nearest-neighbour field (NNF): for every target pixel, the flat index of the source pixel whose
// patch it copies, over a stack of exemplars: s = e·(h·w) + y·w + x. Int32 so 1080p fields stay small.

export interface SourceGrid { count: number; height: number; width: number }

export interface Nnf { width: number; height: number; source: SourceGrid; index: Int32Array }

export const sourcePixels = (g: SourceGrid): number => g.count * g.height * g.width;

/** Throws unless every index of the field points into its source grid. */
export function checkNnf(f: Nnf): void {
  const n = sourcePixels(f.source);
  if (f.index.length !== f.width * f.height) throw new RangeError(`an NNF of ${f.width}x${f.height} needs ${f.width * f.height} entries, got ${f.index.length}`);
  for (let i = 0; i < f.index.length; i++) {
    const s = f.index[i]!;
    if (!(s >= 0 && s < n)) throw new RangeError(`NNF entry ${i} is ${s}, outside the ${n} source pixels`);
  }
}

/**
 * The field one pyramid level finer: target pixel (x, y) takes its coarse parent's source pixel
 * scaled to the finer source grid plus its own offset inside the parent, clamped to the exemplar.
 */
export function upsampleNnf(coarse: Nnf, width: number, height: number, source: SourceGrid): Nnf {
  const cs = coarse.source;
  const sx = source.width / cs.width, sy = source.height / cs.height;
  const tx = coarse.width / width, ty = coarse.height / height;
  const out = new Int32Array(width * height);
  const cplane = cs.width * cs.height, plane = source.width * source.height;
  for (let y = 0; y < height; y++) {
    const cy = Math.min(coarse.height - 1, Math.floor(y * ty));
    for (let x = 0; x < width; x++) {
      const cx = Math.min(coarse.width - 1, Math.floor(x * tx));
      const s = coarse.index[cy * coarse.width + cx]!;
      const e = Math.floor(s / cplane), r = s - e * cplane;
      const py = Math.floor(r / cs.width), px = r - py * cs.width;
      const ny = Math.min(source.height - 1, Math.max(0, Math.round(py * sy + (y - cy / ty))));
      const nx = Math.min(source.width - 1, Math.max(0, Math.round(px * sx + (x - cx / tx))));
      out[y * width + x] = e * plane + ny * source.width + nx;
    }
  }
  return { width, height, source, index: out };
}

/**
 * Carries a field along optical flow: target pixel p of the new frame was at p + flow(p) in the
 * frame the field belongs to, so it copies the source patch used there. flow: interleaved (dx, dy)
 * per pixel of the new frame (E.disFlow(new, old)); valid (0/1 per pixel) says where the flow is
 * trusted. Returns the carried field and the validity (0 where the flow left the frame or was untrusted).
 */
export function advectNnf(f: Nnf, flow: Float32Array, valid: Float32Array | null): { nnf: Nnf; valid: Uint8Array } {
  const { width: w, height: h } = f;
  if (flow.length !== w * h * 2) throw new RangeError(`a ${w}x${h} flow holds ${w * h * 2} values, got ${flow.length}`);
  const out = new Int32Array(w * h), ok = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    const qx = Math.round(x + flow[2 * i]!), qy = Math.round(y + flow[2 * i + 1]!);
    const inside = qx >= 0 && qy >= 0 && qx < w && qy < h;
    out[i] = f.index[inside ? qy * w + qx : i]!;
    ok[i] = inside && (valid === null || valid[i]! > 0.5) ? 1 : 0;
  }
  return { nnf: { width: w, height: h, source: f.source, index: out }, valid: ok };
}
