// A farm worker: takes jobs of one production's queue from Redis (BullMQ) and runs them, off the
// main thread by default (a long-lived job thread per slot, job-thread.ts; the main thread keeps renewing the job's lock and answering
// Redis), or in this thread with inProcess. BullMQ's lock + stalled-job check is the heartbeat: a
// worker that dies (SIGKILL, power cut) stops renewing its jobs' locks, and another worker's stalled
// check moves them back to the queue after lockMs, to run again (chunks resume, so nothing is
// written twice). Also: cancel marks (checked every second), retries with backoff (the job's
// attempts), a heartbeat record for the dailies Farm page, and close() for graceful shutdown.
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Worker, Job, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobContext, JobFunction } from '../engine/worker.js';
import { JobThread } from '../jobs/job-thread.js';
import { JOB_KINDS, type JobKind } from '../jobs/kinds.js';
import type { JobRecord } from '../jobs/queue.js';
import { bullConnection, farmKeys, queueNameFor, type FarmConnection } from './connection.js';
import type { FarmJobData, FarmProgress, FarmWorkerInfo } from './bullmq-queue.js';

export interface FarmWorkerOptions {
  connection: FarmConnection;
  productionDir: string;
  /** Jobs at once in this process (default 1). */
  concurrency?: number;
  /** libtorch threads per job. */
  threads?: number;
  /** Run jobs on this thread instead of a worker thread. */
  inProcess?: boolean;
  /** Job lock, ms: a dead worker's job runs again about this long (up to twice) after it died. Default 30000. */
  lockMs?: number;
  kinds?: Record<string, JobKind>;
  /** Least ms between a job's progress updates to Redis (default 250). */
  progressMs?: number;
  log?: (line: string) => void;
}

export class FarmWorker {
  readonly id = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 6)}`;
  readonly queueName: string;
  readonly productionDir: string;
  private worker: Worker | null = null;
  private readonly redis: Redis;
  private readonly kinds: Record<string, JobKind>;
  private readonly active = new Map<string, { title: string; parent?: string; progress: number | null; message: string; abort: AbortController }>();
  private readonly startedAt = new Date().toISOString();
  private done = 0;
  private failed = 0;
  private busyMs = 0;
  private beat: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  /** One long-lived job thread per concurrency slot. */
  private readonly threads: JobThread[] = [];

  constructor(private readonly o: FarmWorkerOptions) {
    this.productionDir = resolve(o.productionDir);
    this.queueName = queueNameFor(this.productionDir);
    this.kinds = o.kinds ?? JOB_KINDS;
    this.redis = new Redis(o.connection.url, { maxRetriesPerRequest: null });
    this.redis.on('error', () => { /* ioredis reconnects */ });
  }

  private log(line: string): void { this.o.log?.(line); }

  async start(): Promise<void> {
    const lockMs = this.o.lockMs ?? 30000;
    this.worker = new Worker(this.queueName, (job, _token, signal) => this.process(job as Job, signal), {
      connection: bullConnection(this.o.connection),
      concurrency: this.o.concurrency ?? 1,
      lockDuration: lockMs,
      lockRenewTime: Math.max(250, Math.floor(lockMs / 3)),
      stalledInterval: lockMs,
      maxStalledCount: 3,
      name: this.id,
      // The stalled check moves a dead worker's job back; our own retries are the job's attempts.
      autorun: false,
    });
    let lastError = '';
    this.worker.on('error', (err) => {
      const m = err.message;
      if (m !== lastError) this.log(`redis: ${m} (retrying)`);
      lastError = m;
    });
    this.worker.on('ready', () => { if (lastError) this.log('redis: connected again'); lastError = ''; });
    this.worker.on('stalled', (jobId) => this.log(`job ${jobId} stalled (its worker stopped renewing its lock): back in the queue`));
    await this.worker.waitUntilReady();
    void this.worker.run().catch((err) => this.log(`worker stopped: ${(err as Error).message}`));
    await this.heartbeat();
    this.beat = setInterval(() => void this.heartbeat(), 5000);
    this.poll = setInterval(() => void this.checkCancels(), 1000);
    this.log(`worker ${this.id} on queue ${this.queueName} (${this.o.connection.host}:${this.o.connection.port}) for ${this.productionDir}: concurrency ${this.o.concurrency ?? 1}${this.o.threads ? `, ${this.o.threads} threads per job` : ''}`);
  }

  private async heartbeat(): Promise<void> {
    const k = farmKeys(this.queueName);
    const info: FarmWorkerInfo = {
      id: this.id, host: hostname(), pid: process.pid, production: this.productionDir, concurrency: this.o.concurrency ?? 1, threads: this.o.threads ?? null,
      startedAt: this.startedAt, seenAt: new Date().toISOString(), done: this.done, failed: this.failed, busySeconds: Math.round(this.busyMs / 1000),
      active: [...this.active].map(([id, a]) => ({ id, title: a.title, progress: a.progress, message: a.message })),
    };
    try {
      await this.redis.multi().set(k.worker(this.id), JSON.stringify(info), 'PX', 15000).sadd(k.workers, this.id).exec();
    } catch { /* Redis away: the next beat tries again */ }
  }

  private async cancelled(job: Job): Promise<boolean> {
    const k = farmKeys(this.queueName);
    const d = job.data as FarmJobData;
    const keys = [k.cancel(job.id!), ...(d.parent ? [k.cancel(d.parent)] : [])];
    return (await this.redis.exists(...keys)) > 0;
  }

  private async checkCancels(): Promise<void> {
    if (!this.active.size) return;
    const k = farmKeys(this.queueName);
    for (const [id, a] of this.active) {
      if (a.abort.signal.aborted) continue;
      try {
        const n = await this.redis.exists(k.cancel(id), ...(a.parent ? [k.cancel(a.parent)] : []));
        if (n > 0) { this.log(`job ${id} cancelled: stopping it`); a.abort.abort(); }
      } catch { /* Redis away: check again in a second */ }
    }
  }

  private async process(job: Job, signal?: AbortSignal): Promise<unknown> {
    const d = job.data as FarmJobData;
    const kind = this.kinds[job.name];
    if (!kind) throw new UnrecoverableError(`unknown job kind "${job.name}" (this worker knows: ${Object.keys(this.kinds).join(', ')})`);
    if (await this.cancelled(job)) throw new UnrecoverableError('cancelled');
    if (d.parent) {
      const parent = await Job.fromId(this.worker!, d.parent);
      if (!parent) throw new UnrecoverableError(`cancelled: its render ${d.parent} is gone from the queue`);
      if ((await parent.getState()) === 'failed') throw new UnrecoverableError('cancelled: its render failed already');
    }
    const input: Record<string, unknown> = { ...d.input, productionDir: this.productionDir };
    if (kind.childResults) input.childResults = await job.getChildrenValues();
    const abort = new AbortController();
    signal?.addEventListener('abort', () => abort.abort());
    const entry = { title: d.title, parent: d.parent, progress: null as number | null, message: 'starting', abort };
    this.active.set(job.id!, entry);
    void this.heartbeat(); // the Farm page sees the job at once
    if (d.parent) this.redis.set(farmKeys(this.queueName).started(d.parent), new Date().toISOString(), 'EX', 30 * 86400, 'NX').catch(() => {});
    const t0 = Date.now();
    this.log(`start ${job.name} ${job.id} (${d.title})${job.attemptsMade ? `, try ${job.attemptsMade + 1}` : ''}`);
    // Progress goes to Redis at most every progressMs (the latest state, trailing): per frame it
    // was most of a chunk's Redis commands, and CPU the renders on the same machine could use.
    const progressMs = this.o.progressMs ?? 250;
    let sentAt = 0;
    let trailing: NodeJS.Timeout | null = null;
    let latest: FarmProgress | null = null;
    const send = () => {
      trailing = null;
      sentAt = Date.now();
      if (latest) job.updateProgress(latest as never).catch(() => { /* Redis away: the next update carries it */ });
      latest = null;
    };
    const onProgress = (m: unknown) => {
      const p = (m ?? {}) as FarmProgress;
      if (typeof p.progress === 'number') entry.progress = p.progress;
      if (typeof p.message === 'string') entry.message = p.message;
      latest = { progress: entry.progress, message: entry.message, detail: p.detail, worker: this.id, ...(d.parent ? { parent: d.parent, frames: d.frames, totalFrames: d.totalFrames } : {}) };
      const wait = sentAt + progressMs - Date.now();
      if (wait <= 0) send();
      else trailing ??= setTimeout(send, wait);
    };
    try {
      const result = this.o.inProcess
        ? await this.runHere(kind, input, abort.signal, onProgress)
        : await this.thread().run(kind.module, kind.export, input, { signal: abort.signal, onProgress });
      this.done++;
      this.log(`done  ${job.name} ${job.id} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return result;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const wasCancelled = abort.signal.aborted && !this.closing;
      const final = wasCancelled || err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final) this.failed++;
      this.log(`${wasCancelled ? 'cancelled' : 'failed'} ${job.name} ${job.id}: ${msg}${final ? '' : ' (will retry)'}`);
      if (final && kind.settled) await this.settle(kind, job, input, wasCancelled ? 'cancelled' : 'failed', msg);
      if (wasCancelled) throw new UnrecoverableError('cancelled');
      throw err;
    } finally {
      if (trailing) clearTimeout(trailing);
      this.busyMs += Date.now() - t0;
      this.active.delete(job.id!);
      void this.heartbeat();
    }
  }

  private thread(): JobThread {
    const free = this.threads.find((t) => !t.busy);
    if (free) return free;
    const t = new JobThread(this.o.threads ?? null);
    this.threads.push(t);
    return t;
  }

  private async runHere(kind: JobKind, input: unknown, signal: AbortSignal, onProgress: (m: unknown) => void): Promise<unknown> {
    const mod = (await import(String(kind.module))) as Record<string, unknown>;
    const fn = mod[kind.export] as JobFunction<unknown, unknown>;
    const ctx: JobContext = { progress: onProgress, get cancelled() { return signal.aborted; } };
    const r = await fn(input, ctx);
    if (signal.aborted) throw new Error('job cancelled');
    return r;
  }

  private async settle(kind: JobKind, job: Job, input: Record<string, unknown>, status: 'failed' | 'cancelled', error: string): Promise<void> {
    const d = job.data as FarmJobData;
    const record: JobRecord = {
      id: job.id!, kind: d.kind, title: d.title, status, progress: null, message: status, createdBy: d.createdBy,
      createdAt: new Date(job.timestamp).toISOString(), startedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
      finishedAt: new Date().toISOString(), result: null, error: status === 'failed' ? error : null,
    };
    try {
      const mod = (await import(String(kind.module))) as Record<string, (i: unknown, r: JobRecord) => Promise<void>>;
      await mod[kind.settled!]!(input, record);
    } catch (err) { this.log(`after job ${job.id}: ${(err as Error).message}`); }
  }

  /** Stops taking jobs; graceful waits for the running ones, otherwise they are left to the
   *  stalled check (they run again elsewhere; chunks resume). */
  close(graceful = true): Promise<void> {
    this.closing ??= (async () => {
      if (this.beat) clearInterval(this.beat);
      if (this.poll) clearInterval(this.poll);
      await this.worker?.close(!graceful);
      await Promise.allSettled(this.threads.map((t) => t.close()));
      try {
        const k = farmKeys(this.queueName);
        await Promise.race([this.redis.multi().del(k.worker(this.id)).srem(k.workers, this.id).exec(), new Promise((r) => setTimeout(r, 1000))]);
      } catch { /* gone with Redis */ }
      this.redis.disconnect();
    })();
    return this.closing;
  }

  get activeJobs(): number { return this.active.size; }
}
