// A painted keyframe's colour as a function of the look model's colour, learned from the keyframe
// itself: how far the painter's colour departs from the model's output, per model colour (a coarse
// RGB lattice, filled by normalized blurs). Carried along the flow, a keyframe's departure reaches
// only what its frame saw; a frame ten frames on shows ground, faces and sky the keyframe did not
// have at that place, and those kept the model's colour (the bench's sh030: olive grass where both
// keyframes paint it green). Mapped by colour, they take the painter's colour for the model's
// colour wherever the keyframe holds that colour; colours it never had keep the model's. With ID
// passes, each object has a map of its own over the whole one: a model that paints the girl's hair
// the olive of the grass behind her (look-hd's sh030) has one colour for two departures, brown
// and green, and the whole map's average left the hair olive.

/** Lattice points per RGB axis (0..1). */
export const MAP_BINS = 17;
/** Blur widths in lattice steps, fine to coarse: a colour takes the finest estimate that reaches it. */
const MAP_SCALES = [0.5, 1, 2];
/**
 * Share of the keyframe's pixels within a scale's blur from which that scale's estimate is taken;
 * below it at the coarsest, the departure fades out (colours the keyframe hardly has, or not near
 * any it has, keep the model's colour).
 */
const MAP_REACH = 0.002;

/**
 * Departure (painted − model) per lattice point, planar: 3 × MAP_BINS³; byLabel: the same per ID
 * label (id-pass.ts idLabels) where the keyframe shows that object, the whole map's departure at
 * colours the object does not have.
 */
export interface ColourMap { offset: Float32Array; byLabel?: Map<number, Float32Array> }

const B = MAP_BINS, B3 = B * B * B;

/** The 8 lattice points around colour (r, g, b) in [0, 1] and their trilinear weights. */
function corners(r: number, g: number, b: number, idx: Int32Array, wt: Float32Array): void {
  const p = [r, g, b].map((v) => Math.min(B - 1, Math.max(0, (Number.isFinite(v) ? v : 0) * (B - 1))));
  const i0 = p.map((v) => Math.min(B - 2, Math.floor(v)));
  const f = p.map((v, k) => v - i0[k]!);
  for (let c = 0; c < 8; c++) {
    const dx = c & 1, dy = (c >> 1) & 1, dz = (c >> 2) & 1;
    idx[c] = ((i0[0]! + dx) * B + (i0[1]! + dy)) * B + (i0[2]! + dz);
    wt[c] = (dx ? f[0]! : 1 - f[0]!) * (dy ? f[1]! : 1 - f[1]!) * (dz ? f[2]! : 1 - f[2]!);
  }
}

/** Separable Gaussian blur of `channels` planar B³ grids, σ in lattice steps (clamped at the lattice's faces). */
function blur3(v: Float32Array, channels: number, sigma: number): Float32Array {
  const r = Math.ceil(3 * sigma);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  let cur = v;
  for (const stride of [B * B, B, 1]) {
    const out = new Float32Array(cur.length);
    for (let ch = 0; ch < channels; ch++) {
      const base = ch * B3;
      for (let i = 0; i < B3; i++) {
        const at = Math.floor(i / stride) % B;
        let s = 0;
        for (let j = -r; j <= r; j++) {
          const q = at + j;
          if (q < 0 || q >= B) continue;
          s += k[j + r]! * cur[base + i + j * stride]!;
        }
        out[base + i] = s;
      }
    }
    cur = out;
  }
  return cur;
}

/** Departure sums and weights on the lattice: planar 3 × B³ and B³. */
interface Sums { sum: Float32Array; count: Float32Array }

/**
 * Coarse to fine over MAP_SCALES, each scale's estimate where its blur holds `reach` pixels' weight,
 * the coarser one's (or `under`'s) elsewhere; at the coarsest without `under`, fading to 0.
 */
function fill({ sum, count }: Sums, reach: number, under: Float32Array | null): Float32Array {
  let offset: Float32Array | null = under;
  for (let s = MAP_SCALES.length - 1; s >= 0; s--) {
    const num = blur3(sum, 3, MAP_SCALES[s]!), den = blur3(count, 1, MAP_SCALES[s]!);
    const next = new Float32Array(3 * B3);
    for (let i = 0; i < B3; i++) {
      const here = offset ? Math.min(1, den[i]! / reach) : 1;
      for (let ch = 0; ch < 3; ch++) {
        const est = offset ? num[ch * B3 + i]! / Math.max(den[i]!, 1e-9) : num[ch * B3 + i]! / Math.max(den[i]!, reach);
        next[ch * B3 + i] = offset ? est * here + offset[ch * B3 + i]! * (1 - here) : est;
      }
    }
    offset = next;
  }
  return offset!;
}

/**
 * The map from model colour to the painter's departure from it: look and painted are planar RGB
 * (3 × n) in [0, 1], the model's output and the painting at the same pixels; labels (n, optional):
 * each pixel's ID label, -1 for none (those count in the whole map only).
 */
export function fitColourMap(look: Float32Array, painted: Float32Array, n: number, labels?: Int32Array): ColourMap {
  if (look.length !== 3 * n || painted.length !== 3 * n) throw new RangeError(`a colour map is fitted on two planar RGB images of ${n} pixels`);
  if (labels && labels.length !== n) throw new RangeError(`a colour map's labels must be one per pixel (${n}), got ${labels.length}`);
  const sums = (): Sums => ({ sum: new Float32Array(3 * B3), count: new Float32Array(B3) });
  const all = sums(), per = new Map<number, Sums>();
  const idx = new Int32Array(8), wt = new Float32Array(8), d = new Float64Array(3);
  const splat = (t: Sums) => {
    for (let c = 0; c < 8; c++) {
      t.count[idx[c]!] += wt[c]!;
      for (let ch = 0; ch < 3; ch++) t.sum[ch * B3 + idx[c]!] += wt[c]! * d[ch]!;
    }
  };
  for (let i = 0; i < n; i++) {
    const r = look[i]!, g = look[n + i]!, b = look[2 * n + i]!;
    d[0] = painted[i]! - r; d[1] = painted[n + i]! - g; d[2] = painted[2 * n + i]! - b;
    if (!d.every(Number.isFinite)) continue;
    corners(r, g, b, idx, wt);
    splat(all);
    const label = labels ? labels[i]! : -1;
    if (label < 0) continue;
    let own = per.get(label);
    if (!own) per.set(label, (own = sums()));
    splat(own);
  }
  // The reach as a share of the pixels: the same at any frame size.
  const reach = MAP_REACH * Math.max(1, n);
  const offset = fill(all, reach, null);
  if (!labels) return { offset };
  return { offset, byLabel: new Map([...per].map(([label, t]) => [label, fill(t, reach, offset)])) };
}

/**
 * The painter's departure the map gives each pixel of a planar RGB image (3 × n): planar 3 × n;
 * labels (n): each pixel's ID label, for the map of its object where the keyframe showed it.
 */
export function mapDeparture(map: ColourMap, look: Float32Array, n: number, labels?: Int32Array): Float32Array {
  if (look.length !== 3 * n) throw new RangeError(`a colour map applies to a planar RGB image of ${n} pixels`);
  if (labels && labels.length !== n) throw new RangeError(`a colour map's labels must be one per pixel (${n}), got ${labels.length}`);
  const out = new Float32Array(3 * n);
  const idx = new Int32Array(8), wt = new Float32Array(8);
  for (let i = 0; i < n; i++) {
    corners(look[i]!, look[n + i]!, look[2 * n + i]!, idx, wt);
    const offset = (labels && map.byLabel?.get(labels[i]!)) || map.offset;
    for (let ch = 0; ch < 3; ch++) {
      let s = 0;
      for (let c = 0; c < 8; c++) s += wt[c]! * offset[ch * B3 + idx[c]!]!;
      out[ch * n + i] = s;
    }
  }
  return out;
}
