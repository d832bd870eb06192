// atelier train look | keyframes: train the production's look model, or adapt it to a shot.
import type { Command } from 'commander';
import { printResult } from '../output.js';
import { cancelOnSigint } from '../cancel.js';
import { fmt, parseDuration } from '../progress.js';
import { trainReporter } from '../train-reporter.js';
import { common, integer, positiveNumber, withProduction, type CommonOpts, DEVICE_OPTION } from './store-common.js';
import { runTrainLook } from '../../jobs/train-look.js';
import { runTrainKeyframes } from '../../jobs/train-keyframes.js';

export function registerTrain(program: Command): void {
  const train = program.command('train').description('Train models on the production\'s own data (no pretrained weights).');

  common(train.command('look')
    .description('Train the production\'s look model on a dataset snapshot (paintover pairs + concept art).')
    .requiredOption('--dataset <name>', 'dataset snapshot to train on (see `atelier dataset ls`)')
    .option(...DEVICE_OPTION)
    .option('--steps <n>', 'training steps (default 2000)', integer)
    .option('--budget <duration>', 'train for about this long instead of a step count, e.g. 10m, 2h', parseDuration)
    .option('--seed <n>', 'random seed (same seed, same data, same machine: same model, bit for bit)', integer)
    .option('--batch <n>', 'patches per step (default 8)', integer)
    .option('--patch <px>', 'patch size in pixels (default 64)', integer)
    .option('--lr <rate>', 'learning rate (default 4e-4)', positiveNumber)
    .option('--channels <n>', 'generator width: channels of its first layer (default 24)', integer)
    .option('--checkpoint-every <n>', 'steps between checkpoints (default 100)', integer)
    .option('--eval-every <n>', 'steps between held-out evaluations (default 100)', integer)
    .option('--resume [run]', 'continue the latest run of this dataset (or the given run folder) exactly where it stopped; a run that finished as a model version is refused (exit 1)'))
    .addHelpText('after', `
Writes runs/look-<dataset>-<time>/ in the production: config.json, checkpoint.safetensors (every
100 steps), history.json (losses, held-out PSNR), samples/step-*.png (rough | output | target) and
model.safetensors, then registers the model as a new model version with its lineage.
Ctrl-C stops after the current step and writes a checkpoint, registers nothing and exits 130;
--resume continues the run from there. A second Ctrl-C quits at once (back to the last checkpoint).

Examples:
  atelier train look --dataset look-v1 --budget 10m
  atelier train look --dataset look-v1 --resume`)
    .action(async (o: CommonOpts & { dataset: string; steps?: number; budget?: number; seed?: number; batch?: number; patch?: number; lr?: number; channels?: number; checkpointEvery?: number; evalEvery?: number; resume?: boolean | string }) => {
      const rep = trainReporter(!!o.json, 'train look');
      const sig = cancelOnSigint();
      try {
        const r = await withProduction(o, (prod) => runTrainLook(prod, {
          dataset: o.dataset, resume: o.resume,
          train: {
            ...(o.steps !== undefined ? { steps: o.steps } : {}), ...(o.budget !== undefined ? { budgetSeconds: o.budget } : {}),
            ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.batch !== undefined ? { batchSize: o.batch } : {}),
            ...(o.patch !== undefined ? { patchSize: o.patch } : {}), ...(o.lr !== undefined ? { lr: o.lr } : {}),
            ...(o.checkpointEvery !== undefined ? { checkpointEvery: o.checkpointEvery } : {}), ...(o.evalEvery !== undefined ? { evalEvery: o.evalEvery } : {}),
          },
          arch: o.channels !== undefined ? { baseChannels: o.channels } : undefined,
        }, rep.onEvent, sig.cancelled));
        rep.done();
        printResult(!!o.json, r, () => [
          `model version #${r.modelVersion} (look) trained on dataset ${r.dataset.name}`,
          `  ${r.result.steps} steps in ${fmt(r.result.seconds)} (${r.result.trainGflops} GFLOP/s)${r.result.stoppedEarly ? ', stopped early: held-out PSNR stopped improving' : ''}`,
          r.result.heldOutPsnr !== null ? `  held-out PSNR ${r.result.heldOutPsnr.toFixed(2)} dB on ${r.result.heldOutPairs} pairs (best at step ${r.result.bestStep})` : '  no held-out pairs (fewer than 4 paintover pairs): no early stopping',
          `  model: ${r.result.modelPath}`,
          `  samples: ${r.result.samples.at(-1) ?? '-'}`,
          `next: atelier stylize <rough.png> --model ${r.modelVersion}`,
        ].join('\n'));
      } finally {
        rep.done();
        sig.dispose();
      }
    });

  common(train.command('keyframes')
    .description('Adapt the look model to one shot\'s painted keyframes (about 90 s on 2 cores).')
    .argument('<shot>', 'shot name')
    .option('--model <version>', 'look model to start from (default: the production\'s newest look model)')
    .option('--from-scratch', 'start from random weights instead of the look model')
    .option(...DEVICE_OPTION)
    .option('--budget <duration>', 'training time (default 90s)', parseDuration)
    .option('--seed <n>', 'random seed', integer))
    .action(async (shot: string, o: CommonOpts & { model?: string; fromScratch?: boolean; budget?: number; seed?: number }) => {
      const rep = trainReporter(!!o.json, `train keyframes ${shot}`);
      const sig = cancelOnSigint();
      try {
        const r = await withProduction(o, (prod) => runTrainKeyframes(prod, { shot, model: o.fromScratch ? null : o.model, budgetSeconds: o.budget, seed: o.seed }, rep.onEvent, sig.cancelled));
        rep.done();
        printResult(!!o.json, r, () => [
          `model version #${r.modelVersion} (look-keyframes) for shot ${shot}, from ${r.baseModel !== null ? `look model #${r.baseModel}` : 'scratch'}`,
          `  keyframes ${r.keyframes.join(', ')}; ${r.result.steps} steps in ${fmt(r.result.seconds)} (${r.result.trainGflops} GFLOP/s)`,
          `  model: ${r.result.modelPath}`,
          `next: atelier render ${shot}   (a shot renders with the newest of the production's look models and its own keyframe models)`,
        ].join('\n'));
      } finally {
        rep.done();
        sig.dispose();
      }
    });
}
