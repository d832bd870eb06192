// ID passes (object or material IDs, segmentations) as the stroke stage's guides. Their colours name
// objects; they are not values: two objects whose ID colours happen to be close are no more alike
// than any other two. Matched as RGB, they were: the sample's dark door, on a house whose ID colour
// lies near the fox's, was painted with the fox's fur (its patches were the nearest by ID). Each
// distinct colour is therefore replaced by a code, a vector of ID_CODE_CHANNELS values drawn from a
// hash of the colour: the same object gets the same code in every frame and exemplar (so an ID still
// keeps a character's strokes on that character), and different objects lie about equally far apart
// whatever their colours.
import * as E from '../engine/index.js';

/** Channels of an ID pass's code (random directions in 8 dimensions: distances spread less than in 3). */
export const ID_CODE_CHANNELS = 8;

/**
 * A code's length. Two codes then lie 0.71 apart on average, about as far as two random RGB colours
 * (0.66), the guides' balance the other weights were tuned with: unit codes (1.41 apart) made the
 * ID outweigh the colours, and on the sample's five test shots (256²) walls took other paintings'
 * plank strokes and the texture distance of sh020 rose 0.0037 → 0.0059 (0.0040 with this length).
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
  const data = E.tidy(() => pass.float().contiguous().data() as Float32Array);
  const labels = new Int32Array(H * W), keys: string[] = [], levels: number[][] = [], index = new Map<string, number>();
  const q = new Array<number>(C).fill(NaN);
  let lastLabel = -1;
  for (let i = 0; i < H * W; i++) {
    let same = lastLabel >= 0;
    for (let c = 0; c < C; c++) {
      const v = Math.round(data[c * H * W + i]! * QUANTUM);
      if (v !== q[c]) { q[c] = v; same = false; }
    }
    if (!same) { // flat regions keep the previous pixel's label without a lookup
      const key = q.join(',');
      let l = index.get(key);
      if (l === undefined) { l = keys.length; index.set(key, l); keys.push(key); levels.push([...q]); }
      lastLabel = l;
    }
    labels[i] = lastLabel;
  }
  return { labels, keys, levels };
}

/** The IDs (keys of their quantized colours) an ID pass (1, C, H, W) holds. */
export const idKeys = (pass: E.Tensor): string[] => labelIds(pass).keys;

/**
 * An ID pass (1, C, H, W) as ID_CODE_CHANNELS makers of (1, 1, H, W) code channels, in order. They
 * share the pass's labels, found on the first call; one channel at a time keeps a 4K frame's guide
 * parts at 33 MB each instead of an 8-channel 265 MB tensor (see target-guide.ts).
 * known: the IDs the exemplars hold (idKeys); any other ID is coded 0, exactly as far from every
 * known code, so an object no painting shows is drawn to none of them (its other guides choose its
 * strokes).
 * Without it every ID is coded (the exemplars' own guides).
 */
export function idCodeParts(pass: E.Tensor, known?: ReadonlySet<string>): (() => E.Tensor)[] {
  if (pass.ndim !== 4 || pass.size(0) !== 1) throw new RangeError(`an ID pass must be (1, C, H, W), got [${pass.shape.join(', ')}]`);
  const [, , H, W] = pass.shape as [number, number, number, number];
  let coded: { labels: Int32Array; codes: Float32Array[] } | null = null;
  const code = () => {
    if (coded) return coded;
    const l = labelIds(pass);
    const none = new Float32Array(ID_CODE_CHANNELS);
    return (coded = { labels: l.labels, codes: l.keys.map((k, i) => (!known || known.has(k) ? idCode(l.levels[i]!) : none)) });
  };
  return Array.from({ length: ID_CODE_CHANNELS }, (_, d) => () => {
    const { labels, codes } = code();
    const out = new Float32Array(H * W);
    for (let i = 0; i < out.length; i++) out[i] = codes[labels[i]!]![d]!;
    return E.tensor(out, [1, 1, H, W]);
  });
}
