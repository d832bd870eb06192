// npm run bench -- upscale: train the production's 2x upscaler on the sample production's concept
// art and character sheets (whole images held out, never trained on) and report its PSNR gain over
// bicubic on the held-out images, plus tiled-vs-whole agreement and speed. Last line: JSON.
// BENCH_UPSCALE_STEPS=<n> sets the training length (default: the trainer's own, as `atelier train
// upscale` runs it; a fixed count, so the figure does not depend on how busy the machine is);
// BENCH_UPSCALE_BUDGET=<seconds> trains for a time
// instead; BENCH_UPSCALE_SCALE=4 for 4x; BENCH_UPSCALE_CHANNELS / BENCH_UPSCALE_BLOCKS size the network;
// BENCH_UPSCALE_DOWNSCALE=area|bicubic-aa|bicubic how the low-resolution inputs are made (default: the
// trainer's, bicubic-aa), for training and scoring alike. The reference is libtorch's bicubic (Keys
// a = -0.75, the higher-scoring of the two here); the gain over Keys a = -0.5 (sharp's) is reported too.
// The upscaler runs as `atelier upscale` does (the 8-way self-ensemble, DEFAULT_ENSEMBLE); one pass's
// gain and both speeds are reported too.
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import * as E from '../src/engine/index.js';
import { ensureSample, freshProduction } from '../src/demo/pipeline.js';
import { runTrainUpscale, upscaleTrainingFiles } from '../src/jobs/train-upscale.js';
import { loadUpscaleModel, upscaleImage, bicubicUpscale, downscale, upscaleTileOptions, DEFAULT_TRAIN, DEFAULT_ENSEMBLE } from '../src/models/upscale/index.js';
import { tileMaxAbsDiff } from '../src/render/tiles.js';
import { loadImage, saveImage } from '../src/data/image-io.js';

const out = resolve(process.env.BENCH_OUT ?? 'bench/out');
const steps = Number(process.env.BENCH_UPSCALE_STEPS ?? DEFAULT_TRAIN.steps);
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
const perImage: { name: string; size: string; psnr_gain_db: number; one_pass_psnr_gain_db: number }[] = [];
let tile: ReturnType<typeof tileMaxAbsDiff> | null = null;
let upscaleSeconds = 0;
let onePassSeconds = 0;
let megapixels = 0;
// The tile check on the widest held-out image, so that even the smallest tiles allowed cut it.
const widths = new Map<typeof files[number], number>();
for (const f of files) {
  const im = await loadImage(f.path);
  widths.set(f, im.width);
  im.tensor.dispose();
}
const widest = [...widths].sort((a, b) => b[1] - a[1])[0]?.[0];
// PSNR with `scale` pixels shaved off each side, as the trainer scores (train.ts, shavedPsnr).
const shaved = (a: E.Tensor, hr: E.Tensor) => E.tidy(() => {
  const c = (t: E.Tensor) => t.narrow(2, scale, t.size(2) - 2 * scale).narrow(3, scale, t.size(3) - 2 * scale);
  return 10 * Math.log10(1 / c(a).sub(c(hr)).square().mean().item());
});
let onePassGain = 0;
for (const f of files) {
  const img = await loadImage(f.path);
  E.tidy(() => {
    const hr = img.tensor.narrow(2, 0, img.height - (img.height % scale)).narrow(3, 0, img.width - (img.width % scale));
    const lr = downscale(hr, scale, model.config.downscale);
    let t0 = performance.now();
    const sr = upscaleImage(model.net, lr);
    upscaleSeconds += (performance.now() - t0) / 1000;
    t0 = performance.now();
    const one = upscaleImage(model.net, lr, 256, 1);
    onePassSeconds += (performance.now() - t0) / 1000;
    megapixels += sr.numel / 3 / 1e6;
    const bi = bicubicUpscale(lr, scale);
    const { psnr } = { psnr: (a: E.Tensor) => 10 * Math.log10(1 / a.sub(hr).square().mean().item()) };
    onePassGain += (shaved(one, hr) - shaved(bi, hr)) / files.length;
    perImage.push({ name: f.name, size: `${hr.size(3)}x${hr.size(2)}`, psnr_gain_db: +(psnr(sr) - psnr(bi)).toFixed(3), one_pass_psnr_gain_db: +(psnr(one) - psnr(bi)).toFixed(3) });
    if (f === widest) {
      // The smallest tiles allowed (twice the overlap), so the input is cut into several.
      tile = tileMaxAbsDiff((x) => model.net.forward(x), lr, upscaleTileOptions(model.net, 0));
    }
    if (f === files[0]) {
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
  ensemble: DEFAULT_ENSEMBLE,
  one_pass_gain_db: +onePassGain.toFixed(3),
  upscale_mpix_per_s: +(megapixels / Math.max(upscaleSeconds, 1e-9)).toFixed(3),
  one_pass_mpix_per_s: +(megapixels / Math.max(onePassSeconds, 1e-9)).toFixed(3),
  model_version: trained.modelVersion,
};
console.log(JSON.stringify(result));
