// Holding a fine-tune to the production model (keyframe adaptation): a few painted keyframes of one
// shot must not drift what they do not show (a character absent from them, a set piece). Two terms:
//  - L2-SP (Li, Grandvalet & Davoine 2018): w · Σ (θ − θ0)² over the generator's parameters, θ0 the
//    production model's weights;
//  - distillation: on "anchor frames" (the shot's other frames, the production's training frames),
//    L1 to the production model's own output, on the pixels whose id-pass colour does not appear in
//    the keyframes (what the keyframes show is free to change; the rest is held).
import * as E from '../../engine/index.js';
import { loadImage } from '../../data/image-io.js';
import type { ColourContext } from '../../data/colour.js';
import { loadWorkingTensor } from '../../data/working-space.js';
import type { LookConfig } from './config.js';
import { buildInput } from './inputs.js';
import { generateFrame, type LookGenerator } from './generator.js';
import { loadLookModel } from './model-file.js';

/** space: the rough frame's recorded colour space (null/absent: the file's own, else the default). */
export interface AnchorFrame { id: string; rough: string; passes: Record<string, string>; space?: string | null }

export interface AnchorOptions {
  /** The production model file (θ0, and the teacher for distillation). */
  model: string;
  /** L2-SP weight on Σ (θ − θ0)². */
  wL2SP: number;
  /** Weight of the masked L1 to the production model's output on the anchor frames. */
  wDistill: number;
  frames: AnchorFrame[];
  /** Id-pass colours (0..255) the keyframes show: those pixels are not held. Empty/absent: hold every pixel. */
  freeIds?: [number, number, number][];
  /** Name of the id pass in AnchorFrame.passes (default 'id'); a frame without it is held everywhere. */
  idPass?: string;
  /** The production's colour context: rough frames are read into its working space, as the training images are. */
  colour?: ColourContext;
}

interface Held { input: E.Tensor; target: E.Tensor; mask: E.Tensor }

export class Anchor {
  private constructor(readonly o: AnchorOptions, private readonly theta0: Map<string, E.Tensor>, private readonly frames: Held[]) {}

  /** Loads θ0 and renders the teacher's output for every anchor frame (frames smaller than P are skipped). */
  static async load(c: LookConfig, o: AnchorOptions, patchSize: number, device: E.Device = 'cpu'): Promise<Anchor> {
    const base = loadLookModel(o.model, { device });
    const theta0 = new Map<string, E.Tensor>();
    const frames: Held[] = [];
    try {
      if (JSON.stringify(base.config.guides) !== JSON.stringify(c.guides) || JSON.stringify(base.config.arch) !== JSON.stringify(c.arch)) {
        throw new Error(`${o.model}: the anchor model's guides or architecture differ from this run's`);
      }
      for (const [k, v] of base.generator.namedParameters()) theta0.set(k, E.keep(E.tidy(() => v.detach().clone())));
      if (o.wDistill > 0) {
        base.generator.eval();
        for (const f of o.frames) {
          const held = await loadHeld(c, base.generator, f, o);
          if (held.input.size(2) >= patchSize && held.input.size(3) >= patchSize) frames.push(held);
          else E.disposeAll([held.input, held.target, held.mask]);
        }
      }
    } catch (err) {
      E.disposeAll([...theta0.values(), ...frames.flatMap((f) => [f.input, f.target, f.mask])]);
      throw err;
    } finally {
      base.generator.dispose();
    }
    return new Anchor(o, theta0, frames);
  }

  get heldFrames(): number { return this.frames.length; }

  /** Fraction of anchor-frame pixels held (for reports). */
  heldFraction(): number {
    if (!this.frames.length) return 0;
    return E.tidy(() => this.frames.reduce((s, f) => s + f.mask.mean().item(), 0) / this.frames.length);
  }

  /** w · Σ (θ − θ0)² (a scalar tensor; 0 when the weight is 0). */
  penalty(G: LookGenerator): E.Tensor {
    if (this.o.wL2SP <= 0) return E.scalar(0);
    let s = E.scalar(0);
    for (const [k, p] of G.namedParameters()) {
      const p0 = this.theta0.get(k);
      if (!p0) throw new Error(`anchor model has no parameter ${k}`);
      s = s.add(p.sub(p0).square().sum());
    }
    return s.mul(this.o.wL2SP);
  }

  /** Masked L1 of G on random patches of the anchor frames to the production model's output, times wDistill. */
  distill(G: LookGenerator, batch: number, P: number): E.Tensor {
    if (this.o.wDistill <= 0 || this.frames.length === 0) return E.scalar(0);
    const r = E.rand([batch * 3], { dtype: 'float64' }).toArray();
    const xs: E.Tensor[] = [], ts: E.Tensor[] = [], ms: E.Tensor[] = [];
    for (let b = 0; b < batch; b++) {
      const [u0, u1, u2] = r.slice(b * 3, b * 3 + 3) as [number, number, number];
      const f = this.frames[Math.min(this.frames.length - 1, Math.floor(u0 * this.frames.length))]!;
      const h = f.input.size(2), w = f.input.size(3);
      const y = Math.min(h - P, Math.floor(u1 * (h - P + 1)));
      const x = Math.min(w - P, Math.floor(u2 * (w - P + 1)));
      const crop = (t: E.Tensor) => t.slice(2, y, y + P).slice(3, x, x + P);
      xs.push(crop(f.input)); ts.push(crop(f.target)); ms.push(crop(f.mask));
    }
    const mask = E.F.cat(ms, 0);
    const diff = G.forward(E.F.cat(xs, 0)).sub(E.F.cat(ts, 0)).abs().mul(mask);
    return diff.sum().div(mask.sum().mul(3).add(1)).mul(this.o.wDistill);
  }

  dispose(): void {
    E.disposeAll([...this.theta0.values(), ...this.frames.flatMap((f) => [f.input, f.target, f.mask])]);
    this.theta0.clear();
    this.frames.length = 0;
  }
}

async function loadHeld(c: LookConfig, teacher: LookGenerator, f: AnchorFrame, o: AnchorOptions): Promise<Held> {
  const rough = await loadWorkingTensor(f.rough, o.colour, f.space);
  const passes = new Map<string, E.Tensor>();
  let ids: E.Tensor | null = null;
  try {
    for (const g of c.guides) {
      const file = f.passes[g.name];
      if (!file) throw new Error(`anchor frame ${f.id} has no "${g.name}" pass`);
      passes.set(g.name, (await loadImage(file, g.channels === 1 ? 1 : 3)).tensor);
    }
    const idFile = f.passes[o.idPass ?? 'id'];
    if (idFile && o.freeIds?.length) ids = (await loadImage(idFile, 3)).tensor;
    return E.tidy(() => {
      const input = buildInput(c, rough, c.guides.length ? passes : new Map());
      // Built on the CPU, kept where the teacher (and the trained generator) runs.
      const device = teacher.head.weight.device;
      const onDevice = input.to({ device });
      const target = E.noGrad(() => generateFrame(teacher, onDevice));
      let mask = E.ones([1, 1, rough.size(2), rough.size(3)]);
      if (ids) {
        for (const col of o.freeIds!) {
          const hit = ids.sub(E.tensor(Float32Array.from(col, (v) => v / 255), [1, 3, 1, 1])).abs().le(0.5 / 255).float().min(1, true);
          mask = mask.mul(hit.rsub(1));
        }
      }
      return { input: E.keep(onDevice), target: E.keep(target), mask: E.keep(mask.to({ device })) };
    });
  } finally {
    E.disposeAll([rough, ...passes.values(), ...(ids ? [ids] : [])]);
  }
}

/** Id-pass colours (0..255) covering at least minPixels pixels of any of the given id-pass files. */
export async function idColours(files: string[], minPixels = 16): Promise<[number, number, number][]> {
  const counts = new Map<number, number>();
  for (const file of files) {
    const img = (await loadImage(file, 3)).tensor;
    const codes = E.tidy(() => img.mul(255).round().toArray());
    img.dispose();
    const n = codes.length / 3;
    for (let i = 0; i < n; i++) {
      const key = (codes[i]! << 16) | (codes[n + i]! << 8) | codes[2 * n + i]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].filter(([, c]) => c >= minPixels).map(([k]) => [(k >> 16) & 255, (k >> 8) & 255, k & 255]);
}
