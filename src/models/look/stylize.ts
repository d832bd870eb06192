// Inference: one rough frame (and its passes) through a trained look model.
import * as E from '../../engine/index.js';
import { loadImage } from '../../data/image-io.js';
import type { ColourContext } from '../../data/colour.js';
import { loadWorkingTensor } from '../../data/working-space.js';
import type { LookModel } from './model-file.js';
import { buildInput } from './inputs.js';
import { generateFrame, inferencePrecision, type InferencePrecision } from './generator.js';
import { runTiled } from '../../image/tiles.js';

/**
 * Tiled inference for large frames. The generator input (roughening, guides, edges) is always built
 * for the whole frame: it is ~10 channels (~330 MB at 3840x2160), and per tile it would differ (the
 * roughening's fixed noise field depends on the image size). Only the generator, whose activations
 * are ~70 channels at full resolution (~2.4 GB for one 4K layer), runs tile by tile.
 */
export interface TilingOptions {
  /** Frames with more pixels than this run the generator in tiles; default 2048 * 1152 (2K runs whole). Infinity: never. */
  tileAbove?: number;
  /** Tile size in pixels (a multiple of the generator's); default 1024. */
  tile?: number;
  /** Minimum overlap between tiles in pixels; default DEFAULT_TILING.overlap. */
  overlap?: number;
}

/**
 * The first layout (blocks at 1/4) needed an overlap of 96 at tiles of 512 to stay below 1/255
 * of |tiled - whole| (0.16 of a level; 2.1 at 64). The current layout sees about twice as far
 * (blocks at 1/8): at 96 it measured 2.7 levels, so the overlap is doubled, and tiles are 1024 so
 * the overlap costs ~1.5x the pixels rather than ~2.6x. See bench/RESULTS.md (render).
 */
// 2K frames run whole: the current generator's largest activation at 2K is ~100 MB.
export const DEFAULT_TILING: Required<TilingOptions> = { tileAbove: 2048 * 1152, tile: 1024, overlap: 192 };

/** A still's rough image and the passes the model's guides need, loaded; the caller disposes them. */
export interface StillInputs { rough: E.Tensor; passes: Map<string, E.Tensor> | null }

/**
 * rough: image file; passes: pass name -> file, for the model's guides (null: none, the model's
 * no-guides mode, as for concept art in training). Throws naming a missing pass. With a colour
 * context the image is read into its working space (data/working-space.ts, as training read the
 * model's images); passes are data.
 */
export async function loadStillInputs(model: LookModel, rough: string, passes: Record<string, string> | null, colour?: ColourContext): Promise<StillInputs> {
  const img = { tensor: await loadWorkingTensor(rough, colour) };
  const loaded = new Map<string, E.Tensor>();
  try {
    if (passes) {
      for (const g of model.config.guides) {
        const file = passes[g.name];
        if (!file) throw new Error(`this model needs the "${g.name}" render pass (it was trained with ${model.config.guides.map((x) => x.name).join(', ')}); give it with --pass ${g.name}=FILE, or none to stylize without guides`);
        loaded.set(g.name, (await loadImage(file, g.channels === 1 ? 1 : 3)).tensor);
      }
    }
    return { rough: img.tensor, passes: passes ? loaded : null };
  } catch (err) {
    img.tensor.dispose();
    for (const t of loaded.values()) t.dispose();
    throw err;
  }
}

/**
 * The look model alone on a still (preview quality; the final quality adds strokes:
 * synth/stylize-still.ts). Returns (1, 3, H, W) in [0, 1].
 */
export async function stylizeFile(model: LookModel, rough: string, passes: Record<string, string> | null, tiling: TilingOptions = {}): Promise<E.Tensor> {
  const inputs = await loadStillInputs(model, rough, passes);
  try {
    return stylizeTensor(model, inputs.rough, inputs.passes, tiling);
  } finally {
    E.disposeAll([inputs.rough, [...(inputs.passes?.values() ?? [])]]);
  }
}

/** (1, 3, H, W) rough frame (+ passes) -> (1, 3, H, W) in [0, 1]; frames above tiling.tileAbove pixels run in tiles. */
export function stylizeTensor(model: LookModel, rough: E.Tensor, passes: Map<string, E.Tensor> | null, tiling: TilingOptions = {}): E.Tensor {
  const t = { ...DEFAULT_TILING, ...tiling };
  const [, , h, w] = rough.shape as [number, number, number, number];
  const precision = modelPrecision(model);
  // A generator on a GPU (loadLookModel's device): the input is built on the CPU, each frame or
  // tile goes there and comes back.
  const device = model.generator.head.weight.device;
  const generate = device === 'cpu'
    ? (x: E.Tensor) => generateFrame(model.generator, x, precision)
    : (x: E.Tensor) => E.tidy(() => generateFrame(model.generator, x.to({ device }), precision).to({ device: 'cpu' }));
  return E.noGrad(() => {
    const input = E.tidy(() => buildInput(model.config, rough, passes));
    try {
      if (h * w <= t.tileAbove) return E.tidy(() => generate(input));
      // runTiled pads to the generator's multiple and keeps tiles on that grid, as generateFrame does.
      return runTiled(generate, input, { tile: t.tile, overlap: t.overlap, multiple: model.generator.multiple });
    } finally {
      input.dispose();
    }
  });
}

/** The precision stylizeTensor runs this model in on this machine (renders record it in their lineage). */
export function modelPrecision(model: LookModel): InferencePrecision {
  return model.generator.bf16 ? inferencePrecision(model.generator.head.weight.device) : 'float32';
}
