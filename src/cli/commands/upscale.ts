// atelier train upscale: train the production's upscaler on its own full-resolution art;
// atelier upscale: upscale one image with it (tiled, any size).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, extname, join, dirname, resolve } from 'node:path';
import { printResult } from '../output.js';
import { cancelOnSigint } from '../cancel.js';
import { ProgressBar, fmt, parseDuration } from '../progress.js';
import { common, integer, positiveNumber, withProduction, openProductionForModel, type CommonOpts } from './store-common.js';
import { sha256File, type Production } from '../../store/index.js';
import { runTrainUpscale, resolveUpscaleModel } from '../../jobs/train-upscale.js';
import { upscaleImage, checkUpscaleSize, DOWNSCALE_MODES, DEFAULT_ARCH, DEFAULT_TRAIN, type DownscaleMode, type UpscaleTrainEvent } from '../../models/upscale/index.js';
import { saveImage } from '../../data/image-io.js';
import { defaultColourContext, type ColourContext } from '../../data/colour.js';
import { loadWorkingImage, workingToImage } from '../../data/working-space.js';
import { productionColour } from '../../store/colour-settings.js';

function downscaleArg(v: string): DownscaleMode {
  if (!(DOWNSCALE_MODES as readonly string[]).includes(v)) throw new Error(`--downscale must be ${DOWNSCALE_MODES.join(', ')}, got ${v}`);
  return v as DownscaleMode;
}

function scaleArg(v: string): 2 | 4 {
  if (v !== '2' && v !== '4') throw new Error(`--scale must be 2 or 4, got ${v}`);
  return Number(v) as 2 | 4;
}

function reporter(json: boolean, label: string): { onEvent: (e: unknown) => void; done(): void } {
  const bar = new ProgressBar(label, 1);
  let lastEval = '';
  return {
    onEvent: (raw) => {
      if (json) return;
      const e = raw as UpscaleTrainEvent;
      if (e.type === 'loaded') bar.log(`${label}: ${e.train} training images, ${e.heldOut} held out for scoring${e.heldOut ? ` (${e.heldOutIds.join(', ')})` : ''}`);
      else if (e.type === 'step') {
        bar.total = e.totalSteps;
        bar.update(e.step, `L1 ${e.loss.toFixed(4)}${lastEval}`, e.seconds);
      } else if (e.type === 'eval') lastEval = ` held-out ${e.psnr.toFixed(2)} dB (bicubic ${e.bicubicPsnr.toFixed(2)}, ${e.gainDb >= 0 ? '+' : ''}${e.gainDb.toFixed(2)} dB)`;
    },
    done: () => bar.done(),
  };
}

export function registerUpscale(program: Command): void {
  const train = program.commands.find((c) => c.name() === 'train')
    ?? program.command('train').description('Train models on the production\'s own data (no pretrained weights).');

  common(train.command('upscale')
    .description('Train the production\'s upscaler on its own full-resolution concept art and character sheets.')
    .requiredOption('--dataset <name>', 'dataset snapshot to train on (its concept art and character sheets)')
    .option('--scale <n>', 'upscaling factor: 2 or 4 (default 2)', scaleArg)
    .option('--downscale <mode>', 'how training inputs are made: bicubic-aa (antialiased bicubic, as sharp/PIL resize; default), area, bicubic', downscaleArg)
    .option('--steps <n>', `training steps (default ${DEFAULT_TRAIN.steps})`, integer)
    .option('--budget <duration>', 'train for about this long instead of a step count, e.g. 3m', parseDuration)
    .option('--seed <n>', 'random seed (same seed, same data, same machine: same model)', integer)
    .option('--batch <n>', `patches per step (default ${DEFAULT_TRAIN.batchSize})`, integer)
    .option('--patch <px>', `high-resolution patch size (default ${DEFAULT_TRAIN.patchSize})`, integer)
    .option('--lr <rate>', `learning rate (default ${DEFAULT_TRAIN.lr})`, positiveNumber)
    .option('--channels <n>', `network width (default ${DEFAULT_ARCH.channels})`, integer)
    .option('--blocks <n>', `residual blocks (default ${DEFAULT_ARCH.blocks})`, integer)
    .option('--hold-out <image...>', 'score on these images (asset id such as asset-000012, or file name) instead of a quarter chosen evenly; they are never trained on'))
    .addHelpText('after', `
Self-supervised: random patches of the production's own art are downscaled and the network learns
to restore them. Whole images (about a quarter, or those --hold-out names) are held out and never trained on; the model
version's metrics report PSNR on them against bicubic (held_out_psnr_gain_db).

Examples:
  atelier train upscale --dataset look-v1 --budget 3m
  atelier upscale frame.png --model 7 -o frame.2x.png`)
    .action(async (o: CommonOpts & { dataset: string; scale?: 2 | 4; downscale?: DownscaleMode; steps?: number; budget?: number; seed?: number; batch?: number; patch?: number; lr?: number; channels?: number; blocks?: number; holdOut?: string[] }) => {
      const rep = reporter(!!o.json, 'train upscale');
      const sig = cancelOnSigint();
      try {
        const r = await withProduction(o, (prod) => runTrainUpscale(prod, {
          dataset: o.dataset, scale: o.scale, downscale: o.downscale, ...(o.holdOut ? { heldOut: o.holdOut } : {}),
          train: {
            ...(o.steps !== undefined ? { steps: o.steps } : {}), ...(o.budget !== undefined ? { budgetSeconds: o.budget } : {}),
            ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.batch !== undefined ? { batchSize: o.batch } : {}),
            ...(o.patch !== undefined ? { patchSize: o.patch } : {}), ...(o.lr !== undefined ? { lr: o.lr } : {}),
          },
          arch: { ...(o.channels !== undefined ? { channels: o.channels } : {}), ...(o.blocks !== undefined ? { blocks: o.blocks } : {}) },
        }, rep.onEvent, sig.cancelled));
        rep.done();
        const h = r.result.heldOut;
        printResult(!!o.json, r, () => [
          `model version #${r.modelVersion} (upscale ${r.scale}x) trained on dataset ${r.dataset.name}`,
          `  ${r.result.steps} steps in ${fmt(r.result.seconds)} on ${r.result.trainImages} images`,
          h ? `  held-out (${r.heldOut.map((x) => x.name).join(', ')}): ${h.psnr.toFixed(2)} dB vs bicubic ${h.bicubicPsnr.toFixed(2)} dB (${h.gainDb >= 0 ? '+' : ''}${h.gainDb.toFixed(2)} dB)`
            : '  no held-out images (fewer than 2 images): not scored',
          `  model: ${r.result.modelPath}`,
          `next: atelier upscale <image> --model ${r.modelVersion}`,
        ].join('\n'));
      } finally {
        rep.done();
        sig.dispose();
      }
    });

  program.command('upscale')
    .description('Upscale one image with the production\'s upscaler (tiled: any size).')
    .argument('<image>', 'image to upscale (PNG, JPEG, TIFF, WebP)')
    .option('--model <version|file>', 'model version number or .safetensors file (default: the production\'s newest upscaler)')
    .option('-o, --output <file>', 'output PNG (default: <image>.<scale>x.png next to the image)')
    .option('--tile <px>', 'tile size in input pixels (default 256; smaller uses less memory)', integer)
    .option('--bits <n>', '8 or 16-bit PNG', '8')
    .option('--passes <n>', 'network passes: 8 averages the eight flips and rotations (default; +0.19 dB held out), 1 is 8x faster', '8')
    .option('--production <dir>', 'the production (to find model versions and record lineage)')
    .option('--json', 'print one JSON document')
    .action(async (image: string, o: { model?: string; output?: string; tile?: number; bits: string; passes: string; production?: string; json?: boolean }) => {
      if (!existsSync(image)) throw new Error(`${image}: no such file`);
      if (o.passes !== '1' && o.passes !== '8') throw new Error(`--passes must be 1 or 8, got ${o.passes}`);
      if (o.bits !== '8' && o.bits !== '16') throw new Error(`--bits must be 8 or 16, got ${o.bits}`);
      if (o.tile !== undefined && o.tile < 16) throw new Error(`--tile must be at least 16 pixels, got ${o.tile}`);
      let prod: Production | null = null;
      try {
        prod = await openProductionForModel(o.production, o.model);
        const { model, version, path } = await resolveUpscaleModel(prod, o.model);
        const s = model.config.scale;
        const t0 = Date.now();
        // In the production's working space (resolveUpscaleModel refused an upscaler of another; a model
        // file alone: the space it records, in the built-in config); written in the image space.
        const colour: ColourContext = prod ? await productionColour(prod) : { ...defaultColourContext(), working: model.workingSpace };
        const img = await loadWorkingImage(image, 3, colour);
        checkUpscaleSize(img.width, img.height, image);
        const working = upscaleImage(model.net, img.tensor, o.tile ?? 256, Number(o.passes) as 1 | 8);
        img.tensor.dispose();
        const out = workingToImage(working, colour);
        working.dispose();
        const target = resolve(o.output ?? join(dirname(image), `${basename(image, extname(image))}.${s}x.png`));
        await saveImage(target, out, Number(o.bits) as 8 | 16);
        out.dispose();
        model.net.dispose();
        const seconds = (Date.now() - t0) / 1000;
        let renderId: number | null = null;
        if (prod && version !== null) {
          renderId = await prod.recordRenderedFrame({ path: target, modelVersion: version, inputHashes: { image: sha256File(image) }, params: { command: 'upscale', scale: s, tile: o.tile ?? 256, passes: Number(o.passes) } });
        }
        printResult(!!o.json, { output: target, model: version ?? path, scale: s, width: img.width * s, height: img.height * s, seconds, lineageRecord: renderId }, () =>
          `${target} (${img.width}x${img.height} -> ${img.width * s}x${img.height * s}, model ${version !== null ? '#' + version : path}, ${seconds.toFixed(1)} s)${renderId !== null ? `; lineage: atelier lineage ${target}` : ''}`);
      } finally {
        await prod?.close();
      }
    });
}
