// A trained model on disk: its weights in safetensors with its config in the metadata, so any
// safetensors reader opens it and Atelier rebuilds the exact network. One mechanism for every kind
// of model (look, upscale, ...); each kind supplies its format name, config parser and builder.
import * as E from '../engine/index.js';
import type { Module } from './module.js';

export function saveModelFile(path: string, format: string, config: unknown, weights: Map<string, E.Tensor>, extra: Record<string, string> = {}): void {
  E.saveSafetensors(path, weights, { ...extra, format, config: JSON.stringify(config) });
}

/**
 * Loads a model file of the given format: checks the metadata, parses the config, builds the
 * module and loads its weights (in eval mode). label names the kind in errors ("look model").
 */
export function loadModelFile<C, M extends Module>(
  path: string, format: string, label: string,
  parse: (json: string, source: string) => C, build: (config: C) => M,
): { config: C; module: M; metadata: Record<string, string> } {
  const { tensors, metadata } = E.loadSafetensors(path);
  try {
    if (metadata.format !== format || typeof metadata.config !== 'string') {
      throw new Error(`${path}: not an Atelier ${label} (no ${label} config in its metadata${metadata.format ? `; format is ${metadata.format}` : ''})`);
    }
    const config = parse(metadata.config, path);
    const module = build(config);
    try {
      module.loadStateDict(tensors);
    } catch (err) {
      module.dispose();
      throw new Error(`${path}: ${(err as Error).message}`);
    }
    module.eval();
    return { config, module, metadata };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
