// JobQueue in this process: jobs run one at a time (the machine's cores go to the engine) in a
// worker thread of their own (jobs/job-thread.ts, the runner farm workers use too), so the server's
// event loop stays free while they run.
import { randomUUID } from 'node:crypto';
import { JobThread } from './job-thread.js';
import type { JobKind } from './kinds.js';
import { hostname } from 'node:os';
import type { FarmStats, JobEvent, JobProgress, JobQueue, JobRecord, JobSpec } from './queue.js';

/** A row of the job-kind table (jobs/kinds.ts), plus what the server runs on its own thread after it. */
export interface JobHandler extends Pick<JobKind, 'module' | 'export'> {
  /** Called on the main thread when the job ends (e.g. to update database rows). */
  onSettled?: (job: JobRecord) => Promise<void> | void;
}

export interface InProcessOptions {
  handlers: Record<string, JobHandler>;
  concurrency?: number;
  /** libtorch threads per job. */
  threads?: number;
  /** Finished jobs kept in the list. */
  keep?: number;
  /** Jobs that ended before this queue started (a restarted server's), oldest first: listed only. */
  history?: JobRecord[];
}

interface Entry { record: JobRecord; spec: JobSpec; abort: AbortController }

export class InProcessQueue implements JobQueue {
  private readonly jobs = new Map<string, Entry>();
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private readonly running = new Set<Promise<void>>();
  private active = 0;
  private closed = false;
  /** Set by close: jobs it stops end failed with this error (interrupted), not cancelled. */
  private stopping: string | null = null;

  constructor(private readonly o: InProcessOptions) {
    for (const r of o.history ?? []) {
      if (r.status === 'queued' || r.status === 'running') continue; // never run again from here
      this.jobs.set(r.id, { record: { ...r }, spec: { kind: r.kind, title: r.title, input: {}, createdBy: r.createdBy }, abort: new AbortController() });
    }
  }

  kinds(): string[] { return Object.keys(this.o.handlers); }

  private emit(e: JobEvent): void {
    for (const l of this.listeners) {
      try { l(e); } catch { /* a listener's failure is its own */ }
    }
  }

  private changed(entry: Entry): void { this.emit({ type: 'job', job: { ...entry.record } }); }

  async submit(spec: JobSpec): Promise<JobRecord> {
    if (this.closed) throw new Error('the job queue is closed');
    if (!this.o.handlers[spec.kind]) throw new Error(`unknown job kind "${spec.kind}"; kinds are: ${this.kinds().join(', ')}`);
    const record: JobRecord = {
      id: randomUUID(), kind: spec.kind, title: spec.title, status: 'queued', progress: null, message: 'queued',
      createdBy: spec.createdBy, createdAt: new Date().toISOString(), startedAt: null, finishedAt: null, result: null, error: null,
    };
    const entry: Entry = { record, spec, abort: new AbortController() };
    this.jobs.set(record.id, entry);
    this.changed(entry);
    this.pump();
    return { ...record };
  }

  private pump(): void {
    const limit = this.o.concurrency ?? 1;
    for (const entry of this.jobs.values()) {
      if (this.active >= limit) return;
      if (entry.record.status !== 'queued') continue;
      this.active++;
      const p = this.run(entry).finally(() => { this.active--; this.running.delete(p); this.pump(); });
      this.running.add(p);
    }
  }

  private async run(entry: Entry): Promise<void> {
    const r = entry.record;
    const h = this.o.handlers[r.kind]!;
    r.status = 'running'; r.startedAt = new Date().toISOString(); r.message = 'starting';
    this.changed(entry);
    // A fresh thread per job: nothing a job leaves behind reaches the next.
    const thread = new JobThread(this.o.threads ?? null, { longLived: false });
    try {
      r.result = await thread.run(h.module, h.export, entry.spec.input, {
        signal: entry.abort.signal,
        onProgress: (m) => {
          const p = (m ?? {}) as JobProgress;
          if (typeof p.progress === 'number') r.progress = Math.max(0, Math.min(1, p.progress));
          if (typeof p.message === 'string') r.message = p.message;
          this.emit({ type: 'progress', id: r.id, progress: r.progress, message: r.message, detail: p.detail });
        },
      });
      r.status = entry.abort.signal.aborted ? 'cancelled' : 'done';
      r.progress = 1;
      r.message = r.status === 'done' ? 'done' : 'cancelled';
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (entry.abort.signal.aborted) { r.status = 'cancelled'; r.message = 'cancelled'; }
      else { r.status = 'failed'; r.error = msg; r.message = msg; }
    } finally { await thread.close(); }
    if (r.status === 'cancelled' && this.stopping !== null) this.interrupt(r);
    r.finishedAt = new Date().toISOString();
    try { await h.onSettled?.({ ...r }); } catch (err) { r.error ??= `after the job: ${(err as Error).message}`; }
    this.changed(entry);
    this.trim();
  }

  private trim(): void {
    const keep = this.o.keep ?? 200;
    const finished = [...this.jobs.values()].filter((e) => e.record.finishedAt);
    for (const e of finished.slice(0, Math.max(0, finished.length - keep))) this.jobs.delete(e.record.id);
  }

  async cancel(id: string): Promise<JobRecord> {
    const entry = this.jobs.get(id);
    if (!entry) throw new Error(`no job ${id}`);
    const r = entry.record;
    if (r.status === 'queued') {
      r.status = 'cancelled'; r.message = 'cancelled'; r.finishedAt = new Date().toISOString();
      if (this.stopping !== null) this.interrupt(r);
      entry.abort.abort();
      try { await this.o.handlers[r.kind]!.onSettled?.({ ...r }); } catch { /* recorded on the job only */ }
      this.changed(entry);
    } else if (r.status === 'running' && !entry.abort.signal.aborted) {
      entry.abort.abort();
      r.message = 'cancelling';
      this.emit({ type: 'progress', id, progress: r.progress, message: r.message });
    }
    return { ...r };
  }

  async get(id: string): Promise<JobRecord | null> {
    const e = this.jobs.get(id);
    return e ? { ...e.record } : null;
  }

  async list(): Promise<JobRecord[]> {
    return [...this.jobs.values()].map((e) => ({ ...e.record })).reverse();
  }

  subscribe(listener: (e: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** This process as a one-machine farm: its worker threads, its queue, what finished lately. */
  async stats(windowSeconds = 600): Promise<FarmStats> {
    const all = [...this.jobs.values()].map((e) => e.record);
    const count = (s: string) => all.filter((r) => r.status === s).length;
    const since = Date.now() - windowSeconds * 1000;
    const recent = all.filter((r) => r.status === 'done' && r.finishedAt && Date.parse(r.finishedAt) >= since);
    const running = all.filter((r) => r.status === 'running');
    return {
      backend: 'in-process', queue: 'in-process',
      counts: { active: running.length, waiting: count('queued'), completed: count('done'), failed: count('failed'), cancelled: count('cancelled') },
      workers: [{
        id: `${hostname()}:${process.pid}`, host: hostname(), pid: process.pid, production: '', concurrency: this.o.concurrency ?? 1, threads: this.o.threads ?? null,
        startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(), seenAt: new Date().toISOString(),
        done: count('done'), failed: count('failed'), busySeconds: 0,
        active: running.map((r) => ({ id: r.id, title: r.title, progress: r.progress, message: r.message })),
      }],
      throughput: { windowSeconds, jobs: recent.length, frames: 0, framesPerMinute: 0, jobsPerMinute: +(recent.length / (windowSeconds / 60)).toFixed(2) },
      failures: all.filter((r) => r.status === 'failed').slice(-20).reverse().map((r) => ({ id: r.id, title: r.title, error: r.error ?? '', attempts: 1, finishedAt: r.finishedAt, parent: null })),
    };
  }

  /** A job the queue's closing stopped: failed, and its error says why (not a user's cancel). */
  private interrupt(r: JobRecord): void {
    r.status = 'failed'; r.interrupted = true; r.error = this.stopping; r.message = this.stopping ?? 'interrupted';
  }

  async close(reason = 'the job queue was closed while this job was queued or running'): Promise<void> {
    this.closed = true;
    this.stopping = reason;
    for (const e of this.jobs.values()) if (e.record.status === 'queued' || e.record.status === 'running') await this.cancel(e.record.id);
    await Promise.allSettled([...this.running]);
  }
}
