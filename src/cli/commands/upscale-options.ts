// `atelier render`'s upscaling flags: --scale 2|4 (the production's newest upscaler of that scale),
// --upscaler <version|file> (a given one), --upscale-passes 1|8.
import type { Command } from 'commander';
import type { RenderShotOptions } from '../../render/render-shot.js';

export interface UpscaleFlags { scale?: string; upscaler?: string; upscalePasses?: string }

export function upscaleOptions(cmd: Command): Command {
  return cmd
    .option('--scale <n>', 'upscale the frames 2x or 4x with the production\'s newest upscaler of that scale (`atelier train upscale`)')
    .option('--upscaler <version|file>', 'upscale the frames with this upscaler (its scale)')
    .option('--upscale-passes <n>', 'upscaler passes per frame: 8 averages the eight flips and rotations (default; +0.19 dB), 1 is 8x faster', '8');
}

export function upscaleFromFlags(o: UpscaleFlags): RenderShotOptions['upscale'] {
  if (o.scale !== undefined && o.scale !== '2' && o.scale !== '4') throw new Error(`--scale must be 2 or 4, got ${o.scale}`);
  const passes = o.upscalePasses ?? '8';
  if (passes !== '1' && passes !== '8') throw new Error(`--upscale-passes must be 1 or 8, got ${passes}`);
  if (o.scale === undefined && o.upscaler === undefined) {
    if (o.upscalePasses !== undefined && o.upscalePasses !== '8') throw new Error('--upscale-passes goes with --scale or --upscaler');
    return undefined;
  }
  return { ...(o.upscaler !== undefined ? { model: o.upscaler } : {}), ...(o.scale !== undefined ? { scale: Number(o.scale) as 2 | 4 } : {}), passes: Number(passes) as 1 | 8 };
}
