// ID passes (object or material IDs, segmentations) as the stroke stage's guides. Their colours name
// objects; they are not values: two objects whose ID colours happen to be close are no more alike
// than any other two. Matched as RGB, they were: the sample's dark door, on a house whose ID colour
// lies near the fox's, was painted with the fox's fur (its patches were the nearest by ID). Each
// distinct colour is therefore replaced by a code, a vector of ID_CODE_CHANNELS values drawn from a
// hash of the colour: the same object gets the same code in every frame and exemplar (so an ID still
// keeps a character's strokes on that character), and different objects lie about equally far apart
// whatever their colours. Codes drawn at random can still lie near each other, so the searches also
// read each pixel's ID back from its code (idLabels) and match IDs as categories (SynthOptions.idPenalty).
import * as E from '../engine/index.js';

/**
 * Channels of an ID pass's code: random directions in 4 dimensions. 8 spread the distances less
 * (the sample's door came out cleaner), but each guide channel costs ~20 MB of a 4K final frame's
 * peak (8 channels: 4026-4035 MB against the 4000 target, 4: 3941; RGB's 3: 3956-3975).
 */
export const ID_CODE_CHANNELS = 4;

/**
 * A code's length. Two codes then lie 0.67 apart on average (4 values), about as far as two random
 * RGB colours (0.66), the guides' balance the other weights were tuned with: unit codes (~1.4 apart)
 * made the ID outweigh the colours, and on the sample's five test shots (256², 8 values) walls took
 * other paintings' plank strokes and sh020's texture distance rose 0.0037 → 0.0059 (0.0040 at 0.5).
 */
export const ID_CODE_LENGTH = 0.5;

// Pass names read as IDs (lower case, without separators): what renderers and studios call them.
const ID_PASS_NAMES = new Set(['id', 'ids', 'objectid', 'objid', 'materialid', 'matid', 'segmentation', 'seg']);

/** Per ID pass name, the IDs (idKeys) the exemplars hold. */
export type IdKeys = ReadonlyMap<string, ReadonlySet<string>>;

/** Whether a render pass of this name holds IDs (colours that name objects), e.g. `id`, `object_id`, `segmentation`. */
export const isIdPass = (name: string): boolean => ID_PASS_NAMES.has(name.toLowerCase().replace(/[^a-z0-9]/g, ''));

// An ID colour's values are compared at this precision: an 8-bit PNG's levels and a float EXR's
// integer IDs stay apart; float noise below it does not make a new ID.
const QUANTUM = 1024;

// A pass is read into JS in bands of at most this many values: a 4K RGB pass read whole would be
// 100 MB of a final frame's peak, and small bands cost more than they save (this VM's page faults:
// a 1080p pass in one read 60 ms, in 64-row bands 131 ms).
const LABEL_BAND_VALUES = 8 * 2 ** 20;

/** murmur3's 32-bit finalizer: every input bit moves every output bit. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The code of one ID colour (quantized channel values): ID_CODE_CHANNELS values of length ID_CODE_LENGTH. */
export function idCode(levels: readonly number[]): Float32Array {
  let h = 0x9e3779b9;
  for (const v of levels) h = mix32(h ^ mix32(v | 0));
  const c = new Float32Array(ID_CODE_CHANNELS);
  let n = 0;
  for (let d = 0; d < ID_CODE_CHANNELS; d++) {
    h = mix32(h + 0x6d2b79f5);
    c[d] = h / 2 ** 31 - 1;
    n += c[d]! ** 2;
  }
  const s = n > 0 ? ID_CODE_LENGTH / Math.sqrt(n) : 0;
  for (let d = 0; d < ID_CODE_CHANNELS; d++) c[d]! *= s;
  return c;
}

/** Per pixel the index of its ID colour among the pass's distinct ones, and each one's key and quantized levels. */
interface Labelled { labels: Int32Array; keys: string[]; levels: number[][] }

function labelIds(pass: E.Tensor): Labelled {
  if (pass.ndim !== 4 || pass.size(0) !== 1) throw new RangeError(`an ID pass must be (1, C, H, W), got [${pass.shape.join(', ')}]`);
  const [, C, H, W] = pass.shape as [number, number, number, number];
  const labels = new Int32Array(H * W), keys: string[] = [], levels: number[][] = [], index = new Map<string, number>();
  const q = new Array<number>(C).fill(NaN);
  const raw = new Float64Array(C).fill(NaN); // the last pixel's values: flat regions repeat them exactly
  let lastLabel = -1;
  const bandRows = Math.max(1, Math.floor(LABEL_BAND_VALUES / (C * W)));
  for (let y0 = 0; y0 < H; y0 += bandRows) {
    const rows = Math.min(bandRows, H - y0), n = rows * W;
    const data = E.tidy(() => pass.narrow(2, y0, rows).float().contiguous().data() as Float32Array);
    for (let j = 0; j < n; j++) {
      let same = lastLabel >= 0;
      for (let c = 0; c < C; c++) {
        const r = data[c * n + j]!;
        if (r === raw[c]) continue;
        raw[c] = r;
        const v = Math.round(r * QUANTUM);
        if (v !== q[c]) { q[c] = v; same = false; }
      }
      if (!same) { // flat regions keep the previous pixel's label without a lookup
        const key = q.join(',');
        let l = index.get(key);
        if (l === undefined) { l = keys.length; index.set(key, l); keys.push(key); levels.push([...q]); }
        lastLabel = l;
      }
      labels[y0 * W + j] = lastLabel;
    }
  }
  return { labels, keys, levels };
}

/** The IDs (keys of their quantized colours) an ID pass (1, C, H, W) holds. */
export const idKeys = (pass: E.Tensor): string[] => labelIds(pass).keys;

/**
 * An ID pass (1, C, H, W) as ID_CODE_CHANNELS makers of (1, 1, H, W) code channels, in order. They
 * share the pass's labels, found on the first call; one channel at a time keeps a 4K frame's guide
 * parts at 33 MB each instead of a 133 MB 4-channel tensor (see target-guide.ts).
 * known: the IDs the exemplars hold (idKeys); any other ID is coded 0, exactly as far from every
 * known code, so an object no painting shows is drawn to none of them (its other guides choose its
 * strokes).
 * Without it every ID is coded (the exemplars' own guides).
 */
export function idCodeParts(pass: E.Tensor, known?: ReadonlySet<string>): (() => E.Tensor)[] {
  if (pass.ndim !== 4 || pass.size(0) !== 1) throw new RangeError(`an ID pass must be (1, C, H, W), got [${pass.shape.join(', ')}]`);
  const [, , H, W] = pass.shape as [number, number, number, number];
  // The labels and one channel's buffer (E.tensor copies it), shared by the makers and let go after
  // the last channel: at 4K a buffer per channel left 4 × 33 MB for the collector.
  let coded: { labels: Int32Array; codes: Float32Array[]; buffer: Float32Array } | null = null;
  const code = () => {
    if (coded) return coded;
    const l = labelIds(pass);
    const none = new Float32Array(ID_CODE_CHANNELS);
    const codes = l.keys.map((k, i) => (!known || known.has(k) ? idCode(l.levels[i]!) : none));
    return (coded = { labels: l.labels, codes, buffer: new Float32Array(H * W) });
  };
  return Array.from({ length: ID_CODE_CHANNELS }, (_, d) => () => {
    const { labels, codes, buffer } = code();
    for (let i = 0; i < buffer.length; i++) buffer[i] = codes[labels[i]!]![d]!;
    if (d === ID_CODE_CHANNELS - 1) coded = null; // made again if asked again
    return E.tensor(buffer, [1, 1, H, W]);
  });
}

/** The code of an ID by its key (idKeys: its quantized levels joined by commas). */
export const idCodeOfKey = (key: string): Float32Array => idCode(key.split(',').map(Number));

/**
 * Where a stroke guide holds one ID pass's code (its first channel), and the codes of the IDs the
 * exemplars hold as they stand in that guide (× the pass weight): `count` codes of
 * ID_CODE_CHANNELS values, each of length `length`. Made by idGuideCodes (stroke-guide.ts).
 */
export interface IdGuideCodes { name: string; channel: number; count: number; codes: Float32Array; length: number }

/**
 * A pixel names an ID only where its code channels lie within this fraction of a code's length of
 * that ID's code: inside an object (also area-downscaled: an average of one code is that code), not
 * where a coarse level averages two objects' codes at their border.
 */
const LABEL_TOLERANCE = 0.1;

/**
 * Per pixel of guides (N, C, h, w), pixel-major exemplar after exemplar (the order of patch
 * features), one label for the IDs it shows in all ID passes at once, or -1 where some pass shows
 * none of the known IDs there: a border averaged at a coarse level, or an ID no exemplar holds.
 * Guides labelled with the same codes share labels: equal labels, equal IDs. scale: the guide's
 * weight (its values are the codes × scale).
 */
export function idLabels(guide: E.Tensor, codes: readonly IdGuideCodes[], scale = 1): Int32Array {
  const [N, , h, w] = guide.shape as [number, number, number, number];
  const plane = h * w, out = new Int32Array(N * plane);
  let stride = 1;
  for (const c of codes) {
    if (c.count === 0) { out.fill(-1); break; }
    // Pure pixels equal their code up to rounding; the nearest code within the tolerance otherwise
    // (two IDs' codes may lie nearer each other than the tolerance).
    const tol2 = (LABEL_TOLERANCE * c.length * scale) ** 2, exact2 = (1e-4 * c.length * scale) ** 2;
    const code = c.codes.map((v) => v * scale);
    for (let n = 0; n < N; n++) {
      const v = E.tidy(() => guide.slice(0, n, n + 1).narrow(1, c.channel, ID_CODE_CHANNELS).float().contiguous().data() as Float32Array);
      let last = 0; // the code the previous pixel matched: flat regions find it first
      const d2 = (p: number, k: number) => {
        let s = 0;
        for (let j = 0; j < ID_CODE_CHANNELS; j++) { const e = v[j * plane + p]! - code[k * ID_CODE_CHANNELS + j]!; s += e * e; }
        return s;
      };
      for (let p = 0; p < plane; p++) {
        const o = n * plane + p;
        if (out[o]! < 0) continue;
        let k = d2(p, last) <= exact2 ? last : -1;
        if (k < 0) for (let q = 0, best = tol2; q < c.count; q++) { const e = d2(p, q); if (e <= best) { best = e; k = q; } }
        if (k < 0) out[o] = -1;
        else { out[o]! += k * stride; last = k; }
      }
    }
    stride *= c.count;
  }
  return out;
}
