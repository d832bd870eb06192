// Trainer events as a progress bar with losses and held-out PSNR (silent with --json).
import { ProgressBar } from './progress.js';
import type { TrainEvent } from '../models/look/train.js';

/** Renders trainer events as a progress bar (or nothing with --json, which prints only the result). */
export function trainReporter(json: boolean, label: string): { onEvent: (e: unknown) => void; done(): void } {
  const bar = new ProgressBar(label, 1);
  let lastEval = '';
  return {
    onEvent: (raw) => {
      if (json) return;
      const e = raw as TrainEvent;
      if (e.type === 'loaded') bar.log(`${label}: ${e.trainPairs} paintover pairs, ${e.heldOut} held out for early stopping, ${e.concepts} concept images${e.resumedAt !== null ? `; resuming at step ${e.resumedAt}` : ''}`);
      else if (e.type === 'step') {
        bar.total = e.totalSteps;
        bar.update(e.step, `loss ${e.loss.total.toFixed(3)} (L1 ${e.loss.l1.toFixed(3)})${lastEval}`, e.seconds);
      } else if (e.type === 'eval') lastEval = ` held-out ${e.psnr.toFixed(2)} dB (best ${e.best.toFixed(2)})`;
      else if (e.type === 'sample') bar.log(`sample sheet: ${e.path}`);
    },
    done: () => bar.done(),
  };
}

