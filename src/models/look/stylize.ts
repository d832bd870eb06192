// Inference: one rough frame (and its passes) through a trained look model.
import * as E from '../../engine/index.js';
import { loadImage } from '../../data/image-io.js';
import type { LookModel } from './model-file.js';
import { buildInput } from './inputs.js';
import { generateFrame } from './generator.js';

/**
 * rough: image file; passes: pass name -> file, for the model's guides. Without passes (a layout
 * or concept still) the model runs in its no-guides mode, as for concept art in training.
 * Returns (1, 3, H, W) in [0, 1].
 */
export async function stylizeFile(model: LookModel, rough: string, passes: Record<string, string> | null): Promise<E.Tensor> {
  const img = await loadImage(rough, 3);
  const loaded = new Map<string, E.Tensor>();
  try {
    if (passes) {
      for (const g of model.config.guides) {
        const file = passes[g.name];
        if (!file) throw new Error(`this model needs the "${g.name}" render pass (it was trained with ${model.config.guides.map((x) => x.name).join(', ')}); give it with --pass ${g.name}=FILE, or none to stylize without guides`);
        loaded.set(g.name, (await loadImage(file, g.channels === 1 ? 1 : 3)).tensor);
      }
    }
    return stylizeTensor(model, img.tensor, passes ? loaded : null);
  } finally {
    img.tensor.dispose();
    for (const t of loaded.values()) t.dispose();
  }
}

export function stylizeTensor(model: LookModel, rough: E.Tensor, passes: Map<string, E.Tensor> | null): E.Tensor {
  return E.noGrad(() => E.tidy(() => generateFrame(model.generator, buildInput(model.config, rough, passes))));
}
