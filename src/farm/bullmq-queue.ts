// The farm backend of the JobQueue interface: jobs live in Redis (BullMQ), `atelier worker` processes
// on any machine take them, and this object (in the dailies server or the CLI) submits, cancels,
// lists and watches them. Job kinds are the shared table (src/server/jobs/kinds.ts). A render of a
// shot ("render-shot") becomes a BullMQ flow: one "render-chunk" job per frame-range chunk under a
// "render-finish" parent that runs once every chunk is done (see render-jobs.ts).
//
// Cancel: a key in Redis marks the job (and, for a flow, its chunks through their parent); workers
// check it before starting a job and every second while running one, and stop it without a retry.
// Closing this object leaves farm jobs running: they belong to the farm, not to this process.
import { join, relative } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Queue, FlowProducer, QueueEvents, Job, type JobsOptions, type FlowJob } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueUnavailableError, type FarmStats, type FarmWorkerInfo, type JobEvent, type JobProgress, type JobQueue, type JobRecord, type JobSpec, type JobStatus } from '../jobs/queue.js';
export type { FarmStats, FarmWorkerInfo } from '../jobs/queue.js';
import { JOB_KINDS, type JobKind } from '../jobs/kinds.js';
import { bullConnection, farmKeys, type FarmConnection } from './connection.js';
import { planChunks } from '../jobs/chunks.js';
import { DEFAULT_COHERENCE, preRoll, type CoherenceOptions } from '../render/coherence.js';
import { MOVIE_CODECS, type MovieCodec } from '../render/movie.js';
import { farmRenderSpec, type ChunkRenderOptions, type RenderChunkInput, type RenderChunkResult, type RenderFinishInput } from '../jobs/render-chunks.js';
import { describeRender, type RenderDescription } from '../render/render-description.js';
import { renderRequestOf, type RenderShotInput } from '../jobs/run-jobs.js';
import { openProduction } from '../store/index.js';

/** What a BullMQ job of ours carries. */
export interface FarmJobData {
  /** The kind shown to people (a flow's parent says "render-shot"; job.name is what runs). */
  kind: string;
  title: string;
  createdBy: string;
  input: Record<string, unknown>;
  /** Chunks: the id of their flow's parent, and their share of its frames. */
  parent?: string;
  frames?: number;
  totalFrames?: number;
}

/** What workers put in job.progress. */
export interface FarmProgress extends JobProgress { worker?: string; parent?: string; frames?: number; totalFrames?: number }

export interface FarmRenderSpec {
  title?: string;
  createdBy: string;
  productionDir: string;
  shot: string;
  modelVersion: number;
  /** Version folder relative to the production folder. */
  outDir: string;
  range: [number, number];
  /** The shot's first frame (chunks starting there need no pre-roll). */
  shotStart: number;
  bits?: 8 | 16;
  coherence?: CoherenceOptions | null;
  movie?: boolean;
  /** Any codec of the movie writer (render/movie.ts), as a local render's movie. */
  codec?: MovieCodec;
  /** Burn the shot, version, frame and timecode into the movie. */
  burnIn?: boolean;
  /** Frames per chunk (default: the queue's). */
  chunk?: number;
  /** BullMQ priority: 1 is served first; default 1000. Chunks inherit their render's. */
  priority?: number;
  /** The rest of the render's description for every chunk (quality, tiling, upscaler, strokes). */
  render?: ChunkRenderOptions;
}

export interface BullMQQueueOptions {
  connection: FarmConnection;
  queueName: string;
  /** Frames per chunk of a farm render; 0 submits "render-shot" as one job. Default 8. */
  chunk?: number;
  /** Tries per job (retries with exponential backoff). Default 3. */
  attempts?: number;
  /** First retry delay, ms (doubles each retry). Default 2000. */
  backoffMs?: number;
  /** Listen to the queue's events for subscribe() (the dailies server). Default true. */
  events?: boolean;
  kinds?: Record<string, JobKind>;
}

const TYPES = ['active', 'waiting', 'prioritized', 'delayed', 'waiting-children', 'completed', 'failed'] as const;
type State = (typeof TYPES)[number] | 'unknown' | 'wait';
/** Longest a waiting caller's request to Redis may take (reach). */
const REQUEST_MS = 5000;
/** ioredis states of a connection that was lost and is not back. */
const LOST = new Set(['reconnecting', 'close', 'end']);
const CANCEL_TTL = 7 * 86400;
const CANCELLED = /^(job )?cancelled/;

const iso = (ms: number | undefined | null) => (ms ? new Date(ms).toISOString() : null);

export class BullMQQueue implements JobQueue {
  readonly queue: Queue;
  readonly name: string;
  private readonly flow: FlowProducer;
  private readonly redis: Redis;
  private events: QueueEvents | null = null;
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private readonly kindsTable: Record<string, JobKind>;
  /** Live frames done per chunk of each running flow, from progress events. */
  private readonly flows = new Map<string, { total: number; done: Map<string, number> }>();
  private closed = false;

  constructor(private readonly o: BullMQQueueOptions) {
    this.name = o.queueName;
    const connection = bullConnection(o.connection);
    this.queue = new Queue(o.queueName, { connection });
    this.flow = new FlowProducer({ connection });
    this.redis = new Redis(o.connection.url, { maxRetriesPerRequest: null });
    this.kindsTable = o.kinds ?? JOB_KINDS;
    // Connection errors are retried by ioredis; without a listener they would be thrown.
    const quiet = () => {};
    this.queue.on('error', quiet);
    this.flow.on('error', quiet);
    this.redis.on('error', quiet);
    if (o.events ?? true) this.listen();
  }

  kinds(): string[] { return Object.keys(this.kindsTable).filter((k) => !this.kindsTable[k]!.flowOnly); }

  /** Resolves once Redis answers; rejects with a clear message after timeoutMs (commands would
   *  otherwise wait for Redis forever, which is what a worker wants and a person at a prompt not).
   *  Default: $ATELIER_QUEUE_CONNECT_SECONDS, else 10 s. */
  async ready(timeoutMs = 1000 * (Number(process.env.ATELIER_QUEUE_CONNECT_SECONDS) || 10)): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const c = this.o.connection;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`cannot reach the farm's Redis at ${c.host}:${c.port} (${Math.round(timeoutMs / 1000)} s); is redis-server running there?`)), timeoutMs);
    });
    try {
      await Promise.race([(async () => {
        await this.redis.ping();
        await this.queue.waitUntilReady();
        await this.events?.waitUntilReady();
      })(), timeout]);
    } finally { clearTimeout(timer); }
  }

  /**
   * Runs a request against Redis for a caller who is waiting (a dailies request, a CLI command):
   * fails at once while the connection is lost, and after REQUEST_MS otherwise. ioredis would
   * hold the commands until Redis is back, and the dailies' pages with them; a submit that fails
   * here was not queued, so trying again later does not submit twice.
   */
  private async reach<T>(what: string, op: () => Promise<T>): Promise<T> {
    const c = this.o.connection;
    const down = () => new QueueUnavailableError(`the farm's Redis at ${c.host}:${c.port} is not answering (${what}); the render farm's jobs are out of reach until it is back`);
    // Lost (ioredis is between reconnection attempts): fail now. Still connecting: wait, bounded.
    if (LOST.has(this.redis.status)) throw down();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([op(), new Promise<never>((_, reject) => { timer = setTimeout(() => reject(down()), REQUEST_MS); })]);
    } finally { clearTimeout(timer); }
  }

  private jobOptions(priority?: number): JobsOptions {
    return {
      priority: priority ?? 1000,
      attempts: this.o.attempts ?? 3,
      backoff: { type: 'exponential', delay: this.o.backoffMs ?? 2000 },
      removeOnComplete: { age: 30 * 86400, count: 2000 },
      removeOnFail: { age: 30 * 86400, count: 2000 },
    };
  }

  async submit(spec: JobSpec): Promise<JobRecord> {
    if (this.closed) throw new Error('the job queue is closed');
    if (this.redis.status !== 'ready') await this.reach('submitting a job', () => this.redis.ping());
    const k = this.kindsTable[spec.kind];
    if (!k || k.flowOnly) throw new Error(`unknown job kind "${spec.kind}"; kinds are: ${this.kinds().join(', ')}`);
    const chunk = this.o.chunk ?? 8;
    if (spec.kind === 'render-shot' && chunk > 0) {
      // A dailies render on the farm: its description (render-description.ts), checked and pinned
      // here (this machine mounts the production too), split into chunks.
      const i = spec.input as unknown as RenderShotInput & { priority?: number };
      const prod = await openProduction(i.productionDir);
      let d: RenderDescription;
      try {
        const described = await describeRender(prod, renderRequestOf(i, true));
        described.model.generator.dispose();
        d = described.description;
      } finally { await prod.close(); }
      return this.submitRender({
        title: spec.title, createdBy: spec.createdBy, productionDir: i.productionDir, ...farmRenderSpec(d), priority: i.priority,
        ...(i.movie === false ? { movie: false } : {}), ...(i.codec ? { codec: i.codec } : {}), ...(i.burnIn ? { burnIn: true } : {}), // the dailies' movie options
      });
    }
    const id = randomUUID();
    const data: FarmJobData = { kind: spec.kind, title: spec.title, createdBy: spec.createdBy, input: spec.input };
    const job = await this.queue.add(spec.kind, data, { ...this.jobOptions(typeof spec.input.priority === 'number' ? spec.input.priority : undefined), jobId: id });
    await this.index(id, job.timestamp);
    return this.record(job, 'waiting');
  }

  /** A shot render as a flow: one chunk job per frame range, then the finish job. */
  async submitRender(s: FarmRenderSpec): Promise<JobRecord> {
    if (this.closed) throw new Error('the job queue is closed');
    if (this.redis.status !== 'ready') await this.reach('submitting a render', () => this.redis.ping());
    if (!Number.isInteger(s.modelVersion) || s.modelVersion < 1) throw new Error('a farm render needs a model version number (workers load the model by its version)');
    if (s.codec !== undefined && !MOVIE_CODECS.includes(s.codec)) throw new Error(`movie codec must be one of ${MOVIE_CODECS.join(', ')}, got ${String(s.codec)}`);
    const coherence = s.coherence === undefined ? DEFAULT_COHERENCE : s.coherence;
    const plan = planChunks(s.range, s.chunk ?? (this.o.chunk || 8), preRoll(coherence ?? { ...DEFAULT_COHERENCE, window: 0 }), s.shotStart);
    if (s.priority !== undefined && (!Number.isInteger(s.priority) || s.priority < 1 || s.priority > 2097152)) throw new Error(`priority must be a whole number 1..2097152 (1 runs first), got ${s.priority}`);
    const parentId = randomUUID();
    const totalFrames = s.range[1] - s.range[0] + 1;
    const title = s.title ?? `render ${s.shot} ${s.range[0]}-${s.range[1]} with model #${s.modelVersion}`;
    const finish: RenderFinishInput = {
      productionDir: s.productionDir, shot: s.shot, modelVersion: s.modelVersion, outDir: s.outDir, range: s.range,
      bits: s.bits ?? 8, coherence, movie: s.movie ?? true, codec: s.codec ?? 'h264', ...(s.burnIn ? { burnIn: true } : {}), ...(s.render ? { render: s.render } : {}),
    };
    const opts = this.jobOptions(s.priority);
    const node: FlowJob = {
      name: 'render-finish', queueName: this.name,
      data: { kind: 'render-shot', title, createdBy: s.createdBy, input: finish as unknown as Record<string, unknown>, totalFrames } satisfies FarmJobData,
      opts: { ...opts, jobId: parentId },
      children: plan.chunks.map(([a, b], i) => {
        const input: RenderChunkInput = {
          productionDir: s.productionDir, shot: s.shot, modelVersion: s.modelVersion, outDir: s.outDir, range: [a, b],
          bits: s.bits ?? 8, coherence, chunk: i, chunks: plan.chunks.length, ...(s.render ? { render: s.render } : {}),
        };
        return {
          name: 'render-chunk', queueName: this.name,
          data: { kind: 'render-chunk', title: `${title}: chunk ${i + 1}/${plan.chunks.length} (${a}-${b})`, createdBy: s.createdBy, input: input as unknown as Record<string, unknown>, parent: parentId, frames: b - a + 1, totalFrames } satisfies FarmJobData,
          opts: { ...opts, jobId: randomUUID(), failParentOnFailure: true },
        };
      }),
    };
    const tree = await this.flow.add(node);
    await this.index(parentId, tree.job.timestamp);
    return this.record(tree.job as Job, 'waiting-children');
  }

  private async index(id: string, timestamp: number): Promise<void> {
    const top = farmKeys(this.name).top;
    await this.redis.multi().zadd(top, timestamp, id).zremrangebyrank(top, 0, -5001).exec();
  }

  // ---- records -----------------------------------------------------------------------------

  private async cancelledAt(ids: string[]): Promise<(string | null)[]> {
    if (!ids.length) return [];
    const k = farmKeys(this.name);
    return this.redis.mget(ids.map((id) => k.cancel(id)));
  }

  /** For renders (flow parents): when their first chunk started. */
  private async startedAt(ids: string[]): Promise<(string | null)[]> {
    if (!ids.length) return [];
    const k = farmKeys(this.name);
    return this.redis.mget(ids.map((id) => k.started(id)));
  }

  /** A BullMQ job as a JobRecord; `state` from the list it came from, or looked up. */
  private async record(job: Job, state?: State, cancelled?: string | null, started?: string | null): Promise<JobRecord> {
    const st = state ?? ((await job.getState()) as State);
    const data = job.data as FarmJobData;
    const mark = cancelled !== undefined ? cancelled : (await this.cancelledAt([job.id!]))[0] ?? null;
    const isFlow = job.name === 'render-finish';
    const flowStarted = !isFlow ? null : started !== undefined ? started : (await this.startedAt([job.id!]))[0] ?? null;
    const p = (job.progress && typeof job.progress === 'object' ? job.progress : {}) as FarmProgress;
    let status: JobStatus;
    let progress: number | null = typeof p.progress === 'number' ? p.progress : null;
    let message = typeof p.message === 'string' ? p.message : '';
    let error: string | null = null;
    if (st === 'completed') { status = 'done'; progress = 1; message = 'done'; }
    else if (st === 'failed') {
      const reason = job.failedReason ?? 'failed';
      if (mark || CANCELLED.test(reason)) { status = 'cancelled'; message = 'cancelled'; }
      else { status = 'failed'; error = await this.explainFailure(reason); message = error; }
    } else if (st === 'active') { status = 'running'; if (mark) message = 'cancelling'; }
    else if (mark) { status = 'cancelled'; message = 'cancelled (the farm drops it)'; }
    else if (st === 'waiting-children') {
      const dep = await job.getDependenciesCount({ processed: true, unprocessed: true });
      const done = dep.processed ?? 0, left = dep.unprocessed ?? 0;
      const live = this.flows.get(job.id!);
      const liveFrames = live ? [...live.done.values()].reduce((s, x) => s + x, 0) : 0;
      status = done > 0 || liveFrames > 0 || flowStarted ? 'running' : 'queued';
      progress = live && live.total ? Math.min(1, liveFrames / live.total) : done + left ? done / (done + left) : null;
      message = `${done}/${done + left} chunks done`;
    } else { status = 'queued'; message = message || 'queued'; }
    return {
      id: job.id!, kind: data.kind ?? job.name, title: data.title ?? job.name, status, progress, message,
      createdBy: data.createdBy ?? 'unknown', createdAt: iso(job.timestamp)!, startedAt: flowStarted ?? iso(job.processedOn),
      finishedAt: status === 'cancelled' && !job.finishedOn ? (mark ?? null) : iso(job.finishedOn),
      result: st === 'completed' ? job.returnvalue ?? null : null, error,
    };
  }

  /** A flow parent fails with "child bull:<queue>:<id> failed": say why the chunk failed. */
  private async explainFailure(reason: string): Promise<string> {
    const m = /child bull:[^:]+:([0-9a-f-]{36}) failed/.exec(reason);
    if (!m) return reason;
    const child = await Job.fromId(this.queue, m[1]!).catch(() => undefined);
    const d = child?.data as FarmJobData | undefined;
    return child?.failedReason ? `${d?.title ?? 'a chunk'} failed after ${child.attemptsMade} tries: ${child.failedReason}` : reason;
  }

  get(id: string): Promise<JobRecord | null> {
    return this.reach('reading a job', () => this.#get(id));
  }

  async #get(id: string): Promise<JobRecord | null> {
    // The state first, then the job: states only move forward, so the job's fields are at least as
    // new as its state (the other order can see "failed" with the reason not yet read).
    const state = (await this.queue.getJobState(id)) as State;
    if (state === 'unknown') return null;
    const job = await Job.fromId(this.queue, id);
    return job ? this.record(job, state) : null;
  }

  /** Jobs people submitted, newest first (a flow's chunks are shown through their render). */
  list(limit = 200): Promise<JobRecord[]> {
    return this.reach('listing jobs', () => this.#list(limit));
  }

  async #list(limit: number): Promise<JobRecord[]> {
    const ids = await this.redis.zrevrange(farmKeys(this.name).top, 0, limit - 1);
    const jobs = (await Promise.all(ids.map((id) => Job.fromId(this.queue, id)))).filter((j): j is Job => !!j);
    const marks = await this.cancelledAt(jobs.map((j) => j.id!));
    const starts = await this.startedAt(jobs.map((j) => j.id!));
    // A finished job's state is in its hash; only unfinished ones need a look-up.
    const states = await Promise.all(jobs.map(async (j) => (j.finishedOn ? (j.returnvalue == null && j.failedReason ? 'failed' : 'completed') : ((await j.getState()) as State))));
    return Promise.all(jobs.map((j, i) => this.record(j, states[i], marks[i] ?? null, starts[i] ?? null)));
  }

  cancel(id: string): Promise<JobRecord> {
    return this.reach('cancelling a job', () => this.#cancel(id));
  }

  async #cancel(id: string): Promise<JobRecord> {
    let job = await Job.fromId(this.queue, id);
    if (!job) throw new Error(`no job ${id}`);
    const parent = (job.data as FarmJobData).parent;
    if (parent) job = (await Job.fromId(this.queue, parent)) ?? job; // a chunk: cancel its render
    const state = (await job.getState()) as State;
    if (state !== 'completed' && state !== 'failed') {
      await this.redis.set(farmKeys(this.name).cancel(job.id!), new Date().toISOString(), 'EX', CANCEL_TTL);
    }
    const r = await this.record(job);
    this.emit({ type: 'job', job: r });
    return r;
  }

  // ---- events ------------------------------------------------------------------------------

  subscribe(listener: (e: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private emit(e: JobEvent): void {
    for (const l of this.listeners) {
      try { l(e); } catch { /* a listener's failure is its own */ }
    }
  }

  private async emitJob(jobId: string): Promise<void> {
    if (!this.listeners.size) return;
    const job = await Job.fromId(this.queue, jobId);
    if (!job) return;
    const parent = (job.data as FarmJobData).parent;
    const r = await this.get(parent ?? jobId); // a chunk changed: its render's record changed
    if (r) this.emit({ type: 'job', job: r });
  }

  private listen(): void {
    const ev = new QueueEvents(this.name, { connection: bullConnection(this.o.connection) });
    this.events = ev;
    ev.on('error', () => { /* reconnects on its own */ });
    const safe = (fn: () => Promise<void>) => { fn().catch(() => { /* the job may be gone already */ }); };
    for (const name of ['added', 'waiting', 'active', 'waiting-children', 'stalled'] as const) {
      ev.on(name, ((e: { jobId: string }) => safe(() => this.emitJob(e.jobId))) as never);
    }
    ev.on('failed', ({ jobId }) => { this.flows.delete(jobId); safe(() => this.emitJob(jobId)); });
    ev.on('completed', ({ jobId, returnvalue }) => safe(async () => {
      const job = await Job.fromId(this.queue, jobId);
      const d = job?.data as FarmJobData | undefined;
      if (d?.parent) {
        const f = this.flows.get(d.parent);
        const r = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as RenderChunkResult | undefined;
        if (f && d.frames) f.done.set(jobId, d.frames);
        else if (r?.range && d.totalFrames) this.flows.set(d.parent, { total: d.totalFrames, done: new Map([[jobId, r.range[1] - r.range[0] + 1]]) });
      } else this.flows.delete(jobId);
      await this.emitJob(jobId);
    }));
    ev.on('progress', ({ jobId, data }) => {
      const p = (data && typeof data === 'object' ? data : {}) as FarmProgress;
      if (p.parent && p.totalFrames && p.frames) {
        let f = this.flows.get(p.parent);
        if (!f) { f = { total: p.totalFrames, done: new Map() }; this.flows.set(p.parent, f); }
        f.done.set(jobId, Math.round((p.progress ?? 0) * p.frames));
        const done = [...f.done.values()].reduce((s, x) => s + x, 0);
        this.emit({ type: 'progress', id: p.parent, progress: Math.min(1, done / f.total), message: `${done}/${f.total} frames${p.worker ? ` (${p.worker}: ${p.message ?? ''})` : ''}`, detail: p.detail });
      } else {
        this.emit({ type: 'progress', id: jobId, progress: typeof p.progress === 'number' ? p.progress : null, message: p.message ?? '', detail: p.detail });
      }
    });
  }

  // ---- the farm's state (the dailies Farm page) ----------------------------------------------

  async workers(): Promise<FarmWorkerInfo[]> {
    const k = farmKeys(this.name);
    const ids = await this.redis.smembers(k.workers);
    if (!ids.length) return [];
    const vals = await this.redis.mget(ids.map((id) => k.worker(id)));
    const out: FarmWorkerInfo[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => { const v = vals[i]; if (v) out.push(JSON.parse(v) as FarmWorkerInfo); else gone.push(id); });
    if (gone.length) await this.redis.srem(k.workers, ...gone);
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  stats(windowSeconds = 600): Promise<FarmStats> {
    return this.reach('reading the farm\'s state', () => this.#stats(windowSeconds));
  }

  async #stats(windowSeconds: number): Promise<FarmStats> {
    const counts = await this.queue.getJobCounts(...TYPES) as Record<string, number>;
    const since = Date.now() - windowSeconds * 1000;
    const completed = ((await this.queue.getJobs(['completed'], 0, 1999)) as Job[]).filter((j) => j && (j.finishedOn ?? 0) >= since);
    const frames = completed.reduce((s, j) => s + ((j.data as FarmJobData).frames ?? 0), 0);
    const failedJobs = ((await this.queue.getJobs(['failed'], 0, 19)) as Job[]).filter(Boolean);
    return {
      backend: 'bullmq', queue: this.name, redis: `${this.o.connection.host}:${this.o.connection.port}`, counts,
      workers: await this.workers(),
      throughput: { windowSeconds, jobs: completed.length, frames, framesPerMinute: +(frames / (windowSeconds / 60)).toFixed(2), jobsPerMinute: +(completed.length / (windowSeconds / 60)).toFixed(2) },
      failures: failedJobs.map((j) => ({
        id: j.id!, title: (j.data as FarmJobData).title ?? j.name, error: j.failedReason ?? '', attempts: j.attemptsMade,
        finishedAt: iso(j.finishedOn), parent: (j.data as FarmJobData).parent ?? null,
      })),
    };
  }

  /** Waits until a job is done, failed or cancelled, calling onEvent on its events meanwhile. */
  async waitFor(id: string, onEvent?: (e: JobEvent) => void, pollMs = 1000): Promise<JobRecord> {
    return new Promise<JobRecord>((resolve, reject) => {
      let busy = false;
      const check = async () => {
        if (busy) return;
        busy = true;
        try {
          const r = await this.get(id);
          if (!r) { stop(); reject(new Error(`job ${id} is gone from the queue`)); return; }
          if (r.status === 'done' || r.status === 'failed' || r.status === 'cancelled') { stop(); resolve(r); }
        } catch { /* Redis away: keep polling */ } finally { busy = false; }
      };
      const off = this.subscribe((e) => {
        if ((e.type === 'job' && e.job.id === id) || (e.type === 'progress' && e.id === id)) onEvent?.(e);
        if (e.type === 'job' && e.job.id === id) void check();
      });
      const timer = setInterval(() => void check(), pollMs);
      const stop = () => { clearInterval(timer); off(); };
      void check();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // BullMQ's close waits for its connections; with Redis unreachable that is forever.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([this.events?.close(), this.flow.close(), this.queue.close()]),
      new Promise((r) => { timer = setTimeout(r, 3000); }),
    ]);
    clearTimeout(timer);
    this.redis.disconnect();
  }
}
