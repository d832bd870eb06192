// 100% crops for judging texture by eye: where to crop (the window of a reference with the most
// fine detail), the crop itself, and the figures a crop is shown with.
import * as E from '../engine/index.js';
import { type Tensor } from '../engine/index.js';
import { asBatch } from '../image/shapes.js';
import { psnr } from './psnr.js';
import { textureBand, textureSwd, hfRatio } from './style.js';

export interface CropWindow { x: number; y: number; width: number; height: number }

/**
 * The size×size window (clamped to the image) of img (1, C, H, W) with the most texture-band energy
 * (luma minus its σ = 2 blur), searched on a grid of step size/4; ties go to the top-left-most.
 */
export function detailWindow(img: Tensor, size: number): CropWindow {
  const x = asBatch(img, 'detailWindow input');
  const h = x.size(2), w = x.size(3);
  const cw = Math.min(size, w), ch = Math.min(size, h);
  if (cw === w && ch === h) return { x: 0, y: 0, width: w, height: h };
  const step = Math.max(1, Math.floor(Math.min(cw, ch) / 4));
  const energy = E.tidy(() => {
    // Box sums of the squared band over every window position, by average pooling with the grid step.
    const band = textureBand(x.slice(0, 0, 1)).square();
    return E.F.avgPool2d(band, [ch, cw], [step, step]).flatten().toArray();
  });
  const cols = Math.floor((w - cw) / step) + 1;
  let best = 0;
  for (let i = 1; i < energy.length; i++) if (energy[i]! > energy[best]!) best = i;
  return { x: (best % cols) * step, y: Math.floor(best / cols) * step, width: cw, height: ch };
}

/** The window of img (N, C, H, W) or (C, H, W) as a new (N, C, h, w) tensor. */
export function cropWindow(img: Tensor, win: CropWindow): Tensor {
  return E.tidy(() => asBatch(img, 'crop input').slice(2, win.y, win.y + win.height).slice(3, win.x, win.x + win.width).contiguous());
}

export interface CropFigures { psnr: number; texture_swd: number; hf_ratio: number }

/** PSNR (dB), texture SWD and high-frequency ratio of out against gt (same shape, > 6 px). */
export function cropFigures(out: Tensor, gt: Tensor): CropFigures {
  return { psnr: psnr(out, gt), texture_swd: textureSwd(out, gt), hf_ratio: hfRatio(out, gt) };
}
