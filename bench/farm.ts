// npm run bench -- farm: the sample production's test shot (sh010, 24 frames of 256²) rendered
// locally (no queue, 1 thread, lineage recorded as `atelier render` does), then on a farm through a real redis-server started here: 1 worker,
// then 2 workers (`atelier worker` processes, 1 thread each), the same chunks both times; frames
// compared byte for byte with the local render; a worker SIGKILLed mid-chunk (the chunk must be
// finished by the other worker, every frame there once). Local and farm are timed warm (model loaded,
// a frame rendered first); a cold worker's first render is reported on its own. Redis commands per chunk (INFO
// commandstats) and chunk times feed the scheduler simulation (src/farm/simulate.ts) at 10, 100
// and 1000 workers (also written to <out>/farm/measured.json for `npm run bench -- farm-sim`).
//
// The production: $FARM_PRODUCTION, else bench/out/look/production (`npm run bench -- look`), else a
// 120 s model is trained; it is copied to <out>/farm/production first (the source is never written).
// BENCH_FARM_CHUNK: frames per chunk (default 12: two chunks of equal work). Last line: JSON.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { openProduction, listModelVersions } from '../src/store/index.js';
import { resolveLookModel } from '../src/jobs/model-ref.js';
import { renderShotFrames } from '../src/render/render-shot.js';
import { DEFAULT_COHERENCE, preRoll } from '../src/render/coherence.js';
import { BullMQQueue, type FarmJobData } from '../src/farm/bullmq-queue.js';
import { parseQueueUrl, queueNameFor } from '../src/farm/connection.js';
import { planChunks } from '../src/farm/chunks.js';
import type { RenderChunkResult, RenderFinishResult } from '../src/farm/render-jobs.js';
import { simulateFarm, scenarios, type SimParams } from '../src/farm/simulate.js';

/** bench look also registers baseline_l1 (the pixel loss only); the benchmarks use its main model. */
const isPlainLossBaseline = (v: { config: unknown }) => {
  const t = (v.config as { train?: { wFeature?: number; wGram?: number; wAdv?: number } } | null)?.train;
  return !!t && !t.wFeature && !t.wGram && !t.wAdv;
};

const log = (m: string) => process.stderr.write(m + '\n');
const SELF = fileURLToPath(import.meta.url);
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

// Child mode: renders ranges of a shot in this process with 1 libtorch thread; prints the seconds.
if (process.argv[2] === '--local') {
  const [prodDir, shot, outDir, ranges] = process.argv.slice(3) as [string, string, string, string];
  const prod = await openProduction(prodDir);
  const look = (await listModelVersions(prod)).filter((v) => v.kind === 'look' && !isPlainLossBaseline(v)).at(-1)!;
  const { model } = await resolveLookModel(prod, String(look.id));
  // Warm, like the farm's workers when they are timed: one frame rendered first, not timed.
  const first = (await prod.shot(shot)).range[0];
  await renderShotFrames(prod, shot, model, look.id, { outDir: `${outDir}-warm`, range: [first, first] });
  if (process.argv[7] === 'sync') {
    // Started with another local render: both warm, then both go at once (the parallel ceiling below).
    process.stdout.write('ready\n');
    await new Promise((r) => process.stdin.once('data', r));
  }
  let seconds = 0;
  const each: number[] = [];
  for (const r of JSON.parse(ranges) as ([number, number] | null)[]) {
    // With lineage records, as `atelier render` and the farm's chunks write them.
    const res = await renderShotFrames(prod, shot, model, look.id, { outDir, ...(r ? { range: r } : {}) });
    seconds += res.seconds;
    each.push(res.seconds);
  }
  model.generator.dispose();
  await prod.close();
  console.log(JSON.stringify({ seconds, each }));
  process.exit(0);
}

const out = resolve(process.env.BENCH_OUT ?? 'bench/out');
const farmOut = join(out, 'farm');
const shot = process.env.BENCH_FARM_SHOT ?? 'sh010';
const chunk = Number(process.env.BENCH_FARM_CHUNK ?? 12);

// The production, copied.
let source = process.env.FARM_PRODUCTION ?? join(out, 'look', 'production');
if (!existsSync(join(source, 'atelier-production.json'))) {
  const { ensureSample, freshProduction } = await import('../src/demo/pipeline.js');
  const { runTrainLook } = await import('../src/jobs/train-look.js');
  await ensureSample(join(out, 'sample'), log);
  source = join(farmOut, 'trained');
  if (!existsSync(join(source, 'atelier-production.json'))) {
    const { prod, dataset } = await freshProduction(source, join(out, 'sample'), log);
    log('no look benchmark production: training a 120 s model');
    await runTrainLook(prod, { dataset, train: { budgetSeconds: 120 } }, () => {});
    await prod.close();
  }
}
const prodDir = join(farmOut, 'production');
rmSync(prodDir, { recursive: true, force: true });
mkdirSync(farmOut, { recursive: true });
cpSync(source, prodDir, { recursive: true, filter: (s) => !s.includes(`${source}/renders`) });
const prod = await openProduction(prodDir);
const look = (await listModelVersions(prod)).filter((v) => v.kind === 'look' && !isPlainLossBaseline(v)).at(-1)!;
const shotInfo = await prod.shot(shot);
const frames = shotInfo.range[1] - shotInfo.range[0] + 1;
log(`model #${look.id}, shot ${shot} (${frames} frames) from ${source}; chunks of ${chunk}`);

const env = { ...process.env, ATELIER_THREADS: '1' };
const plan = planChunks(shotInfo.range, chunk, preRoll(DEFAULT_COHERENCE), shotInfo.range[0]);
// Releases the parallel local renders together once every one is warm.
const waiting: ChildProcess[] = [];
function parallelReady(c: ChildProcess): void {
  waiting.push(c);
  if (waiting.length === plan.chunks.length) for (const w of waiting) w.stdin!.write('go\n');
}
const localRun = (dir: string, ranges: ([number, number] | null)[]) => {
  const r = spawnSync(process.execPath, [SELF, '--local', prodDir, shot, dir, JSON.stringify(ranges)], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`local render failed (${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; each: number[] };
};
const local = (dir: string, ranges: ([number, number] | null)[]) => localRun(dir, ranges).seconds;
const localDir = join(prodDir, 'renders', shot, 'local');
const localBefore = local(localDir, [null]);
let localSeconds = localBefore;
log(`local, 1 thread: ${localSeconds.toFixed(2)} s (${(frames / localSeconds).toFixed(2)} fps)`);
const chunkedSeconds = local(join(prodDir, 'renders', shot, 'local-chunks'), plan.chunks);
log(`local, the farm's ${plan.chunks.length} chunks one after another: ${chunkedSeconds.toFixed(2)} s (pre-roll: ${plan.workFrames - frames} extra frames)`);
// A pre-roll frame's cost: one frame with a full pre-roll minus one frame with none (three times each).
const { each } = localRun(join(prodDir, 'renders', shot, 'preroll'), [0, 1, 2].flatMap((i) => [[shotInfo.range[0] + i, shotInfo.range[0] + i], [shotInfo.range[1] - i, shotInfo.range[1] - i]] as [number, number][]));
const alone = [each[0]!, each[2]!, each[4]!], rolled = [each[1]!, each[3]!, each[5]!];
const preRollSecondsPerFrame = Math.max(0, (rolled.reduce((x, y) => x + y) - alone.reduce((x, y) => x + y)) / 3 / preRoll(DEFAULT_COHERENCE));
log(`a pre-roll frame: ${preRollSecondsPerFrame.toFixed(3)} s (a frame alone ${Math.min(...alone).toFixed(2)} s, after a full pre-roll ${Math.min(...rolled).toFixed(2)} s)`);
// The machine's own ceiling for the farm's scaling: the same two chunks rendered at once by two
// local processes (1 thread each, no queue), against one after another in one process.
const parallelLocal = await Promise.all(plan.chunks.map((r, i) => new Promise<number>((res, rej) => {
  const c = spawn(process.execPath, [SELF, '--local', prodDir, shot, join(prodDir, 'renders', shot, `parallel-${i}`), JSON.stringify([r]), 'sync'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  c.stdout!.on('data', (d) => { out += d; if (out === 'ready\n') parallelReady(c); });
  c.on('exit', (code) => (code === 0 ? res((JSON.parse(out.trim().split('\n').at(-1)!) as { seconds: number }).seconds) : rej(new Error(`parallel local render failed (${code})`))));
})));
const parallelSeconds = Math.max(...parallelLocal);
log(`the same chunks at once in two local processes: ${parallelLocal.map((x) => x.toFixed(2)).join(' s, ')} s: ${(chunkedSeconds / parallelSeconds).toFixed(2)}x one process (this machine's ceiling for scaling)`);
const pngs = (d: string) => readdirSync(d).filter((n) => n.endsWith('.png')).sort().map((n) => readFileSync(join(d, n)));
const localFrames = pngs(localDir);
const same = (dir: string) => { const f = pngs(dir); return f.length === localFrames.length && f.every((b, i) => b.equals(localFrames[i]!)); };

// Redis and workers.
const port = await new Promise<number>((res) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); }); });
const redisDir = mkdtempSync(join(tmpdir(), 'atelier-bench-redis-'));
const redisProc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', redisDir, '--loglevel', 'warning'], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}`;
const workers: ChildProcess[] = [];
const cleanup = () => { for (const w of workers) w.kill('SIGKILL'); redisProc.kill('SIGKILL'); rmSync(redisDir, { recursive: true, force: true }); };
process.on('exit', cleanup);
const startWorker = async () => {
  const w = spawn(process.execPath, [MAIN, 'worker', '--queue', url, '--production', prodDir, '--threads', '1', '--nice', '0', '--lock-seconds', '3'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  w.stderr!.on('data', (d) => { text += d; });
  workers.push(w);
  for (let i = 0; i < 600 && !/ on queue /.test(text); i++) await new Promise((r) => setTimeout(r, 50));
  if (!/ on queue /.test(text)) throw new Error(`worker did not start: ${text}`);
  return w;
};
await new Promise((r) => setTimeout(r, 300));
const q = new BullMQQueue({ connection: parseQueueUrl(url), queueName: queueNameFor(prodDir), backoffMs: 500 });
await q.ready();
const redis = new Redis(url);
const commandStats = async () => {
  const info = await redis.info('commandstats');
  let calls = 0, usec = 0;
  for (const m of info.matchAll(/calls=(\d+),usec=(\d+)/g)) { calls += Number(m[1]); usec += Number(m[2]); }
  return { calls, usec };
};

let runs = 0;
async function farmRender(onProgress?: (e: { message: string; detail: unknown }) => void, range = shotInfo.range, chunkSize = chunk) {
  const dir = `renders/${shot}/farm${++runs}`;
  const off = onProgress ? q.subscribe((e) => { if (e.type === 'progress') onProgress({ message: e.message, detail: e.detail }); }) : () => {};
  const job = await q.submitRender({ createdBy: 'bench', productionDir: prodDir, shot, modelVersion: look.id, outDir: dir, range, shotStart: shotInfo.range[0], chunk: chunkSize, movie: false });
  const end = await q.waitFor(job.id, undefined, 5000); // events wake it; polling would add Redis commands to the count
  off();
  if (end.status !== 'done') throw new Error(`farm render ${end.status}: ${end.error}`);
  const parent = (await Job.fromId(q.queue, job.id))!;
  const wall = (parent.finishedOn! - parent.timestamp) / 1000;
  const children = ((await q.queue.getJobs(['completed'], 0, 999)) as Job[]).filter((j) => (j.data as FarmJobData).parent === job.id);
  const chunkTimes = children.map((c) => ({ wall: (c.finishedOn! - c.processedOn!) / 1000, render: (c.returnvalue as RenderChunkResult).seconds, frames: (c.data as FarmJobData).frames! }));
  return { dir: join(prodDir, dir), wall, result: end.result as RenderFinishResult, chunkTimes, finishSeconds: (parent.finishedOn! - parent.processedOn!) / 1000 };
}

// Workers are timed warm, as the local render is (model loaded, one frame rendered): a farm's
// workers keep the production open and the model loaded from job to job. Warming: renders of the
// shot's first two frames in 1-frame chunks until every worker has taken a chunk.
const warm = async (n: number) => {
  let first = 0;
  for (let i = 0; i < 6; i++) {
    const r = await farmRender(undefined, [shotInfo.range[0], shotInfo.range[0] + 1], 1);
    first ||= r.wall;
    if (r.result.workers.length >= n) return first;
  }
  throw new Error(`warming ${n} workers: not every worker took a chunk in 6 renders`);
};

await startWorker();
const coldSeconds = await warm(1);
log(`a cold worker's first render (opens the production, loads the model; 2 frames): ${coldSeconds.toFixed(2)} s`);
// Each setting BENCH_FARM_REPEATS times (default 3), local renders between the farm's, medians
// reported: the same local render varies by ~8% from one minute to the next on this machine.
const repeats = Math.max(1, Number(process.env.BENCH_FARM_REPEATS ?? 3));
const median = <T>(xs: T[], by: (x: T) => number): T => [...xs].sort((x, y) => by(x) - by(y))[Math.floor((xs.length - 1) / 2)]!;
const s0 = await commandStats();
const ones = [await farmRender()];
const s1 = await commandStats();
const locals = [localBefore, local(join(prodDir, 'renders', shot, 'local-again-0'), [null])];
for (let i = 1; i < repeats; i++) {
  ones.push(await farmRender());
  locals.push(local(join(prodDir, 'renders', shot, `local-again-${i}`), [null]));
}
localSeconds = median(locals, (x) => x);
const one = median(ones, (r) => r.wall);
log(`local: ${locals.map((x) => x.toFixed(2)).join(', ')} s; median ${localSeconds.toFixed(2)} s (${(frames / localSeconds).toFixed(2)} fps)`);
log(`1 worker: ${ones.map((r) => r.wall.toFixed(2)).join(', ')} s; median ${one.wall.toFixed(2)} s (${(frames / one.wall).toFixed(2)} fps); its chunks ${one.chunkTimes.map((c) => `${c.wall.toFixed(2)} s (render ${c.render.toFixed(2)})`).join(', ')}; finish ${one.finishSeconds.toFixed(2)} s; ${one.result.preRolledFrames} pre-roll frames`);
await startWorker();
await warm(2);
const twos = [];
for (let i = 0; i < repeats; i++) twos.push(await farmRender());
const two = median(twos, (r) => r.wall);
log(`2 workers: ${twos.map((r) => r.wall.toFixed(2)).join(', ')} s; median ${two.wall.toFixed(2)} s (${(frames / two.wall).toFixed(2)} fps) on ${two.result.workers.length} workers; its chunks ${two.chunkTimes.map((c) => `${c.wall.toFixed(2)} s (render ${c.render.toFixed(2)})`).join(', ')}; ${two.result.preRolledFrames} pre-roll frames`);

// A worker SIGKILLed mid-chunk (the first to report its second frame of a chunk).
let killedPid = 0;
const killRun = await farmRender((e) => {
  const d = e.detail as { done?: number; total?: number } | undefined;
  const m = /:(\d+):/.exec(e.message);
  if (killedPid || !m || !d?.done || !d.total || d.done < 2 || d.done >= d.total) return;
  const victim = workers.find((w) => w.pid === Number(m[1]) && w.exitCode === null);
  if (victim) { killedPid = victim.pid!; victim.kill('SIGKILL'); log(`killed worker pid ${killedPid} mid-chunk (frame ${d.done}/${d.total} of its chunk)`); }
});
const killedDir = readdirSync(killRun.dir);
const rows = await prod.db.selectFrom('renders').select('path').where('path', 'like', `${killRun.dir}/%`).execute();
const recorded = new Set(rows.map((r) => r.path));
const killedWorkerRecovered = killedPid > 0 && same(killRun.dir) && !killedDir.some((n) => n.endsWith('.tmp'))
  && rows.length === frames && recorded.size === frames;
log(`after the kill: ${killedWorkerRecovered ? 'every frame there once, byte-identical' : 'NOT recovered'} (${killRun.wall.toFixed(2)} s, ${killRun.result.recordsRepaired} records repaired)`);

const identical = [...ones, ...twos].every((r) => same(r.dir));
const chunks1 = ones[0]!.chunkTimes.length;
const measured: Omit<SimParams, 'workers' | 'shots'> & { source: string } = {
  source: `bench farm ${new Date().toISOString()}: ${shot} at 256x256, 1 libtorch thread per worker`,
  chunk: 8,
  preRoll: preRoll(DEFAULT_COHERENCE),
  secondsPerFrame: +(localSeconds / frames).toFixed(4),
  preRollSecondsPerFrame: +preRollSecondsPerFrame.toFixed(4),
  frameCv: 0.15,
  chunkOverheadSeconds: +(one.chunkTimes.reduce((s, c) => s + (c.wall - c.render), 0) / chunks1).toFixed(3),
  finishSecondsPerFrame: 0,
  finishFixedSeconds: +one.finishSeconds.toFixed(3),
  redisOpsPerChunk: Math.round((s1.calls - s0.calls) / (chunks1 + 1)),
  redisSecondsPerOp: +(((s1.usec - s0.usec) / Math.max(1, s1.calls - s0.calls)) / 1e6).toFixed(8),
};
writeFileSync(join(farmOut, 'measured.json'), JSON.stringify(measured, null, 2));
const sim: Record<string, number> = {};
for (const w of [10, 100, 1000]) {
  for (const sc of scenarios(w, measured.chunk)) {
    const r = simulateFarm({ ...measured, workers: w, shots: sc.shots });
    sim[`utilization_${sc.name}_${w}`] = r.utilization;
    log(`simulated ${w} workers, ${sc.name} (${r.chunks} chunks): utilization ${(r.utilization * 100).toFixed(1)}% (rendering written frames ${(r.usefulUtilization * 100).toFixed(1)}%), ${r.framesPerSecond} fps, Redis busy ${(r.redisUtilization * 100).toFixed(2)}%`);
  }
}

await q.close();
redis.disconnect();
await prod.close();
cleanup();

const localFps = frames / localSeconds;
const fps1 = frames / one.wall, fps2 = frames / two.wall;
console.log(JSON.stringify({
  local_fps: +localFps.toFixed(3),
  fps_1_worker: +fps1.toFixed(3),
  fps_2_workers: +fps2.toFixed(3),
  scaling: +(fps2 / fps1).toFixed(3),
  queue_overhead: +(1 - fps1 / localFps).toFixed(3),
  queue_overhead_same_chunks: +(1 - fps1 / (frames / chunkedSeconds)).toFixed(3),
  preroll_overhead: +(chunkedSeconds / localSeconds - 1).toFixed(3),
  preroll_s_per_frame: +preRollSecondsPerFrame.toFixed(3),
  local_s_runs: locals.map((x) => +x.toFixed(2)),
  farm_1_worker_s_runs: ones.map((r) => +r.wall.toFixed(2)),
  farm_2_workers_s_runs: twos.map((r) => +r.wall.toFixed(2)),
  frames_identical: identical,
  killed_worker_recovered: killedWorkerRecovered,
  chunk,
  chunks: chunks1,
  redis_ops_per_chunk: measured.redisOpsPerChunk,
  chunk_overhead_s: measured.chunkOverheadSeconds,
  cold_first_render_s: +coldSeconds.toFixed(3),
  local_parallel_scaling: +(chunkedSeconds / parallelSeconds).toFixed(3),
  preroll_frames_1_worker: one.result.preRolledFrames,
  ...sim,
  model_version: look.id,
}));
process.exit(0);
