// Colour images into a production's working space: the one conversion that training (paintings,
// rough frames, concept art) and rendering (rough frames) share, so a model sees at render time the
// same encoding of colour it learnt from. Passes are data and are not read through here.
import * as E from '../engine/index.js';
import { loadImage, type LoadedImage } from './image-io.js';
import { colourSpace, convertColour, SPACE, type ColourContext } from './colour.js';

/**
 * Loads a colour image (1, C, H, W) into the context's working space: OCIO from its recorded colour
 * space (the asset's or the shot's), else the file's own (an EXR header), else the context's
 * default for its kind of file (image_color_space / exr_color_space). channels 3 drops alpha, 'keep'
 * keeps it (straight). Without a context the image is taken as it is (8/16-bit values as sRGB).
 */
export async function loadWorkingImage(path: string, channels: 3 | 'keep', colour: ColourContext | undefined, recorded?: string | null): Promise<LoadedImage> {
  return loadImage(path, channels, colour ? { colour, ...(recorded ? { from: recorded } : {}) } : {});
}

/** loadWorkingImage's tensor alone. */
export async function loadWorkingTensor(path: string, colour: ColourContext | undefined, recorded?: string | null): Promise<E.Tensor> {
  return (await loadWorkingImage(path, 3, colour, recorded)).tensor;
}

/** The working space images of this context are read into, by the config's own name (what a model
 *  trained on them records); without a context, sRGB - Texture (8-bit values as they are). */
export function workingSpaceOf(colour: ColourContext | undefined): string {
  return colour ? colourSpace(colour.config, colour.working) : SPACE.srgbTexture;
}

/** A (1, C, H, W) colour tensor (C 3 or 4, alpha straight and carried) from one colour space of
 *  the context's config to another, as a new tensor; the same tensor's values when the spaces are one. */
export function convertTensor(t: E.Tensor, colour: ColourContext, from: string, to: string): E.Tensor {
  const [c, h, w] = t.shape.slice(-3) as [number, number, number];
  const flat = E.tidy(() => t.detach().to('float32').contiguous().data()) as Float32Array;
  const planes = Array.from({ length: c }, (_, i) => flat.slice(i * h * w, (i + 1) * h * w));
  convertColour(colour.config, from, to, planes, w, h);
  const all = new Float32Array(c * h * w);
  planes.forEach((p, i) => all.set(p, i * h * w));
  return E.tensor(all, [1, c, h, w]);
}

/** A working-space tensor in the context's image space (what 8/16-bit files and sheets hold), as a
 *  new tensor. */
export function workingToImage(t: E.Tensor, colour: ColourContext): E.Tensor {
  return convertTensor(t, colour, colour.working, colour.image ?? SPACE.srgbTexture);
}

/** The metadata key under which a model file (look model, upscaler) records the working space it
 *  was trained in, and the space of files from before it was recorded (trained on images as loaded
 *  without a colour context). */
export const MODEL_WORKING_SPACE_KEY = 'working_color_space';
export const LEGACY_MODEL_WORKING_SPACE: string = SPACE.srgbTexture;

/**
 * Refuses a model (`label`: "look model #3", "upscaler #7") trained in `recorded`, another working
 * space than the context's. Converting its input into the model's space would run, but its output
 * would then not be in the space the rest of the production assumes, and what a network learnt on
 * one encoding of colour is not the same on another: the model is retrained in the production's space.
 */
export function checkWorkingSpace(recorded: string, colour: ColourContext, label: string): void {
  const cfg = colour.config;
  const want = workingSpaceOf(colour);
  let have: string;
  try { have = colourSpace(cfg, recorded); } catch {
    throw new Error(`${label} was trained in working colour space "${recorded}", which the production's OCIO config (${cfg.label}) does not have; the production works in "${want}" (setting working_color_space): retrain the model in this production`);
  }
  if (have !== want) {
    throw new Error(`${label} was trained in working colour space "${have}" but the production works in "${want}" (setting working_color_space): retrain the model in "${want}", or set working_color_space to "${have}"`);
  }
}
