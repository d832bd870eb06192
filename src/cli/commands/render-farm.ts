// `atelier render <shot> --farm`: the shot as a BullMQ flow of frame-range chunks on the farm, then
// (unless --detach) a progress bar until the finish job has written the movie and recorded the
// version. Ctrl-C cancels the render on the farm; a second Ctrl-C leaves it running and quits.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { openProduction } from '../../store/index.js';
import { releaseIfEmpty } from '../../render/version-dir.js';
import { describeRender } from '../../render/render-description.js';
import { coherenceFromFlags } from './coherence-options.js';
import { upscaleFromFlags, type UpscaleFlags } from './upscale-options.js';
import { parseTiling, type TilingFlags } from './tiling-options.js';
import { ProgressBar, fmt } from '../../terminal/progress.js';
import { printResult } from '../output.js';
import { queueFromOptions, queueNameFor } from '../../farm/connection.js';
import { BullMQQueue } from '../../farm/bullmq-queue.js';
import { farmRenderSpec, type RenderFinishResult } from '../../jobs/render-chunks.js';
import type { MovieCodec } from '../../render/movie.js';

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
  format?: string;
  lookWidth?: number;
  colorSpace?: string;
  matte?: string;
  movie: boolean;
  /** The movie's codec (movie-options.ts; default H.264). */
  codec?: MovieCodec;
  burnIn?: boolean;
  queue?: string;
  chunk?: number;
  priority?: number;
  detach?: boolean;
  quality?: string;
}

/** The CLI's --bits / --format / --color-space as a render request's fields (bits only for PNG). */
export function bitsOrFormat(o: { bits: string; format?: string; colorSpace?: string }): { bits?: number; format?: string; colorSpace?: string } {
  return o.format === 'exr' ? { format: 'exr', ...(o.colorSpace !== undefined ? { colorSpace: o.colorSpace } : {}) } : { bits: Number(o.bits), ...(o.format ? { format: o.format } : {}), ...(o.colorSpace !== undefined ? { colorSpace: o.colorSpace } : {}) };
}

export async function renderOnFarm(shotName: string, o: FarmRenderCliOptions): Promise<void> {
  const connection = queueFromOptions(o.queue);
  if (!connection) throw new Error('--farm needs the farm\'s queue: --queue redis://host:6379 (or $ATELIER_QUEUE)');
  if (o.chunk !== undefined && o.chunk < 1) throw new Error(`--chunk must be at least 1 frame, got ${o.chunk}`);
  if (o.model && !/^\d+$/.test(o.model)) throw new Error('--farm needs a model version number (workers load the model by its version), not a file');
  const coherence = coherenceFromFlags(o);
  const upscale = upscaleFromFlags(o);
  if (upscale?.model !== undefined && !/^\d+$/.test(upscale.model)) throw new Error('--farm needs an upscaler version number (workers load it by its version), not a file');

  const prod = await openProduction(o.production);
  let spec;
  try {
    // One description, checked here, not on the farm: a bad shot fails now with a clear message;
    // model and upscaler are pinned to versions, whatever is trained meanwhile.
    const { description: d, model } = await describeRender(prod, {
      shot: shotName, range: o.range, model: o.model, ...bitsOrFormat(o), ...(o.matte !== undefined ? { matte: o.matte } : {}), coherence, quality: o.quality,
      tiling: parseTiling(o), ...(o.lookWidth !== undefined ? { lookWidth: o.lookWidth } : {}), upscale, outDir: o.output ? resolve(o.output) : undefined, versionsOnly: true,
    });
    model.generator.dispose();
    if (d.modelVersion === null) throw new Error('--farm needs a model version number');
    mkdirSync(resolve(prod.dir, d.outDir), { recursive: true });
    spec = {
      createdBy: `cli:${process.env.USER ?? 'user'}`, productionDir: prod.dir, ...farmRenderSpec(d),
      movie: o.movie, codec: o.codec ?? 'h264', ...(o.burnIn ? { burnIn: true } : {}), chunk: o.chunk ?? 8, priority: o.priority,
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
