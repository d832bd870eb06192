// Character consistency: does a character look the same in every shot? For each character, its
// pixels (found by the id pass) are gathered per shot; the sliced Wasserstein distance between its
// pixel colours in two shots is computed for the output and for the ground truth, and the ratio
// output ÷ ground truth says how much more (> 1) or less (< 1) the output changes the character
// between shots than the painters did (who also change it, with the light). Worst character first.
import * as E from '../engine/index.js';
import { type Tensor } from '../engine/index.js';
import { asBatch, sameShape } from '../image/shapes.js';
import { mulberry32, sampleWithoutReplacement } from '../image/prng.js';
import { swd } from './swd.js';

/** A character and its flat colour in the id pass (0..255 RGB). */
export interface CharacterKey { name: string; color: readonly [number, number, number] }

export interface CharacterConsistencyOptions {
  /** Most pixels kept per character per frame (seeded random subset; default 2048). */
  perFrame?: number;
  /** A character counts in a shot only with at least this many pixels there (default 64). */
  minPixels?: number;
  /** Seed of the pixel subsets and SWD projections (default 0). */
  seed?: number;
  /** SWD projections (default 128). */
  projections?: number;
}

export interface CharacterScore {
  character: string;
  /** output SWD ÷ ground-truth SWD (mean over shot pairs of each); null when no two shots show it. */
  ratio: number | null;
  /** Mean over shot pairs of the SWD between the character's pixel colours in the two shots. */
  outputSwd: number | null;
  gtSwd: number | null;
  /**
   * Mean over the shots showing it of the SWD between the character's output and ground-truth pixel
   * colours in the same shot. The ratio alone rewards blandness (a model that paints a character the
   * same flat colour everywhere is perfectly "consistent"); this says whether it is the right colour.
   */
  fidelitySwd: number | null;
  /** Shots showing the character (with at least minPixels pixels), and the pairs compared. */
  shots: string[];
  pairs: number;
}

export interface CharacterConsistency {
  /** The character with the highest ratio (null when no character is in two shots). */
  worst: CharacterScore | null;
  perCharacter: CharacterScore[];
}

/**
 * (N, 1, H, W) float mask, 1 where the id pass ids (N, 3, H, W) or (3, H, W), in [0, 1] as loaded
 * from an 8-bit PNG, has exactly the colour `color` (0..255; within half a code value).
 */
export function idMask(ids: Tensor, color: readonly [number, number, number]): Tensor {
  return E.tidy(() => {
    const x = asBatch(ids, 'id pass');
    if (x.size(1) !== 3) throw new RangeError(`an id pass must have 3 channels, got ${x.size(1)}`);
    const c = E.tensor(Float32Array.from(color, (v) => v / 255), [1, 3, 1, 1]);
    return x.float().sub(c).abs().le(0.5 / 255).float().min(1, true);
  });
}

/**
 * Gathers each character's pixels shot by shot (frame by frame, so a caller never holds a whole shot
 * in memory), then scores them with result(). Output and ground truth are sampled at the same pixel
 * positions. Call dispose() when done.
 */
export class CharacterPixelSets {
  private readonly sets = new Map<string, Map<string, { out: Tensor[]; gt: Tensor[]; count: number }>>();
  private readonly rnd: () => number;
  private readonly o: Required<CharacterConsistencyOptions>;

  constructor(readonly characters: readonly CharacterKey[], o: CharacterConsistencyOptions = {}) {
    this.o = { perFrame: 2048, minPixels: 64, seed: 0, projections: 128, ...o };
    this.rnd = mulberry32(this.o.seed);
  }

  /** output, gt: (N, 3, H, W) or (3, H, W) in [0, 1]; ids: the id pass of the same frames. */
  add(shot: string, output: Tensor, gt: Tensor, ids: Tensor): void {
    sameShape(output, gt, 'characterConsistency (output, ground truth)');
    const out = asBatch(output, 'output'), g = asBatch(gt, 'ground truth'), id = asBatch(ids, 'id pass');
    if (id.size(0) !== out.size(0) || id.size(2) !== out.size(2) || id.size(3) !== out.size(3)) {
      throw new RangeError(`the id pass [${id.shape.join(', ')}] does not match the frames [${out.shape.join(', ')}]`);
    }
    const [n, c, h, w] = out.shape as [number, number, number, number];
    const byChar = this.sets.get(shot) ?? this.sets.set(shot, new Map()).get(shot)!;
    for (const ch of this.characters) {
      const mask = E.tidy(() => idMask(id, ch.color).reshape([n, h * w]).toArray());
      for (let i = 0; i < n; i++) {
        const idx: number[] = [];
        for (let p = 0; p < h * w; p++) if (mask[i * h * w + p]! > 0) idx.push(p);
        if (idx.length === 0) continue;
        const pick = sampleWithoutReplacement(this.rnd, idx.length, this.o.perFrame);
        const sel = E.tensor(Int32Array.from(pick, (k) => idx[k]!), [pick.length]);
        const take = (t: Tensor) => E.keep(E.tidy(() => t.slice(0, i, i + 1).reshape([c, h * w]).float().indexSelect(1, sel).transpose(0, 1).contiguous()));
        const entry = byChar.get(ch.name) ?? byChar.set(ch.name, { out: [], gt: [], count: 0 }).get(ch.name)!;
        entry.out.push(take(out));
        entry.gt.push(take(g));
        entry.count += idx.length;
        sel.dispose();
      }
    }
  }

  result(): CharacterConsistency {
    const shots = [...this.sets.keys()];
    const perCharacter: CharacterScore[] = this.characters.map((ch) => {
      const present = shots.filter((s) => (this.sets.get(s)!.get(ch.name)?.count ?? 0) >= this.o.minPixels);
      const opt = { projections: this.o.projections, seed: this.o.seed };
      let fid = 0;
      for (const s of present) {
        const X = this.sets.get(s)!.get(ch.name)!;
        fid += E.tidy(() => swd(E.F.cat(X.out, 0), E.F.cat(X.gt, 0), opt));
      }
      const fidelitySwd = present.length ? fid / present.length : null;
      let so = 0, sg = 0, pairs = 0;
      for (let a = 0; a < present.length; a++) {
        for (let b = a + 1; b < present.length; b++) {
          const A = this.sets.get(present[a]!)!.get(ch.name)!, B = this.sets.get(present[b]!)!.get(ch.name)!;
          E.tidy(() => {
            so += swd(E.F.cat(A.out, 0), E.F.cat(B.out, 0), opt);
            sg += swd(E.F.cat(A.gt, 0), E.F.cat(B.gt, 0), opt);
          });
          pairs++;
        }
      }
      if (pairs === 0) return { character: ch.name, ratio: null, outputSwd: null, gtSwd: null, fidelitySwd, shots: present, pairs };
      const outputSwd = so / pairs, gtSwd = sg / pairs;
      const ratio = gtSwd > 1e-12 ? outputSwd / gtSwd : outputSwd > 1e-12 ? Infinity : 1;
      return { character: ch.name, ratio, outputSwd, gtSwd, fidelitySwd, shots: present, pairs };
    });
    const scored = perCharacter.filter((s) => s.ratio !== null);
    const worst = scored.length ? scored.reduce((a, b) => (b.ratio! > a.ratio! ? b : a)) : null;
    return { worst, perCharacter };
  }

  dispose(): void {
    for (const m of this.sets.values()) for (const e of m.values()) E.disposeAll([...e.out, ...e.gt]);
    this.sets.clear();
  }
}

/**
 * Character consistency over whole shots held in memory: shots[i].output / gt / ids are
 * (N, 3, H, W) frames of one shot (see CharacterPixelSets for the definition and frame-by-frame use).
 */
export function characterConsistency(
  shots: readonly { name: string; output: Tensor; gt: Tensor; ids: Tensor }[],
  characters: readonly CharacterKey[],
  o: CharacterConsistencyOptions = {},
): CharacterConsistency {
  const sets = new CharacterPixelSets(characters, o);
  try {
    for (const s of shots) sets.add(s.name, s.output, s.gt, s.ids);
    return sets.result();
  } finally {
    sets.dispose();
  }
}
