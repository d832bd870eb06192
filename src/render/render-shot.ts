// Rendering a shot's frames through a look model: every frame independent (random access), written
// atomically as <shot>.####.png with a lineage record per frame.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Production, ShotFrame } from '../store/index.js';
import type { LookModel } from '../models/look/model-file.js';
import { stylizeFile } from '../models/look/stylize.js';
import { saveImage } from '../data/image-io.js';

export interface RenderShotOptions {
  outDir: string;
  /** Inclusive frame range; default the whole shot. */
  range?: [number, number];
  bits?: 8 | 16;
  onFrame?: (done: number, total: number, frame: number, path: string) => void;
}

export interface RenderedShot { frames: { frame: number; path: string }[]; seconds: number }

export async function renderShotFrames(prod: Production, shotName: string, model: LookModel, modelVersion: number | null, o: RenderShotOptions): Promise<RenderedShot> {
  const shot = await prod.shot(shotName);
  const [a, b] = o.range ?? shot.range;
  if (a > b || a < shot.range[0] || b > shot.range[1]) throw new Error(`frame range ${a}-${b} is outside shot ${shot.name} (${shot.range[0]}-${shot.range[1]})`);
  const frames: ShotFrame[] = shot.frames.filter((f) => f.frame >= a && f.frame <= b);
  const missing = frames.filter((f) => !f.rough).map((f) => f.frame);
  if (missing.length) throw new Error(`shot ${shot.name} has no rough frame for frame${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const lacking = frames.filter((f) => model.config.guides.some((g) => !f.passes[g.name]));
  if (lacking.length) {
    throw new Error(`shot ${shot.name} lacks render passes this model needs (${model.config.guides.map((g) => g.name).join(', ')}) on frame${lacking.length > 1 ? 's' : ''} ${lacking.map((f) => f.frame).join(', ')}`);
  }
  mkdirSync(o.outDir, { recursive: true });
  const t0 = Date.now();
  const out: { frame: number; path: string }[] = [];
  for (const f of frames) {
    const passes = Object.fromEntries(model.config.guides.map((g) => [g.name, f.passes[g.name]!.path]));
    const img = await stylizeFile(model, f.rough!.path, model.config.guides.length ? passes : {});
    const path = join(o.outDir, `${shot.name}.${String(f.frame).padStart(4, '0')}.png`);
    await saveImage(path, img, o.bits ?? 8);
    img.dispose();
    if (modelVersion !== null) {
      await prod.recordRenderedFrame({
        path, modelVersion,
        inputHashes: { rough: f.rough!.hash, ...Object.fromEntries(model.config.guides.map((g) => [g.name, f.passes[g.name]!.hash])) },
        params: { shot: shot.name, frame: f.frame, bits: o.bits ?? 8 },
      });
    }
    out.push({ frame: f.frame, path });
    o.onFrame?.(out.length, frames.length, f.frame, path);
  }
  return { frames: out, seconds: (Date.now() - t0) / 1000 };
}
