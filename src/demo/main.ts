// npm run demo: the main job on the bundled sample production. Generates the procedural sample,
// imports it into a fresh production, trains the look model on its paintovers and concept art,
// renders the held-out test shots in that look (the first also at final quality, with the
// production's brush strokes) and writes comparison sheets next to them.
import { join, resolve } from 'node:path';
import * as E from '../engine/index.js';
import { ensureSample, freshProduction, testFrames } from './pipeline.js';
import { runTrainLook } from '../jobs/train-look.js';
import { resolveLookModel } from '../jobs/model-ref.js';
import { renderShotFrames } from '../render/render-shot.js';
import { trainReporter } from '../terminal/train-reporter.js';
import { ProgressBar, fmt } from '../terminal/progress.js';
import { loadImage } from '../data/image-io.js';
import { writeSheet } from '../models/look/sheet.js';
import { psnr } from '../metrics/index.js';

const t0 = Date.now();
const out = resolve(process.env.ATELIER_DEMO_DIR ?? 'out/demo');
const budget = Number(process.env.ATELIER_DEMO_BUDGET ?? 420);
const log = (m: string) => process.stderr.write(m + '\n');

log(`Atelier demo -> ${out} (training budget ${fmt(budget)}; set ATELIER_DEMO_BUDGET=<seconds> to change)`);
const manifest = await ensureSample(join(out, 'sample'), log);
const { prod, dataset } = await freshProduction(join(out, 'production'), join(out, 'sample'), log);
try {
  const rep = trainReporter(false, 'train look');
  const trained = await runTrainLook(prod, { dataset, train: { budgetSeconds: budget } }, rep.onEvent);
  rep.done();
  log(`model version #${trained.modelVersion}: ${trained.result.steps} steps in ${fmt(trained.result.seconds)}, held-out PSNR ${trained.result.heldOutPsnr?.toFixed(2)} dB`);

  const { model } = await resolveLookModel(prod, String(trained.modelVersion));
  const summary: string[] = [];
  const tests = manifest.scenes.filter((s) => s.split === 'test');
  for (const scene of tests) {
    const bar = new ProgressBar(`render ${scene.name}`, scene.frames, process.stderr, 'frame');
    const dir = join(prod.dir, 'renders', scene.name, `v${trained.modelVersion}`);
    const r = await renderShotFrames(prod, scene.name, model, trained.modelVersion, { outDir: dir, onFrame: (done) => bar.update(done) });
    bar.done();
    // Compare with the held-out painted frames (never trained on): rough | Atelier | ground truth.
    const frames = testFrames(manifest, join(out, 'sample'), scene.name);
    const byFrame = new Map(r.frames.map((f) => [f.frame, f.path]));
    let sumModel = 0, sumRough = 0;
    for (const f of frames) {
      const [a, b, c] = await Promise.all([loadImage(byFrame.get(f.frame)!), loadImage(f.gt), loadImage(f.rough)]);
      sumModel += psnr(a.tensor, b.tensor);
      sumRough += psnr(c.tensor, b.tensor);
      E.disposeAll([a.tensor, b.tensor, c.tensor]);
    }
    const picks = [frames[0]!, frames[Math.floor(frames.length / 2)]!, frames[frames.length - 1]!];
    const rows: E.Tensor[][] = [];
    for (const f of picks) rows.push([(await loadImage(f.rough)).tensor, (await loadImage(byFrame.get(f.frame)!)).tensor, (await loadImage(f.gt)).tensor]);
    const sheet = join(prod.dir, 'renders', scene.name, `compare_v${trained.modelVersion}.png`);
    await writeSheet(sheet, rows);
    E.disposeAll(rows);
    summary.push(`  ${scene.name}: ${r.frames.length} frames in ${dir}`,
      `         rough | Atelier | held-out painting: ${sheet}`,
      `         PSNR vs held-out paintings ${(sumModel / frames.length).toFixed(2)} dB (the rough frames: ${(sumRough / frames.length).toFixed(2)} dB)`);
  }
  // The first test shot again at final quality: the production's brush strokes (src/synth).
  const first = tests[0]!;
  const bar = new ProgressBar(`render ${first.name} --quality final`, first.frames, process.stderr, 'frame');
  const finalDir = join(prod.dir, 'renders', first.name, `v${trained.modelVersion}-final`);
  const fr = await renderShotFrames(prod, first.name, model, trained.modelVersion, { outDir: finalDir, quality: 'final', onFrame: (done) => bar.update(done) });
  bar.done();
  const frames = testFrames(manifest, join(out, 'sample'), first.name);
  const preview = join(prod.dir, 'renders', first.name, `v${trained.modelVersion}`);
  const rows: E.Tensor[][] = [];
  for (const f of [frames[0]!, frames[Math.floor(frames.length / 2)]!]) {
    const name = `${first.name}.${String(f.frame).padStart(4, '0')}.png`;
    rows.push(await Promise.all([f.rough, join(preview, name), join(finalDir, name), f.gt].map(async (q) => (await loadImage(q)).tensor)));
  }
  const finalSheet = join(prod.dir, 'renders', first.name, `compare_v${trained.modelVersion}-final.png`);
  await writeSheet(finalSheet, rows);
  E.disposeAll(rows);
  summary.push(`  ${first.name} at final quality: ${fr.frames.length} frames in ${finalDir}`,
    `         rough | preview | final | held-out painting: ${finalSheet}`);
  model.generator.dispose();
  console.log([
    `Atelier demo done in ${fmt((Date.now() - t0) / 1000)}.`,
    `production:      ${prod.dir}`,
    `look model:      #${trained.modelVersion} ${trained.result.modelPath}`,
    `training sheets: ${trained.result.samples.at(-1)}`,
    'test shots (painted ground truth held out of training):',
    ...summary,
    `try: bin/atelier ls models --production ${prod.dir}`,
    `     bin/atelier lineage ${join(prod.dir, 'renders', manifest.scenes.find((s) => s.split === 'test')!.name, `v${trained.modelVersion}`)}/<frame>.png --production ${prod.dir}`,
  ].join('\n'));
} finally {
  await prod.close();
}
