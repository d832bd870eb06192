// npm run bench -- render: temporal coherence, speed and memory of `atelier render`, measured as a
// viewer and a worker see them.
//
// Coherence is measured along yardsticks the renderer does not follow (bench/render-yardsticks.ts):
// on the sample's three test shots (256², painted keyframes at both ends) along the renderer's true
// motion (the motion pass, where visible), preview and final, each against the same quality
// rendered frame by frame; the worst consecutive pair against the mean; on real footage
// (../shared/data/lynx, the production `bench lynx` leaves in bench/out/lynx/from0) along Farnebäck's
// flow at full size, in colour. The DIS figures of earlier runs are kept (warp_error…: along the
// flow the preview blend itself follows).
//
// Speed and memory end to end: whole frames through renderShotFrames as `atelier render` runs it
// (read the rough frame and passes, stylize, blend, stroke stage, write PNG, record lineage), with
// the threads a worker has, warm (model loaded and the stroke stage's exemplar bank built, with the
// levels of anchor and carried frames: its cold cost is reported on its own, for a model version's
// first render ever and with the bank's guides read from disk). At 1920x1080: a shot of the
// sample's frames bilinear-upscaled (and the same with its motion pass, as a 3D production renders:
// fps_1080p_motion, fps_1080p_final_motion; and with the look model at full size,
// fps_1080p[_final]_full_size_look, against the default on a downscaled grid), in the look-hd benchmark's production when it exists
// (its models and exemplars are 1080p; else the sample production's). At 3840x2160: 4 frames with writes, preview and final, each in a child
// process whose peak RSS is the render's own. Speeds are also given normalized by the reference
// conv net measured in the same run (× 130 / machine_conv_gflops).
//
// Env: BENCH_OUT (bench/out), BENCH_1080_FRAMES (8), BENCH_RENDER_PARTS (coherence,lynx,chunks,
// tiles,hd,4k: a comma list to run only some), LYNX_DIR (../shared/data/lynx). Last line: JSON.
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as E from '../src/engine/index.js';
import { openProduction, listModelVersions, addShot, addShotPass, type Production } from '../src/store/index.js';
import { ensureSample, freshProduction } from '../src/demo/pipeline.js';
import { runTrainLook } from '../src/jobs/train-look.js';
import { resolveLookModel } from '../src/jobs/model-ref.js';
import { renderShotFrames, type RenderShotOptions } from '../src/render/render-shot.js';
import { DEFAULT_COHERENCE } from '../src/render/coherence.js';
import { clearExemplarBanks } from '../src/synth/exemplar-bank.js';
import { bankCacheDir } from '../src/synth/bank-cache.js';
import { stylizeTensor, DEFAULT_TILING } from '../src/models/look/stylize.js';
import { planTiles } from '../src/render/tiles.js';
import { loadImage, saveImage } from '../src/data/image-io.js';
import { warpError, flowsFromFrames } from '../src/metrics/index.js';
import { MOTION_PASS, decodeMotionPass, encodeMotionPass } from '../src/render/motion-pass.js';
import { measureReferenceNet, REFERENCE_GFLOPS } from './reference-net.js';
import { summarize, trueMotionErrors, independentFlows, flowErrors, peakRssMb } from './render-yardsticks.js';

/** bench look also registers baseline_l1 (the pixel loss only); the benchmarks use its main model. */
const isPlainLossBaseline = (v: { config: unknown }) => {
  const t = (v.config as { train?: { wFeature?: number; wGram?: number; wAdv?: number } } | null)?.train;
  return !!t && !t.wFeature && !t.wGram && !t.wAdv;
};
const mainLook = async (prod: Production) => (await listModelVersions(prod)).filter((v) => v.kind === 'look' && !isPlainLossBaseline(v)).at(-1) ?? null;

const out = resolve(process.env.BENCH_OUT ?? 'bench/out');
const log = (m: string) => process.stderr.write(m + '\n');
const parts = new Set((process.env.BENCH_RENDER_PARTS ?? 'coherence,lynx,chunks,tiles,hd,4k').split(','));
const r3 = (v: number) => +v.toFixed(3);
const r6 = (v: number) => +v.toPrecision(4);

/** The production of the 256² test shots: the look benchmark's, else one trained here (120 s). */
async function sampleProduction(): Promise<string> {
  for (const dir of [join(out, 'look', 'production'), join(out, 'render', 'production')]) {
    if (!existsSync(join(dir, 'atelier-production.json'))) continue;
    const p = await openProduction(dir);
    const ok = !!(await mainLook(p));
    await p.close();
    if (ok) return dir;
  }
  await ensureSample(join(out, 'sample'), log);
  const { prod, dataset } = await freshProduction(join(out, 'render', 'production'), join(out, 'sample'), log);
  log('no look benchmark production: training a 120 s model');
  await runTrainLook(prod, { dataset, train: { budgetSeconds: 120 } }, () => {});
  await prod.close();
  return join(out, 'render', 'production');
}

/** The production renders at 1080p and 4K use: look-hd's (1080p exemplars) when there, else the sample's. */
function hdProductionDir(sampleDir: string): string {
  const hd = join(out, 'look-hd', 'production');
  return existsSync(join(hd, 'atelier-production.json')) ? hd : sampleDir;
}

/**
 * A shot `name` of `frames` frames at h×w in prod: the sample's sh010 rough frames and the model's
 * passes, bilinear-upscaled (written once under bench/out/render/<name>, then reused).
 */
async function upscaledShot(prod: Production, sampleProd: Production, name: string, frames: number, h: number, w: number, guides: { name: string; channels: number }[], withMotion = false): Promise<void> {
  const existing = await prod.db.selectFrom('shots').select(['frame_start', 'frame_end']).where('name', '=', name).executeTakeFirst();
  if (existing && existing.frame_end - existing.frame_start + 1 >= frames) return;
  const src = await sampleProd.shot('sh010');
  if (src.frames.length < frames) throw new Error(`sh010 has ${src.frames.length} frames, ${frames} asked`);
  const dir = join(out, 'render', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`writing ${frames} frames of ${w}x${h} (sh010 upscaled) for shot ${name}`);
  const kinds = [{ name: 'rough', channels: 3 }, ...guides];
  for (let i = 0; i < frames; i++) {
    const f = src.frames[i]!;
    for (const k of kinds) {
      const path = k.name === 'rough' ? f.rough!.path : f.passes[k.name]!.path;
      const t = (await loadImage(path, k.channels === 1 ? 1 : 3)).tensor;
      const big = E.F.interpolate(t, { size: [h, w], mode: 'bilinear' });
      await saveImage(join(dir, `${k.name}.${String(i).padStart(4, '0')}.png`), big);
      E.disposeAll([t, big]);
    }
    if (withMotion) {
      // The sample's motion vectors upscaled with the frame: scaled per axis, visibility nearest.
      const pass = (await loadImage(f.passes[MOTION_PASS]!.path, 3)).tensor;
      const m = decodeMotionPass(pass);
      const [sh, sw] = [pass.size(2), pass.size(3)];
      const big = E.tidy(() => encodeMotionPass({
        back: E.F.interpolate(m.back, { size: [h, w], mode: 'bilinear' }).mul(E.tensor([w / sw, h / sh], [1, 2, 1, 1])),
        visible: E.F.interpolate(m.visible, { size: [h, w], mode: 'nearest' }),
      }));
      await saveImage(join(dir, `${MOTION_PASS}.${String(i).padStart(4, '0')}.png`), big, 16);
      E.disposeAll([pass, m.back, m.visible, big]);
    }
  }
  const meta = { owner: 'Atelier Sample Studio', licence: 'CC0-1.0', source: 'procedural', cleared: true };
  await addShot(prod, name, join(dir, 'rough.####.png'), { fps: 24, replace: !!existing, meta });
  for (const g of [...guides, ...(withMotion ? [{ name: MOTION_PASS }] : [])]) await addShotPass(prod, name, g.name, join(dir, `${g.name}.####.png`), { meta });
}

if (process.argv.includes('--child-4k')) {
  // Child mode: 4 frames of the 3840x2160 shot through renderShotFrames at the given quality, with
  // writes and lineage; then this process's peak RSS.
  const quality = process.argv.at(-1) as 'preview' | 'final';
  const prod = await openProduction(process.argv.at(-2)!);
  const v = (await mainLook(prod))!;
  const { model } = await resolveLookModel(prod, String(v.id));
  const dir = join(out, 'render', 'out-2160', quality);
  rmSync(dir, { recursive: true, force: true });
  const t0 = Date.now();
  await renderShotFrames(prod, 'bench2160', model, v.id, { outDir: dir, quality, range: [0, 3] });
  console.log(JSON.stringify({ rss_mb: peakRssMb(), seconds: +((Date.now() - t0) / 1000).toFixed(1) }));
  await prod.close();
  process.exit(0);
}

const ref = measureReferenceNet(5);
log(`reference conv net: ${ref.gflops.toFixed(1)} GFLOP/s`);
const norm = (fps: number) => r3(fps * REFERENCE_GFLOPS / ref.gflops);
const result: Record<string, unknown> = { machine_conv_gflops: +ref.gflops.toFixed(1), threads: E.getNumThreads() };

const sampleDir = await sampleProduction();
const prod = await openProduction(sampleDir);
const look = (await mainLook(prod))!;
const { model } = await resolveLookModel(prod, String(look.id));
log(`model #${look.id} from ${sampleDir}`);
result.model_version = look.id;
const loadAll = async (paths: string[]) => Promise.all(paths.map(async (q) => (await loadImage(q, 3)).tensor));
const shots = ['sh010', 'sh020', 'sh030'];

if (parts.has('coherence')) {
  // Per shot: preview blended along DIS (the default), along the motion pass, frame by frame; final
  // (strokes carried from the painted keyframes) and final frame by frame.
  const variants: Record<string, Partial<RenderShotOptions>> = {
    preview: {}, preview_per_frame: { coherence: null }, preview_motion: { coherence: { ...DEFAULT_COHERENCE, motion: true } },
    final: { quality: 'final' }, final_per_frame: { quality: 'final', coherence: null },
  };
  const trueM: Record<string, number[]> = {}, stillM: Record<string, number[]> = {}, changingM: Record<string, number[]> = {}, worstRatio: Record<string, number> = {}, dis: Record<string, number> = {};
  let previewSeconds = 0, previewFrames = 0;
  for (const shot of shots) {
    rmSync(join(out, 'render', shot), { recursive: true, force: true });
    const info = await prod.shot(shot);
    const rough = await loadAll(info.frames.map((f) => f.rough!.path));
    const flows = flowsFromFrames(rough);
    dis.input = (dis.input ?? 0) + warpError(rough, flows) / shots.length;
    const tmInput = summarize((await trueMotionErrors(rough, info.frames)).all);
    (trueM.input ??= []).push(tmInput.mean);
    for (const [name, o] of Object.entries(variants)) {
      const r = await renderShotFrames(prod, shot, model, look.id, { outDir: join(out, 'render', shot, name), ...o });
      if (name === 'preview') { previewSeconds += r.seconds; previewFrames += r.frames.length; }
      const frames = await loadAll(r.frames.map((f) => f.path));
      const errors = await trueMotionErrors(frames, info.frames, rough);
      const tm = summarize(errors.all);
      (trueM[name] ??= []).push(tm.mean);
      (stillM[name] ??= []).push(summarize(errors.still).mean);
      (changingM[name] ??= []).push(summarize(errors.changing).mean);
      worstRatio[name] = Math.max(worstRatio[name] ?? 0, tm.worst / tm.mean);
      dis[name] = (dis[name] ?? 0) + warpError(frames, flows) / shots.length;
      log(`${shot} ${name}: along the true motion mean ${tm.mean.toExponential(3)}, worst ${tm.worst.toExponential(3)} (pair ${tm.worstPair}, ${(tm.worst / tm.mean).toFixed(2)}x the mean); along DIS ${warpError(frames, flows).toExponential(3)}`);
      E.disposeAll(frames);
    }
    E.disposeAll(rough);
  }
  const mean = (k: string, of = trueM) => of[k]!.reduce((a, v) => a + v, 0) / of[k]!.length;
  Object.assign(result, {
    // Only where the rough frame holds still along the motion (render-yardsticks.ts, STILL_TOLERANCE).
    true_motion_still_ratio: r3(mean('preview', stillM) / mean('preview_per_frame', stillM)),
    true_motion_still_ratio_final: r3(mean('final', stillM) / mean('final_per_frame', stillM)),
    true_motion_coherence_ratio: r3(mean('preview') / mean('preview_per_frame')),
    // The part of the per-frame render's error (and of the blend's) that lies where the rough itself
    // changes along the motion: the least true_motion_coherence_ratio can be for a render that
    // follows its input there, whatever it does where the input holds still.
    true_motion_changing_share: r3(mean('preview_per_frame', changingM) / mean('preview_per_frame')),
    true_motion_changing_share_blend: r3(mean('preview', changingM) / mean('preview_per_frame')),
    true_motion_changing_share_final: r3(mean('final_per_frame', changingM) / mean('final_per_frame')),
    true_motion_coherence_ratio_final: r3(mean('final') / mean('final_per_frame')),
    worst_pair_ratio: r3(worstRatio.final!),
    worst_pair_ratio_preview: r3(worstRatio.preview!),
    true_motion_coherence_ratio_motion: r3(mean('preview_motion') / mean('preview_per_frame')),
    true_motion_warp_error: r6(mean('preview')), true_motion_warp_error_per_frame: r6(mean('preview_per_frame')),
    true_motion_warp_error_final: r6(mean('final')), true_motion_warp_error_final_per_frame: r6(mean('final_per_frame')),
    true_motion_warp_error_input: r6(mean('input')),
    warp_error: r6(dis.preview!), warp_error_per_frame: r6(dis.preview_per_frame!), warp_error_input: r6(dis.input!),
    coherence_ratio: r3(dis.preview! / dis.preview_per_frame!), coherence_ratio_motion: r3(dis.preview_motion! / dis.preview_per_frame!),
    coherence_ratio_final_dis: r3(dis.final! / dis.final_per_frame!),
    fps_sample: r3(previewFrames / previewSeconds),
  });
}

if (parts.has('lynx')) {
  // Real footage: the keyframe model `bench lynx` trained from painted keyframe 0, the whole shot at
  // final quality, along Farnebäck's flow of the footage (renders follow DIS).
  const lynxProd = join(out, 'lynx', 'from0', 'production');
  if (!existsSync(join(lynxProd, 'atelier-production.json'))) {
    log(`no ${lynxProd}: run \`npm run bench -- lynx\` first; lynx coherence left out`);
  } else {
    const lp = await openProduction(lynxProd);
    const kv = (await listModelVersions(lp)).filter((v) => v.kind === 'look-keyframes').at(-1)!;
    const { model: km } = await resolveLookModel(lp, String(kv.id));
    const info = await lp.shot('lynx');
    const rough = await loadAll(info.frames.map((f) => f.rough!.path));
    const flows = independentFlows(rough);
    const scores: Record<string, ReturnType<typeof summarize>> = {};
    for (const [name, o] of Object.entries({ final: {}, final_per_frame: { coherence: null } } as Record<string, Partial<RenderShotOptions>>)) {
      const dir = join(out, 'render', 'lynx', name);
      rmSync(dir, { recursive: true, force: true });
      const r = await renderShotFrames(lp, 'lynx', km, kv.id, { outDir: dir, quality: 'final', ...o });
      const frames = await loadAll(r.frames.map((f) => f.path));
      scores[name] = summarize(flowErrors(frames, flows));
      log(`lynx ${name}: along Farnebäck mean ${scores[name]!.mean.toExponential(3)}, worst ${scores[name]!.worst.toExponential(3)} (pair ${scores[name]!.worstPair}); ${(r.seconds / r.frames.length).toFixed(1)} s a frame`);
      E.disposeAll(frames);
    }
    const input = summarize(flowErrors(rough, flows));
    Object.assign(result, {
      lynx_coherence_ratio: r3(scores.final!.mean / scores.final_per_frame!.mean),
      lynx_worst_pair_ratio: r3(scores.final!.worst / scores.final!.mean),
      lynx_warp_error_final: r6(scores.final!.mean), lynx_warp_error_per_frame: r6(scores.final_per_frame!.mean), lynx_warp_error_input: r6(input.mean),
    });
    E.disposeAll([rough]);
    km.generator.dispose();
    await lp.close();
  }
}

if (parts.has('chunks')) {
  // Ranges equal the whole: sh010 rendered as two ranges, preview and final, against the whole renders.
  let identical = true;
  for (const q of ['preview', 'final'] as const) {
    const wholeDir = join(out, 'render', 'sh010', q);
    if (!existsSync(wholeDir)) await renderShotFrames(prod, 'sh010', model, look.id, { outDir: wholeDir, quality: q });
    const chunkDir = join(out, 'render', 'sh010', `${q}-chunked`);
    rmSync(chunkDir, { recursive: true, force: true });
    await renderShotFrames(prod, 'sh010', model, look.id, { outDir: chunkDir, range: [0, 9], quality: q });
    await renderShotFrames(prod, 'sh010', model, look.id, { outDir: chunkDir, range: [10, 23], quality: q });
    for (let f = 0; f <= 23; f++) {
      const name = `sh010.${String(f).padStart(4, '0')}.png`;
      identical &&= readFileSync(join(chunkDir, name)).equals(readFileSync(join(wholeDir, name)));
    }
  }
  result.chunks_identical = identical;
}

if (parts.has('tiles')) {
  // Tiled vs whole with the default tiling: a 6x4 mosaic of sample frames at native size (detail
  // everywhere), cropped so a 3x2 tile grid overlaps by exactly the default overlap.
  const { tile, overlap } = DEFAULT_TILING;
  const tw = tile + 2 * (tile - overlap), th = tile + (tile - overlap);
  const allFrames = (await Promise.all(shots.map((s) => prod.shot(s)))).map((s) => s.frames);
  const mosaicParts: E.Tensor[][][] = [];
  for (let r = 0; r < 4; r++) {
    const row: E.Tensor[][] = [];
    for (let c = 0; c < 6; c++) {
      const f = allFrames[(r * 6 + c) % 3]![((r * 6 + c) * 5) % 24]!;
      row.push([(await loadImage(f.rough!.path, 3)).tensor, ...await Promise.all(model.config.guides.map(async (g) => (await loadImage(f.passes[g.name]!.path, g.channels === 1 ? 1 : 3)).tensor))]);
    }
    mosaicParts.push(row);
  }
  const [mRough, ...mPasses] = E.tidy(() => [0, ...model.config.guides.map((_, k) => k + 1)].map((k) =>
    E.F.cat(mosaicParts.map((row) => E.F.cat(row.map((x) => x[k]!), 3)), 2).narrow(2, 0, th).narrow(3, 0, tw).contiguous()));
  E.disposeAll(mosaicParts);
  const mPassMap = new Map(model.config.guides.map((g, k) => [g.name, mPasses[k]!]));
  const tilePlan = planTiles(th, tw, DEFAULT_TILING);
  const mWhole = stylizeTensor(model, mRough!, mPassMap, { tileAbove: Infinity });
  const mTiled = stylizeTensor(model, mRough!, mPassMap, { tileAbove: 0 });
  const tileDiff = E.tidy(() => mTiled.sub(mWhole).abs().max().item());
  log(`tiled vs whole at ${tw}x${th} (${tilePlan.tiles} tiles of ${tile}, overlap ${overlap}): max abs diff ${tileDiff.toExponential(3)} (${(tileDiff * 255).toFixed(3)} of an 8-bit level)`);
  E.disposeAll([mRough!, mPasses, mWhole, mTiled]);
  result.tile_max_abs_diff = +tileDiff.toExponential(3);
}

if (parts.has('hd') || parts.has('4k')) {
  const hdDir = hdProductionDir(sampleDir);
  const hp = hdDir === sampleDir ? prod : await openProduction(hdDir);
  const hv = (await mainLook(hp))!;
  const { model: hm } = await resolveLookModel(hp, String(hv.id));
  log(`1080p and 4K: model #${hv.id} of ${hdDir}`);
  result.hd_production = hdDir === sampleDir ? 'sample (256² exemplars)' : 'look-hd (1080p exemplars)';
  const n = Number(process.env.BENCH_1080_FRAMES ?? 8);
  if (parts.has('hd')) {
    await upscaledShot(hp, prod, 'bench1080', n, 1080, 1920, hm.config.guides);
    // Warm: the model loaded, and the exemplar bank (final) built by rendering frame 0 once.
    const warmDir = join(out, 'render', 'out-1080', 'warm');
    rmSync(warmDir, { recursive: true, force: true });
    // The first final frame of a model version ever: the exemplar bank built (and kept on disk).
    rmSync(bankCacheDir(hdDir), { recursive: true, force: true });
    let t0 = Date.now();
    await renderShotFrames(hp, 'bench1080', hm, hv.id, { outDir: warmDir, quality: 'final', range: [0, 0] });
    result.final_cold_first_frame_s = +((Date.now() - t0) / 1000).toFixed(1);
    // Later renders' first frame: the bank's guides read from disk (synth/bank-cache.ts), its levels
    // rebuilt (in this process, so without a new process's own start-up, ~2 s measured).
    clearExemplarBanks();
    rmSync(warmDir, { recursive: true, force: true });
    t0 = Date.now();
    await renderShotFrames(hp, 'bench1080', hm, hv.id, { outDir: warmDir, quality: 'final', range: [0, 0] });
    result.final_first_frame_bank_on_disk_s = +((Date.now() - t0) / 1000).toFixed(1);
    // The rest of the bank's cold cost: the levels that frames carried from an anchor search (built
    // on a process's first carried frame, ~1 s at 1080p), which the timed runs below would
    // otherwise pay once inside their 8 frames.
    rmSync(warmDir, { recursive: true, force: true });
    await renderShotFrames(hp, 'bench1080', hm, hv.id, { outDir: warmDir, quality: 'final', range: [1, 1] });
    // The same frames with the renderer's motion vectors (a 3D production's usual case): the shot's
    // default coherence then follows them, over a wider window (coherence.ts MOTION_COHERENCE).
    await upscaledShot(hp, prod, 'bench1080m', n, 1080, 1920, hm.config.guides, true);
    for (const [shotName, suffix] of [['bench1080', ''], ['bench1080m', '_motion']] as const) {
      for (const q of ['preview', 'final'] as const) {
        const dir = join(out, 'render', 'out-1080', q + suffix);
        rmSync(dir, { recursive: true, force: true });
        t0 = Date.now();
        const cpu0 = process.cpuUsage();
        const r = await renderShotFrames(hp, shotName, hm, hv.id, { outDir: dir, quality: q, range: [0, n - 1] });
        const wall = (Date.now() - t0) / 1000, cpu = process.cpuUsage(cpu0);
        const fps = r.frames.length / wall;
        // Cores kept busy (CPU time over wall time, this process's threads): how much of the
        // machine the render already uses, i.e. what overlapping its steps could still gain.
        const busy = (cpu.user + cpu.system) / 1e6 / wall;
        log(`1920x1080 ${q}${suffix ? ' with a motion pass' : ''}: ${r.frames.length} frames end to end, ${(1 / fps).toFixed(2)} s a frame, ${busy.toFixed(2)} of ${E.getNumThreads()} cores busy`);
        const field = q === 'preview' ? 'fps_1080p' : 'fps_1080p_final';
        result[field + suffix] = r3(fps);
        result[field + suffix + '_norm'] = norm(fps);
        result[(q === 'preview' ? 'cores_busy_1080p' : 'cores_busy_1080p_final') + suffix] = +busy.toFixed(2);
      }
    }
    // The look model at full size, as before it moved to a downscaled grid (look-grid.ts): the
    // speed that move bought, measured in this run.
    for (const q of ['preview', 'final'] as const) {
      const fullDir = join(out, 'render', 'out-1080', `${q}_full_size_look`);
      rmSync(fullDir, { recursive: true, force: true });
      t0 = Date.now();
      const rf = await renderShotFrames(hp, 'bench1080', hm, hv.id, { outDir: fullDir, quality: q, range: [0, n - 1], lookWidth: 0 });
      const fpsFull = rf.frames.length / ((Date.now() - t0) / 1000);
      log(`1920x1080 ${q} with the look model at full size: ${(1 / fpsFull).toFixed(2)} s a frame`);
      const field = q === 'preview' ? 'fps_1080p_full_size_look' : 'fps_1080p_final_full_size_look';
      result[field] = r3(fpsFull);
      result[field + '_norm'] = norm(fpsFull);
    }
  }
  if (parts.has('4k')) {
    await upscaledShot(hp, prod, 'bench2160', 4, 2160, 3840, hm.config.guides);
    for (const q of ['preview', 'final'] as const) {
      log(`3840x2160 ${q}: 4 frames in a child process`);
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child-4k', hdDir, q], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (child.status !== 0) throw new Error(`the 4K ${q} child process failed (status ${child.status})`);
      const k = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { rss_mb: number; seconds: number };
      log(`3840x2160 ${q}: peak RSS ${k.rss_mb} MB, ${k.seconds} s for 4 frames`);
      result[q === 'preview' ? 'rss_4k_mb' : 'rss_4k_final_mb'] = k.rss_mb;
      result[q === 'preview' ? 'seconds_4k_4_frames' : 'seconds_4k_final_4_frames'] = k.seconds;
    }
  }
  hm.generator.dispose();
  if (hp !== prod) await hp.close();
}
model.generator.dispose();
await prod.close();
console.log(JSON.stringify(result));
