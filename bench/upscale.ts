// npm run bench -- upscale: the production's 2x upscaler, scored honestly.
//
// sample: leave one image out across every image that can be held out (the sample production's
// concept art and character sheets; its paintovers are train-only): one training per image, as
// `atelier train upscale --hold-out <image>` runs it, scored on the image it never saw. Reported:
// the mean PSNR gain over bicubic (upscale_psnr_gain_db), its minimum, maximum and spread.
// lynx: real art. The two painted keyframes of ../shared/data/lynx as a production's concept art;
// train on one, downscale the other and restore it (both ways); and the sample's upscaler on both.
//
// Each fold's result is kept under bench/out/upscale/folds, keyed by the configuration, the
// images and the upscaler's compiled code, so an interrupted run resumes where it stopped
// (BENCH_UPSCALE_FRESH=1 retrains everything).
//
// Env: BENCH_UPSCALE_PARTS (sample,lynx), BENCH_UPSCALE_STEPS (default: the trainer's, a fixed
// count, so the figures do not depend on how busy the machine is), BENCH_UPSCALE_SCALE (2),
// BENCH_UPSCALE_CHANNELS / _BLOCKS, BENCH_UPSCALE_DOWNSCALE (area|bicubic-aa|bicubic), LYNX_DIR.
// The reference is libtorch's bicubic (Keys a = -0.75); Keys a = -0.5 (sharp's) is reported too.
// The upscaler runs as `atelier upscale` does (the 8-way self-ensemble); one pass's gain too.
// PSNR with `scale` pixels shaved off each side, the trainer's own shavedPsnr. Last line: JSON.
import { join, resolve, dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as E from '../src/engine/index.js';
import { ensureSample, freshProduction } from '../src/demo/pipeline.js';
import { initProduction, openProduction, createDataset, IngestSession, type Production } from '../src/store/index.js';
import { runTrainUpscale, upscaleTrainingFiles } from '../src/jobs/train-upscale.js';
import { productionColour } from '../src/store/colour-settings.js';
import { loadWorkingImage } from '../src/data/working-space.js';
import { loadUpscaleModel, upscaleImage, bicubicUpscale, downscale, upscaleTileOptions, makeUpscaleConfig, shavedPsnr, DEFAULT_TRAIN, DEFAULT_ENSEMBLE, type UpscaleModel } from '../src/models/upscale/index.js';
import { keysUpscale } from '../src/models/upscale/cubic.js';
import { tileMaxAbsDiff } from '../src/render/tiles.js';
import { saveImage } from '../src/data/image-io.js';

const out = resolve(process.env.BENCH_OUT ?? 'bench/out', 'upscale');
const lynxDir = resolve(process.env.LYNX_DIR ?? '../shared/data/lynx');
const parts = new Set((process.env.BENCH_UPSCALE_PARTS ?? 'sample,lynx').split(','));
const steps = Number(process.env.BENCH_UPSCALE_STEPS ?? DEFAULT_TRAIN.steps);
const scale = Number(process.env.BENCH_UPSCALE_SCALE ?? 2) as 2 | 4;
const downscaleMode = process.env.BENCH_UPSCALE_DOWNSCALE as 'area' | 'bicubic' | 'bicubic-aa' | undefined;
const arch = { ...(process.env.BENCH_UPSCALE_CHANNELS ? { channels: Number(process.env.BENCH_UPSCALE_CHANNELS) } : {}), ...(process.env.BENCH_UPSCALE_BLOCKS ? { blocks: Number(process.env.BENCH_UPSCALE_BLOCKS) } : {}) };
// Only the final weights are scored (evaluations during training report only, and cost time).
const train = { steps, evalEvery: steps };
const config = makeUpscaleConfig({ scale, downscale: downscaleMode, arch, train });
const log = (m: string) => process.stderr.write(m + '\n');
const r3 = (v: number) => +v.toFixed(3);
if (process.env.BENCH_UPSCALE_FRESH === '1') rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'folds'), { recursive: true });

/** The upscaler's compiled code: a fold trained by other code is not reused. */
const codeHash = (() => {
  const h = createHash('sha256');
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = join(here, '..', 'src', 'models', 'upscale');
  const files = [...readdirSync(dir).filter((n) => n.endsWith('.js')).sort().map((n) => join(dir, n)), join(here, '..', 'src', 'jobs', 'train-upscale.js')];
  for (const f of files) h.update(f.slice(f.lastIndexOf('src'))).update(readFileSync(f));
  return h.digest('hex');
})();

interface Fold {
  held_out: string;
  size: string;
  gain_db: number;
  psnr: number;
  bicubic_psnr: number;
  keys_a05_psnr: number;
  one_pass_gain_db: number;
  train_images: number;
  steps: number;
  train_seconds: number;
  model: string;
}

/** Inference speeds over every scored image (ensemble and one pass), for the figures. */
const speed = { ensembleSeconds: 0, onePassSeconds: 0, megapixels: 0 };

/** Scores a model on one image read as the trainer reads it: ensemble, one pass, both bicubics. */
async function scoreImage(model: UpscaleModel, path: string, prod: Production, space: string | null): Promise<Omit<Fold, 'held_out' | 'train_images' | 'steps' | 'train_seconds' | 'model'> & { hr: E.Tensor; lr: E.Tensor; sr: E.Tensor }> {
  const img = await loadWorkingImage(path, 3, await productionColour(prod), space);
  return E.tidy(() => {
    const hr = img.tensor.narrow(2, 0, img.height - (img.height % scale)).narrow(3, 0, img.width - (img.width % scale));
    const lr = downscale(hr, scale, model.config.downscale);
    let t0 = performance.now();
    const sr = upscaleImage(model.net, lr);
    speed.ensembleSeconds += (performance.now() - t0) / 1000;
    t0 = performance.now();
    const one = upscaleImage(model.net, lr, 256, 1);
    speed.onePassSeconds += (performance.now() - t0) / 1000;
    speed.megapixels += sr.numel / 3 / 1e6;
    const bicubic = shavedPsnr(bicubicUpscale(lr, scale), hr, scale);
    const psnr = shavedPsnr(sr, hr, scale);
    const r = {
      size: `${hr.size(3)}x${hr.size(2)}`, gain_db: r3(psnr - bicubic), psnr: r3(psnr), bicubic_psnr: r3(bicubic),
      keys_a05_psnr: r3(shavedPsnr(keysUpscale(lr, scale, -0.5), hr, scale)), one_pass_gain_db: r3(shavedPsnr(one, hr, scale) - bicubic),
      hr: E.keep(hr.contiguous()), lr: E.keep(lr), sr: E.keep(sr),
    };
    img.tensor.dispose();
    return r;
  });
}

/**
 * Every fold of a production's dataset: hold out each image that can be held out, train on the rest,
 * score the held-out one. Cached per fold.
 */
async function leaveOneOut(prod: Production, dataset: string, label: string): Promise<Fold[]> {
  const snapshot = await prod.dataset(dataset);
  const files = upscaleTrainingFiles(snapshot);
  const candidates = files.filter((f) => !f.trainOnly);
  // A fold depends on every image of the dataset (the rest are its training set) and which is held out.
  const contents = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) contents.update(f.name).update(readFileSync(f.path));
  const contentsHex = contents.digest('hex');
  const folds: Fold[] = [];
  for (const [i, f] of candidates.entries()) {
    const key = createHash('sha256').update(JSON.stringify(config)).update(codeHash).update(contentsHex).update(f.name).digest('hex').slice(0, 16);
    const cache = join(out, 'folds', `${label}-${key}.json`);
    if (existsSync(cache)) {
      const fold = JSON.parse(readFileSync(cache, 'utf8')) as Fold;
      if (existsSync(fold.model)) {
        log(`${label} fold ${i + 1}/${candidates.length} (${f.name}): kept from an earlier run, gain ${fold.gain_db} dB`);
        folds.push(fold);
        continue;
      }
    }
    log(`${label} fold ${i + 1}/${candidates.length}: holding out ${f.name}, training ${steps} steps`);
    let lastLog = 0;
    const trained = await runTrainUpscale(prod, { dataset, scale, downscale: downscaleMode, arch, train, heldOut: [f.id] }, (e: any) => {
      if (e.type === 'step' && Date.now() - lastLog > 30000) {
        lastLog = Date.now();
        log(`  step ${e.step}/${e.totalSteps} ${e.seconds.toFixed(0)} s L1 ${e.loss.toFixed(4)}`);
      }
    });
    const r = trained.result;
    const model = loadUpscaleModel(r.modelPath);
    const s = await scoreImage(model, f.path, prod, f.space ?? null);
    for (const t of [s.hr, s.lr, s.sr]) t.dispose();
    model.net.dispose();
    const { hr: _h, lr: _l, sr: _s, ...scores } = s;
    const fold: Fold = { held_out: f.name, ...scores, train_images: r.trainImages, steps: r.steps, train_seconds: r3(r.seconds), model: r.modelPath };
    log(`  ${f.name}: ${fold.psnr} dB vs bicubic ${fold.bicubic_psnr} dB (gain ${fold.gain_db} dB; one pass ${fold.one_pass_gain_db}) in ${fold.train_seconds.toFixed(0)} s`);
    writeFileSync(cache, JSON.stringify(fold, null, 1));
    folds.push(fold);
  }
  return folds;
}

const stats = (v: number[]) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
  return { mean: r3(mean), min: r3(Math.min(...v)), max: r3(Math.max(...v)), std: r3(std) };
};

/** A production kept between runs (folds are cached against its images). */
async function keptProduction(dir: string, create: (dir: string) => Promise<{ prod: Production; dataset: string }>): Promise<{ prod: Production; dataset: string }> {
  const state = join(dir, '..', `${dir.split('/').at(-1)}.json`);
  if (existsSync(join(dir, 'atelier-production.json')) && existsSync(state)) {
    return { prod: await openProduction(dir), dataset: (JSON.parse(readFileSync(state, 'utf8')) as { dataset: string }).dataset };
  }
  rmSync(dir, { recursive: true, force: true });
  const made = await create(dir);
  writeFileSync(state, JSON.stringify({ dataset: made.dataset }));
  return made;
}

const result: Record<string, unknown> = { bench: 'upscale', scale, arch: config.arch, downscale: config.downscale, steps, ensemble: DEFAULT_ENSEMBLE };
let sampleModel: string | null = null;

if (parts.has('sample')) {
  await ensureSample(join(out, '..', 'sample'), log);
  const { prod, dataset } = await keptProduction(join(out, 'production'), (d) => freshProduction(d, join(out, '..', 'sample'), log));
  const folds = await leaveOneOut(prod, dataset, 'sample');
  const g = stats(folds.map((f) => f.gain_db));
  sampleModel = folds[0]?.model ?? null;
  // Tiles (the smallest allowed, so that even they cut it) and a crop to look at: the widest
  // held-out image, through the model that never saw it.
  const snapshot = await prod.dataset(dataset);
  const widest = [...folds].sort((a, b) => Number(b.size.split('x')[0]) - Number(a.size.split('x')[0]))[0]!;
  const first = upscaleTrainingFiles(snapshot).find((f) => f.name === widest.held_out)!;
  const model = loadUpscaleModel(widest.model);
  const s = await scoreImage(model, first.path, prod, first.space ?? null);
  const tile = E.tidy(() => tileMaxAbsDiff((x) => model.net.forward(x), s.lr, upscaleTileOptions(model.net, 0)));
  E.tidy(() => {
    const n = Math.min(96, s.hr.size(2), s.hr.size(3));
    const crop = (t: E.Tensor) => E.F.interpolate(t.narrow(2, (s.hr.size(2) - n) >> 1, n).narrow(3, (s.hr.size(3) - n) >> 1, n), { size: [3 * n, 3 * n], mode: 'nearest' });
    const gap = E.ones([1, 3, 3 * n, 6]);
    log(`crop to look at (bicubic | upscaler | original, 3x): ${join(out, 'compare-bicubic-upscaler-original.png')} (${widest.held_out})`);
    void saveImage(join(out, 'compare-bicubic-upscaler-original.png'), E.F.cat([crop(bicubicUpscale(s.lr, scale).clamp(0, 1)), gap, crop(s.sr.clamp(0, 1)), gap, crop(s.hr)], 3).clone());
  });
  for (const t of [s.hr, s.lr, s.sr]) t.dispose();
  model.net.dispose();
  await prod.close();
  Object.assign(result, {
    upscale_psnr_gain_db: g.mean, upscale_gain_min_db: g.min, upscale_gain_max_db: g.max, upscale_gain_std_db: g.std,
    folds: folds.length,
    held_out_psnr: stats(folds.map((f) => f.psnr)).mean,
    held_out_bicubic_psnr: stats(folds.map((f) => f.bicubic_psnr)).mean,
    gain_over_keys_a05_db: stats(folds.map((f) => f.psnr - f.keys_a05_psnr)).mean,
    one_pass_gain_db: stats(folds.map((f) => f.one_pass_gain_db)).mean,
    per_fold: folds.map(({ model: _m, ...f }) => f),
    train_seconds_mean: stats(folds.map((f) => f.train_seconds)).mean,
    tile_max_abs_diff: +tile.maxAbsDiff.toExponential(2), tile_rel_diff: +tile.relDiff.toExponential(2), tiles: tile.tiles,
  });
}

if (parts.has('lynx')) {
  const paintings = ['style000.jpg', 'style010.png'].map((n) => join(lynxDir, 'keyframes', n));
  for (const p of paintings) if (!existsSync(p)) throw new Error(`${p}: missing (set LYNX_DIR to ../shared/data/lynx)`);
  const { prod, dataset } = await keptProduction(join(out, 'lynx-production'), async (d) => {
    const prod = await initProduction(d, { name: 'lynx paintings (evaluation data)' });
    const session = await IngestSession.start(prod, {});
    for (const p of paintings) {
      const r = await session.ingest(p, { kind: 'concept_art', tags: [], characters: [], location: null, owner: 'evaluation data (Ezsynth examples)', licence: 'evaluation only', source: p, cleared: true });
      if (r.status === 'rejected') throw new Error(`${p}: ${r.reason}`);
    }
    await createDataset(prod, 'lynx-art', { kinds: ['concept_art'] });
    return { prod, dataset: 'lynx-art' };
  });
  const folds = await leaveOneOut(prod, dataset, 'lynx');
  const g = stats(folds.map((f) => f.gain_db));
  // The sample production's upscaler (first fold) on the same paintings: art of another production.
  const cross: { held_out: string; gain_db: number }[] = [];
  if (sampleModel && existsSync(sampleModel)) {
    const model = loadUpscaleModel(sampleModel);
    const snapshot = await prod.dataset(dataset);
    for (const f of upscaleTrainingFiles(snapshot)) {
      const s = await scoreImage(model, f.path, prod, f.space ?? null);
      for (const t of [s.hr, s.lr, s.sr]) t.dispose();
      cross.push({ held_out: f.name, gain_db: s.gain_db });
    }
    model.net.dispose();
  }
  await prod.close();
  Object.assign(result, {
    lynx_upscale_gain_db: g.mean, lynx_upscale_gain_min_db: g.min,
    lynx_per_fold: folds.map(({ model: _m, ...f }) => f),
    lynx_sample_model_gain_db: cross.length ? stats(cross.map((c) => c.gain_db)).mean : null,
  });
}

Object.assign(result, {
  upscale_mpix_per_s: r3(speed.megapixels / Math.max(speed.ensembleSeconds, 1e-9)),
  one_pass_mpix_per_s: r3(speed.megapixels / Math.max(speed.onePassSeconds, 1e-9)),
});
console.log(JSON.stringify(result));
