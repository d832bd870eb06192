// `atelier render <shot> --farm`: the shot as a BullMQ flow of frame-range chunks on the farm, then
// (unless --detach) a progress bar until the finish job has written the movie and recorded the
// version. Ctrl-C cancels the render on the farm; a second Ctrl-C leaves it running and quits.
import { mkdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { openProduction } from '../../store/index.js';
import { resolveLookModel } from '../../render/model-ref.js';
import { claimVersionDir, releaseIfEmpty } from '../../render/version-dir.js';
import type { CoherenceOptions } from '../../render/coherence.js';
import { coherenceFromFlags } from './coherence-options.js';
import { MOTION_PASS } from '../../render/motion-pass.js';
import { upscaleFromFlags, type UpscaleFlags } from './upscale-options.js';
import { parseTiling, type TilingFlags } from './tiling-options.js';
import { resolveRenderUpscaler } from '../../render/model-ref.js';
import { ProgressBar, fmt } from '../../terminal/progress.js';
import { printResult } from '../output.js';
import { queueFromOptions, queueNameFor } from '../../farm/connection.js';
import { BullMQQueue } from '../../farm/bullmq-queue.js';
import { versionDir, type RenderFinishResult } from '../../jobs/render-chunks.js';

export interface FarmRenderCliOptions extends UpscaleFlags, TilingFlags {
  production?: string;
  json?: boolean;
  model?: string;
  range?: [number, number];
  output?: string;
  coherence: boolean;
  window?: number;
  flow?: string;
  bits: '8' | '16';
  movie: boolean;
  prores?: boolean;
  queue?: string;
  chunk?: number;
  priority?: number;
  detach?: boolean;
}

export async function renderOnFarm(shotName: string, o: FarmRenderCliOptions): Promise<void> {
  const connection = queueFromOptions(o.queue);
  if (!connection) throw new Error('--farm needs the farm\'s queue: --queue redis://host:6379 (or $ATELIER_QUEUE)');
  if (o.chunk !== undefined && o.chunk < 1) throw new Error(`--chunk must be at least 1 frame, got ${o.chunk}`);
  if (o.model && !/^\d+$/.test(o.model)) throw new Error('--farm needs a model version number (workers load the model by its version), not a file');
  const coherence: CoherenceOptions | null = coherenceFromFlags(o);
  // Chunks get the render's tiling as JSON, which has no Infinity ("never tile" from --tile 0).
  const parsed = parseTiling(o);
  const tiling = parsed.tileAbove === Infinity ? { ...parsed, tileAbove: Number.MAX_SAFE_INTEGER } : parsed;

  const prod = await openProduction(o.production);
  let spec;
  try {
    const shot = await prod.shot(shotName);
    const range = o.range ?? shot.range;
    if (range[0] > range[1] || range[0] < shot.range[0] || range[1] > shot.range[1]) throw new Error(`frame range ${range[0]}-${range[1]} is outside shot ${shot.name} (${shot.range[0]}-${shot.range[1]})`);
    // Check the inputs here, not on the farm: a bad shot fails now with a clear message.
    const { model, version } = await resolveLookModel(prod, o.model, { shot: shot.name });
    const guides = model.config.guides;
    model.generator.dispose();
    if (version === null) throw new Error('--farm needs a model version number');
    const need = shot.frames.filter((f) => f.frame >= range[0] && f.frame <= range[1]);
    const lacking = need.filter((f) => !f.rough || guides.some((g) => !f.passes[g.name]));
    if (need.length !== range[1] - range[0] + 1 || lacking.length) throw new Error(`shot ${shot.name} lacks rough frames or render passes (${guides.map((g) => g.name).join(', ') || 'none'}) the model needs in ${range[0]}-${range[1]}`);
    const noMotion = coherence?.motion ? shot.frames.filter((f) => !f.passes[MOTION_PASS]).map((f) => f.frame) : [];
    if (noMotion.length) throw new Error(`--flow motion: shot ${shot.name} has no ${MOTION_PASS} pass on frame${noMotion.length > 1 ? 's' : ''} ${noMotion.join(', ')}`);
    // The upscaler is fixed to a version now: every chunk uses the same one, whatever is trained meanwhile.
    let upscale = upscaleFromFlags(o);
    if (upscale) {
      if (upscale.model !== undefined && !/^\d+$/.test(upscale.model)) throw new Error('--farm needs an upscaler version number (workers load it by its version), not a file');
      const u = await resolveRenderUpscaler(prod, upscale);
      u.model.net.dispose();
      upscale = { model: String(u.version), passes: upscale.passes };
    }
    const outAbs = o.output ? resolve(o.output) : claimVersionDir(prod.dir, shot.name);
    const outDir = relative(prod.dir, versionDir(prod, outAbs));
    mkdirSync(outAbs, { recursive: true });
    spec = {
      createdBy: `cli:${process.env.USER ?? 'user'}`, productionDir: prod.dir, shot: shot.name, modelVersion: version, outDir, range,
      shotStart: shot.range[0], bits: Number(o.bits) as 8 | 16, coherence, movie: o.movie, codec: o.prores ? 'prores' as const : 'h264' as const,
      chunk: o.chunk ?? 8, priority: o.priority,
      // Render options the local command has too (--quality, tiling, upscaling), passed to every chunk.
      render: {
        ...((o as { quality?: string }).quality ? { quality: (o as { quality?: string }).quality } : {}),
        ...(Object.keys(tiling).length ? { tiling } : {}), ...(upscale ? { upscale } : {}),
      },
    };
  } finally { await prod.close(); }

  const q = new BullMQQueue({ connection, queueName: queueNameFor(spec.productionDir), events: !o.detach });
  try {
    const job = await q.ready().then(() => q.submitRender(spec)).catch((err: unknown) => {
      if (!o.output) releaseIfEmpty(resolve(spec.productionDir, spec.outDir)); // nothing was queued into it
      throw err;
    });
    const workers = await q.workers();
    if (!o.json) {
      process.stderr.write(`farm render ${job.id}: ${spec.shot} ${spec.range[0]}-${spec.range[1]} → ${spec.outDir} on queue ${q.name}\n`);
      if (!workers.length) process.stderr.write(`no worker is taking this production's jobs yet: start one with \`atelier worker --queue ${connection.url} --production <dir>\`\n`);
    }
    if (o.detach) {
      printResult(!!o.json, { job: job.id, queue: q.name, outDir: spec.outDir }, () => `${job.id}\n(follow it with \`atelier farm job ${job.id}\`; cancel with \`atelier farm cancel ${job.id}\`)`);
      return;
    }
    const frames = spec.range[1] - spec.range[0] + 1;
    const bar = new ProgressBar(`farm render ${spec.shot}`, frames, process.stderr, 'frame');
    let interrupts = 0;
    const onInt = () => {
      interrupts++;
      if (interrupts > 1) { process.stderr.write('\nleaving the render on the farm\n'); process.exit(130); }
      process.stderr.write(`\ncancelling ${job.id} on the farm; press Ctrl-C again to leave it running and quit\n`);
      void q.cancel(job.id).catch((err) => process.stderr.write(`cancel failed: ${(err as Error).message}\n`));
    };
    process.on('SIGINT', onInt);
    const t0 = Date.now();
    const end = await q.waitFor(job.id, (e) => {
      if (o.json || e.type !== 'progress' || e.progress === null) return;
      bar.update(Math.round(e.progress * frames), e.message.slice(0, 60));
    });
    process.off('SIGINT', onInt);
    if (end.status !== 'done') throw new Error(`farm render ${job.id} ${end.status}${end.error ? `: ${end.error}` : ''}`);
    bar.done();
    const r = end.result as RenderFinishResult;
    const out = { ...r, job: job.id, outDir: resolve(spec.productionDir, r.dir), seconds: (Date.now() - t0) / 1000 };
    printResult(!!o.json, out, () => `${r.frames} frames of ${r.shot} in ${out.outDir} (${fmt(out.seconds)}; ${r.chunks} chunks on ${r.workers.length} worker(s))`
      + (r.movie ? `\nmovie: ${resolve(spec.productionDir, r.movie)}` : '') + (r.movieNote ? `\n${r.movieNote}` : ''));
  } finally { await q.close(); }
}
