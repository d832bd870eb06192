// npm run bench -- upscale: train the production's 2x upscaler on the sample production's concept
// art and character sheets (whole images held out, never trained on) and report its PSNR gain over
// bicubic on the held-out images, plus tiled-vs-whole agreement and speed. Last line: JSON.
// BENCH_UPSCALE_STEPS=<n> sets the training length (default 2000 steps: a fixed count, so the figure
// does not depend on how busy the machine is); BENCH_UPSCALE_BUDGET=<seconds> trains for a time
// instead; BENCH_UPSCALE_SCALE=4 for 4x; BENCH_UPSCALE_CHANNELS / BENCH_UPSCALE_BLOCKS size the network;
// BENCH_UPSCALE_DOWNSCALE=area|bicubic-aa|bicubic how the low-resolution inputs are made (default: the
// trainer's, bicubic-aa), for training and scoring alike. The reference is libtorch's bicubic (Keys
// a = -0.75, the higher-scoring of the two here); the gain over Keys a = -0.5 (sharp's) is reported too.
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import * as E from '../src/engine/index.js';
import { ensureSample, freshProduction } from '../src/demo/pipeline.js';
import { runTrainUpscale, upscaleTrainingFiles } from '../src/jobs/train-upscale.js';
import { loadUpscaleModel, upscaleImage, bicubicUpscale, downscale, upscaleTileOptions } from '../src/models/upscale/index.js';
import { tileMaxAbsDiff } from '../src/render/tiles.js';
import { loadImage, saveImage } from '../src/data/image-io.js';

const out = resolve(process.env.BENCH_OUT ?? 'bench/out');
const steps = Number(process.env.BENCH_UPSCALE_STEPS ?? 2000);
const budget = process.env.BENCH_UPSCALE_BUDGET ? Number(process.env.BENCH_UPSCALE_BUDGET) : null;
const scale = Number(process.env.BENCH_UPSCALE_SCALE ?? 2) as 2 | 4;
const downscaleMode = process.env.BENCH_UPSCALE_DOWNSCALE as 'area' | 'bicubic' | 'bicubic-aa' | undefined;
const log = (m: string) => process.stderr.write(m + '\n');
mkdirSync(join(out, 'upscale'), { recursive: true });

await ensureSample(join(out, 'sample'), log);
const { prod, dataset } = await freshProduction(join(out, 'upscale', 'production'), join(out, 'sample'), log);
let lastLog = 0;
const trained = await runTrainUpscale(prod, { dataset, scale, downscale: downscaleMode, train: { steps, budgetSeconds: budget, evalEvery: 250 },
  arch: { ...(process.env.BENCH_UPSCALE_CHANNELS ? { channels: Number(process.env.BENCH_UPSCALE_CHANNELS) } : {}), ...(process.env.BENCH_UPSCALE_BLOCKS ? { blocks: Number(process.env.BENCH_UPSCALE_BLOCKS) } : {}) } }, (e: any) => {
  if (e.type === 'loaded') log(`  ${e.train} training images, ${e.heldOut} held out (${e.heldOutIds.join(', ')})`);
  else if (e.type === 'eval') log(`  step ${e.step}: held-out ${e.psnr.toFixed(2)} dB vs bicubic ${e.bicubicPsnr.toFixed(2)} dB (gain ${e.gainDb.toFixed(2)} dB)`);
  else if (e.type === 'step' && Date.now() - lastLog > 15000) {
    lastLog = Date.now();
    log(`  step ${e.step}/${e.totalSteps} ${e.seconds.toFixed(0)} s L1 ${e.loss.toFixed(4)}`);
  }
});
const r = trained.result;
log(`trained ${r.steps} steps in ${r.seconds.toFixed(0)} s; held out: ${trained.heldOut.map((h) => h.name).join(', ')}`);
if (!r.heldOut) throw new Error('no held-out images: the bench needs at least 2 images');

// Per held-out image, through the model file as a user would load it; tiled vs whole on the first.
const model = loadUpscaleModel(r.modelPath);
const snapshot = await prod.dataset(dataset);
const files = upscaleTrainingFiles(snapshot).filter((f) => r.heldOutIds.includes(f.id));
const perImage: { name: string; size: string; psnr_gain_db: number }[] = [];
let tile: ReturnType<typeof tileMaxAbsDiff> | null = null;
let upscaleSeconds = 0;
let megapixels = 0;
for (const f of files) {
  const img = await loadImage(f.path);
  E.tidy(() => {
    const hr = img.tensor.narrow(2, 0, img.height - (img.height % scale)).narrow(3, 0, img.width - (img.width % scale));
    const lr = downscale(hr, scale, model.config.downscale);
    const t0 = performance.now();
    const sr = upscaleImage(model.net, lr);
    upscaleSeconds += (performance.now() - t0) / 1000;
    megapixels += sr.numel / 3 / 1e6;
    const bi = bicubicUpscale(lr, scale);
    const { psnr } = { psnr: (a: E.Tensor) => 10 * Math.log10(1 / a.sub(hr).square().mean().item()) };
    perImage.push({ name: f.name, size: `${hr.size(3)}x${hr.size(2)}`, psnr_gain_db: +(psnr(sr) - psnr(bi)).toFixed(3) });
    if (!tile) {
      // The smallest tiles allowed (twice the overlap), so even a 128 px input is cut into several.
      tile = tileMaxAbsDiff((x) => model.net.forward(x), lr, upscaleTileOptions(model.net, 0));
      void saveImage(join(out, 'upscale', 'sheet-bicubic.png'), bi.clone());
      void saveImage(join(out, 'upscale', 'sheet-upscaled.png'), sr.clone());
      // To look at: a centre crop, 3x nearest, bicubic | upscaler | original.
      const n = Math.min(96, hr.size(2), hr.size(3));
      const crop = (t: E.Tensor) => E.F.interpolate(t.narrow(2, (hr.size(2) - n) >> 1, n).narrow(3, (hr.size(3) - n) >> 1, n), { size: [3 * n, 3 * n], mode: 'nearest' });
      const gap = E.ones([1, 3, 3 * n, 6]);
      void saveImage(join(out, 'upscale', 'compare-bicubic-upscaler-original.png'), E.F.cat([crop(bi), gap, crop(sr.clamp(0, 1)), gap, crop(hr)], 3).clone());
    }
  });
  img.tensor.dispose();
}
model.net.dispose();
await prod.close();
const tileDiff = tile as ReturnType<typeof tileMaxAbsDiff> | null;
const result = {
  bench: 'upscale',
  scale,
  arch: model.config.arch,
  downscale: model.config.downscale,
  upscale_psnr_gain_db: +r.heldOut.gainDb.toFixed(3),
  held_out_psnr: +r.heldOut.psnr.toFixed(3),
  held_out_bicubic_psnr: +r.heldOut.bicubicPsnr.toFixed(3),
  gain_over_keys_a05_db: +(r.heldOut.psnr - r.heldOut.keysPsnr).toFixed(3),
  held_out_keys_bicubic_psnr: +r.heldOut.keysPsnr.toFixed(3),
  held_out_images: trained.heldOut.map((h) => h.name),
  train_images: r.trainImages,
  per_image_unshaved: perImage,
  steps: r.steps,
  train_seconds: +r.seconds.toFixed(1),
  tile_max_abs_diff: tileDiff ? +tileDiff.maxAbsDiff.toExponential(2) : null,
  tile_rel_diff: tileDiff ? +tileDiff.relDiff.toExponential(2) : null,
  tiles: tileDiff?.tiles ?? null,
  upscale_mpix_per_s: +(megapixels / Math.max(upscaleSeconds, 1e-9)).toFixed(3),
  model_version: trained.modelVersion,
};
console.log(JSON.stringify(result));
