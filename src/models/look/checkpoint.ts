// Training checkpoints: every tensor of the run (generator, discriminator, both optimizers, the best
// weights so far) in one safetensors file, and the run's counters and generator state in its
// metadata. Written atomically, so a SIGKILL leaves the previous checkpoint intact.
import { existsSync } from 'node:fs';
import * as E from '../../engine/index.js';
import type { LookConfig } from './config.js';

export interface EvalRecord { step: number; seconds: number; psnr: number }
export interface LossRecord { step: number; seconds: number; total: number; l1: number; feature: number; gram: number; adv: number; disc: number; gradNorm: number; lr: number }

export interface RunState {
  step: number;
  totalSteps: number;
  seconds: number;
  /** Estimated floating-point operations so far (from layer shapes). */
  flops: number;
  optGSteps: number;
  optDSteps: number;
  /** The first step with the adversarial term (absent: not reached yet, or a run from before it was recorded). */
  advFrom?: number;
  bestStep: number;
  bestPsnr: number;
  badEvals: number;
  evals: EvalRecord[];
  losses: LossRecord[];
}

export interface Checkpoint { config: LookConfig; state: RunState; rng: Uint8Array; tensors: Map<string, E.Tensor> }

export function saveCheckpoint(path: string, c: Checkpoint): void {
  E.saveSafetensors(path, c.tensors, {
    format: 'atelier-look-checkpoint',
    config: JSON.stringify(c.config),
    state: JSON.stringify(c.state),
    rng: Buffer.from(c.rng).toString('base64'),
  });
}

export function loadCheckpoint(path: string): Checkpoint | null {
  if (!existsSync(path)) return null;
  const { tensors, metadata } = E.loadSafetensors(path);
  if (metadata.format !== 'atelier-look-checkpoint' || !metadata.state || !metadata.config || !metadata.rng) {
    for (const t of tensors.values()) t.dispose();
    throw new Error(`${path}: not an Atelier look checkpoint`);
  }
  return {
    config: JSON.parse(metadata.config) as LookConfig,
    state: JSON.parse(metadata.state) as RunState,
    rng: new Uint8Array(Buffer.from(metadata.rng, 'base64')),
    tensors,
  };
}

/** Entries of `all` whose name starts with prefix, with the prefix removed. */
export function withPrefix(all: Map<string, E.Tensor>, prefix: string): Map<string, E.Tensor> {
  const out = new Map<string, E.Tensor>();
  for (const [k, t] of all) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), t);
  return out;
}

export function prefixed(entries: Map<string, E.Tensor>, prefix: string, into: Map<string, E.Tensor>): void {
  for (const [k, t] of entries) into.set(prefix + k, t);
}
