// A trained look model on disk (see nn/model-file.ts): generator weights, config in the metadata,
// and the working colour space it was trained in (working_color_space; files from before it was
// recorded were trained on images as loaded without a colour context: 'sRGB - Texture').
import * as E from '../../engine/index.js';
import { saveModelFile, loadModelFile } from '../../nn/model-file.js';
import type { ColourContext } from '../../data/colour.js';
import { checkWorkingSpace, LEGACY_MODEL_WORKING_SPACE, MODEL_WORKING_SPACE_KEY } from '../../data/working-space.js';
import { type LookConfig, inputChannels, parseConfig } from './config.js';
import { LookGenerator } from './generator.js';

export interface LookModel { config: LookConfig; generator: LookGenerator; metadata: Record<string, string>; workingSpace: string }

export const WORKING_SPACE_KEY = MODEL_WORKING_SPACE_KEY;
/** The space of models trained before it was recorded (and of training without a colour context). */
export const LEGACY_WORKING_SPACE: string = LEGACY_MODEL_WORKING_SPACE;

/** extra.working_color_space names the space the model was trained in (default sRGB - Texture). */
export function saveLookModel(path: string, config: LookConfig, weights: Map<string, E.Tensor>, extra: Record<string, string> = {}): void {
  const space = extra[WORKING_SPACE_KEY] ?? LEGACY_WORKING_SPACE;
  if (typeof space !== 'string' || space.trim() === '') throw new TypeError(`${WORKING_SPACE_KEY} must name a colour space, got ${JSON.stringify(space)}`);
  saveModelFile(path, 'atelier-look', config, weights, { ...extra, [WORKING_SPACE_KEY]: space });
}

/**
 * o.device: where the generator runs (default the CPU): stylizeTensor takes frames from the CPU and
 * gives them back there. (Production code loads through resolveLookModel, on computeDevice().)
 */
export function loadLookModel(path: string, o: { device?: E.Device } = {}): LookModel {
  const { config, module, metadata } = loadModelFile(path, 'atelier-look', 'look model', parseConfig, (c) => new LookGenerator(inputChannels(c), c.arch));
  if (o.device && o.device !== 'cpu') module.to(o.device);
  return { config, generator: module, metadata, workingSpace: metadata[WORKING_SPACE_KEY] || LEGACY_WORKING_SPACE };
}

/**
 * Refuses a model trained in another working space than the production's. Converting the frames
 * into the model's space would run, but its output would then not be in the space the production's
 * stroke exemplars, upscaler and outputs assume, and a look learnt on one encoding of colour is not
 * the same look on another: the model is retrained in the production's space instead.
 */
export function checkModelWorkingSpace(model: Pick<LookModel, 'workingSpace'>, colour: ColourContext, label: string): void {
  checkWorkingSpace(model.workingSpace, colour, label);
}
