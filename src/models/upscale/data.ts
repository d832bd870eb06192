// Self-supervised training data for the upscaler: the production's own full-resolution images
// (concept art, character sheets) are the targets; their downscaled versions are the inputs.
// Whole images are held out (deterministically) to score the model on pictures it never saw.
import * as E from '../../engine/index.js';
import type { ColourContext } from '../../data/colour.js';
import { loadWorkingImage } from '../../data/working-space.js';
import type { UpscaleConfig, DownscaleMode } from './config.js';
import { antialiasedDownscale } from './cubic.js';

export interface ImageFile {
  id: string;
  path: string;
  /** Used for training only, never held out (e.g. paintovers, when scoring is on concept art). */
  trainOnly?: boolean;
  /** The image's recorded colour space (null/absent: the file's own, else the production's default). */
  space?: string | null;
}

/** A high-resolution image (cropped to a multiple of the scale) and its low-resolution input. */
export interface UpscaleExample { id: string; hr: E.Tensor; lr: E.Tensor }

export interface UpscaleSet { train: UpscaleExample[]; heldOut: UpscaleExample[] }

/**
 * High resolution (N, C, H, W), H and W multiples of s -> low resolution (N, C, H/s, W/s),
 * rounded to 8 bits like a saved frame. 'area' averages s x s blocks (an antialiased downscale);
 * 'bicubic-aa' is the antialiased bicubic of sharp/PIL/imresize (Keys a = -0.5 stretched by s);
 * 'bicubic' is libtorch's bicubic sampling (not antialiased: kept for models trained with it).
 */
export function downscale(hr: E.Tensor, s: number, mode: DownscaleMode = 'area'): E.Tensor {
  const [, , h, w] = hr.shape as [number, number, number, number];
  if (h % s || w % s) throw new RangeError(`downscale: ${w}x${h} is not a multiple of ${s}`);
  if (mode === 'bicubic-aa') return antialiasedDownscale(hr, s);
  return E.tidy(() => E.F.interpolate(hr, { size: [h / s, w / s], mode }).clamp(0, 1).mul(255).round().div(255));
}

/** Which images are held out: evenly spaced over the ids sorted; none with fewer than 2 images. */
export function heldOutImageIds(files: ImageFile[], fraction: number): Set<string> {
  const candidates = files.filter((f) => !f.trainOnly);
  if (candidates.length < 2 || fraction <= 0) return new Set();
  const sorted = candidates.map((f) => f.id).sort();
  const n = Math.min(sorted.length - 1, Math.max(1, Math.round(sorted.length * fraction)));
  const step = sorted.length / n;
  return new Set(Array.from({ length: n }, (_, i) => sorted[Math.floor(i * step + step / 2)]!));
}

/** Images chosen by id to hold out (a leave-one-out fold): each must be among the files and not train-only. */
function explicitHeldOut(files: ImageFile[], ids: readonly string[]): Set<string> {
  const byId = new Map(files.map((f) => [f.id, f]));
  for (const id of ids) {
    const f = byId.get(id);
    if (!f) throw new Error(`cannot hold out ${id}: it is not among the ${files.length} training images`);
    if (f.trainOnly) throw new Error(`cannot hold out ${id}: it is used for training only`);
  }
  if (ids.length >= files.length) throw new Error('cannot hold out every image: none would be left to train on');
  return new Set(ids);
}

/**
 * The images as training examples. colour: the production's colour context, whose working space the
 * images are read into from their recorded spaces (data/working-space.ts, as look model training and
 * renders read theirs); absent: as loaded, the sRGB values upscalers were trained on before.
 * heldOutIds: the images to hold out (else chosen by the config's hold-out fraction).
 */
export async function loadUpscaleSet(c: UpscaleConfig, files: ImageFile[], colour?: ColourContext, heldOutIds?: readonly string[]): Promise<UpscaleSet> {
  const s = c.scale;
  const P = c.train.patchSize;
  const held = heldOutIds ? explicitHeldOut(files, heldOutIds) : heldOutImageIds(files, c.train.holdOut);
  const set: UpscaleSet = { train: [], heldOut: [] };
  const skipped: string[] = [];
  for (const f of files) {
    const img = await loadWorkingImage(f.path, 3, colour, f.space);
    const h = img.height - (img.height % s);
    const w = img.width - (img.width % s);
    if (h < s * 4 || w < s * 4) {
      img.tensor.dispose();
      skipped.push(f.id);
      continue;
    }
    const hr = E.keep(E.tidy(() => img.tensor.narrow(2, 0, h).narrow(3, 0, w).contiguous()));
    img.tensor.dispose();
    const ex = { id: f.id, hr, lr: E.keep(downscale(hr, s, c.downscale)) };
    if (held.has(f.id)) set.heldOut.push(ex);
    else if (h >= P && w >= P) set.train.push(ex);
    else { disposeExample(ex); skipped.push(f.id); }
  }
  if (set.train.length === 0) {
    disposeUpscaleSet(set);
    throw new Error(`no training image is at least ${P}x${P} pixels (the patch size)${files.length ? '' : ': the dataset has no concept art or character sheets'}; add full-resolution concept art`);
  }
  return set;
}

export function disposeExample(e: UpscaleExample): void {
  e.hr.dispose();
  e.lr.dispose();
}

export function disposeUpscaleSet(s: UpscaleSet): void {
  for (const e of [...s.train, ...s.heldOut]) disposeExample(e);
}

/**
 * A batch of aligned random patches, each in one of the 8 flips / quarter-turns:
 * lr (B, 3, P/s, P/s), hr (B, 3, P, P). Images are picked in proportion to their area; positions
 * come from libtorch's seeded generator.
 */
export function sampleBatch(set: UpscaleExample[], batch: number, P: number, s: number): { lr: E.Tensor; hr: E.Tensor } {
  const p = P / s;
  const areas = set.map((e) => e.lr.size(2) * e.lr.size(3));
  const total = areas.reduce((a, b) => a + b, 0);
  return E.tidy(() => {
    const r = E.rand([batch * 4], { dtype: 'float64' }).toArray();
    const lrs: E.Tensor[] = [];
    const hrs: E.Tensor[] = [];
    for (let b = 0; b < batch; b++) {
      const [u0, u1, u2, u3] = r.slice(b * 4, b * 4 + 4) as [number, number, number, number];
      let pick = u0 * total;
      let i = 0;
      while (i < set.length - 1 && pick >= areas[i]!) pick -= areas[i++]!;
      const ex = set[i]!;
      const h = ex.lr.size(2);
      const w = ex.lr.size(3);
      const y = Math.min(h - p, Math.floor(u1 * (h - p + 1)));
      const x = Math.min(w - p, Math.floor(u2 * (w - p + 1)));
      const aug = Math.min(7, Math.floor(u3 * 8));
      const t = (im: E.Tensor) => {
        let o = im;
        if (aug & 1) o = o.flip(3);
        if (aug & 2) o = o.flip(2);
        if (aug & 4) o = o.transpose(2, 3);
        return o;
      };
      lrs.push(t(ex.lr.narrow(2, y, p).narrow(3, x, p)));
      hrs.push(t(ex.hr.narrow(2, y * s, P).narrow(3, x * s, P)));
    }
    return { lr: E.F.cat(lrs, 0), hr: E.F.cat(hrs, 0) };
  });
}
