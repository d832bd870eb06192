// A trained look model on disk (see nn/model-file.ts): generator weights, config in the metadata.
import * as E from '../../engine/index.js';
import { saveModelFile, loadModelFile } from '../../nn/model-file.js';
import { type LookConfig, inputChannels, parseConfig } from './config.js';
import { LookGenerator } from './generator.js';

export interface LookModel { config: LookConfig; generator: LookGenerator; metadata: Record<string, string> }

export function saveLookModel(path: string, config: LookConfig, weights: Map<string, E.Tensor>, extra: Record<string, string> = {}): void {
  saveModelFile(path, 'atelier-look', config, weights, extra);
}

export function loadLookModel(path: string): LookModel {
  const { config, module, metadata } = loadModelFile(path, 'atelier-look', 'look model', parseConfig, (c) => new LookGenerator(inputChannels(c), c.arch));
  return { config, generator: module, metadata };
}
