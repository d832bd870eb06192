// A render's temporal state kept after a frame range, so the next range of the same shot with the
// same model and settings continues from it instead of pushing pre-roll frames again. A farm
// worker's job thread keeps one (render-jobs.ts): one worker taking a shot's chunks in order then
// renders them like one range. The frames are the same either way (a whole render is exactly this
// sequence); only the pre-roll work is saved.
import type { TemporalBlender } from './coherence.js';
import type { StrokeSequence } from '../synth/stroke-sequence.js';
import type { LookModel } from '../models/look/model-file.js';

export interface RenderState {
  /** What the frames depend on: production, shot and its inputs, model, settings (render-shot.ts). */
  key: string;
  /** The loaded model itself (the same weights, not only the same version number). */
  model: LookModel;
  /** The frame the state continues into: the last frame pushed + 1. */
  next: number;
  blender: TemporalBlender;
  strokes: StrokeSequence | null;
  /** Lets go of what the strokes read and others share (the exemplar bank: exemplar-bank.ts). */
  release?: () => void;
}

export class CarryOver {
  #kept: RenderState | null = null;

  /** Whether the kept state continues into `first` under `key` and `model` (it stays kept). */
  continues(key: string, model: LookModel, first: number): boolean {
    const k = this.#kept;
    return !!k && k.key === key && k.model === model && k.next === first;
  }

  /** The kept state if it continues into `first` under `key` and `model`; anything else kept is dropped. */
  take(key: string, model: LookModel, first: number): RenderState | null {
    const k = this.#kept;
    this.#kept = null;
    if (k && k.key === key && k.model === model && k.next === first) return k;
    if (k) dropState(k);
    return null;
  }

  keep(state: RenderState): void {
    this.clear();
    this.#kept = state;
  }

  clear(): void {
    if (this.#kept) dropState(this.#kept);
    this.#kept = null;
  }
}

export function dropState(s: RenderState): void {
  s.blender.dispose();
  s.strokes?.dispose();
  s.release?.();
}
