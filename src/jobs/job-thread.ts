// The one worker-thread runner of jobs, for the dailies' in-process queue and farm workers alike: it
// sets libtorch's and sharp's thread counts in the thread. A farm worker keeps one long-lived
// thread per concurrency slot running job after job (longLived: the thread keeps its modules, and
// render chunks keep the production open and the last model loaded, render-chunks.ts, so a chunk
// costs its frames, not its start-up); the in-process queue uses a fresh thread per job.
// Same contract as the engine's runInWorker: progress messages, cancel through a shared flag (the job sees
// ctx.cancelled; a job that has not stopped 5 s later is terminated with its thread), the job's
// error message on failure; a thread that dies is replaced for the next job.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./job-thread-entry.js', import.meta.url));

interface Running { resolve: (v: unknown) => void; reject: (e: Error) => void; onProgress?: (m: unknown) => void; flag: Int32Array }

export class JobThread {
  private worker: Worker | null = null;
  private running: Running | null = null;
  private seq = 0;

  /** threads: libtorch and sharp threads in the thread (null: their defaults). */
  constructor(private readonly threads: number | null, private readonly o: { longLived?: boolean } = {}) {}

  get busy(): boolean { return this.running !== null; }

  private spawn(): Worker {
    const w = new Worker(entry, { workerData: { threads: this.threads, longLived: this.o.longLived ?? true } });
    w.on('message', (msg: { type: string; message?: unknown; result?: unknown; error?: string; stack?: string }) => {
      const r = this.running;
      if (!r) return;
      if (msg.type === 'progress') r.onProgress?.(msg.message);
      else if (msg.type === 'done') { this.running = null; r.resolve(msg.result); }
      else if (msg.type === 'error') {
        this.running = null;
        const err = new Error(msg.error);
        if (msg.stack) err.stack = msg.stack;
        r.reject(err);
      }
    });
    const gone = (why: string) => {
      if (this.worker === w) this.worker = null;
      const r = this.running;
      this.running = null;
      r?.reject(new Error(Atomics.load(r.flag, 0) ? 'job cancelled' : why));
    };
    w.on('error', (err) => gone(err.message));
    w.on('exit', (code) => gone(`job thread exited with code ${code} before finishing`));
    return w;
  }

  run<O>(moduleUrl: string | URL, exportName: string, input: unknown, o: { signal?: AbortSignal; onProgress?: (m: unknown) => void } = {}): Promise<O> {
    if (this.running) return Promise.reject(new Error('this job thread is busy'));
    if (o.signal?.aborted) return Promise.reject(new Error('job cancelled before it started'));
    this.worker ??= this.spawn();
    const w = this.worker;
    const flag = new Int32Array(new SharedArrayBuffer(4));
    return new Promise<O>((resolve, reject) => {
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        Atomics.store(flag, 0, 1);
        killTimer = setTimeout(() => { void w.terminate(); }, 5000);
      };
      const settle = () => { if (killTimer) clearTimeout(killTimer); o.signal?.removeEventListener('abort', onAbort); };
      this.running = {
        resolve: (v) => { settle(); resolve(v as O); },
        reject: (e) => { settle(); reject(e); },
        onProgress: o.onProgress, flag,
      };
      o.signal?.addEventListener('abort', onAbort);
      w.postMessage({ type: 'run', id: ++this.seq, moduleUrl: String(moduleUrl), exportName, input, cancelFlag: flag });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
