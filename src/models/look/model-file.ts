// A trained look model on disk: generator weights in safetensors with the config in its metadata,
// so any safetensors reader opens it and Atelier can rebuild the exact network and preprocessing.
import * as E from '../../engine/index.js';
import { type LookConfig, inputChannels, parseConfig } from './config.js';
import { LookGenerator } from './generator.js';

export interface LookModel { config: LookConfig; generator: LookGenerator; metadata: Record<string, string> }

export function saveLookModel(path: string, config: LookConfig, weights: Map<string, E.Tensor>, extra: Record<string, string> = {}): void {
  E.saveSafetensors(path, weights, { ...extra, format: 'atelier-look', config: JSON.stringify(config) });
}

export function loadLookModel(path: string): LookModel {
  const { tensors, metadata } = E.loadSafetensors(path);
  try {
    if (metadata.format !== 'atelier-look' || typeof metadata.config !== 'string') {
      throw new Error(`${path}: not an Atelier look model (no look config in its metadata)`);
    }
    const config = parseConfig(metadata.config, path);
    const generator = new LookGenerator(inputChannels(config), config.arch);
    try {
      generator.loadStateDict(tensors);
    } catch (err) {
      generator.dispose();
      throw new Error(`${path}: ${(err as Error).message}`);
    }
    generator.eval();
    return { config, generator, metadata };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
