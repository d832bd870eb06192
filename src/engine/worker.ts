// Long engine work (a training run, a render) off the main thread, so a server stays responsive.
// A job is a module exporting an async function (input, ctx) => output; it runs in a worker thread
// with its own libtorch grad mode and tensors; only plain data (structured-clone) crosses over.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

export interface JobContext {
  /** Sends a progress message to the caller's onProgress. */
  progress(message: unknown): void;
  /** True once the caller asked to cancel; long loops should check it and stop cleanly. */
  readonly cancelled: boolean;
}

export type JobFunction<I, O> = (input: I, ctx: JobContext) => Promise<O> | O;

export interface RunOptions {
  onProgress?: (message: unknown) => void;
  signal?: AbortSignal;
  /** libtorch threads inside the worker (the pool is process-wide). */
  threads?: number;
}

const entry = fileURLToPath(new URL('./worker-entry.js', import.meta.url));

/**
 * Runs `exportName` of module `moduleUrl` in a worker thread. Rejects with the job's error message;
 * on abort, the job sees ctx.cancelled, and is terminated if it has not stopped 5 s later.
 */
export function runInWorker<I, O>(moduleUrl: string | URL, exportName: string, input: I, o: RunOptions = {}): Promise<O> {
  return new Promise<O>((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new Error('job cancelled before it started'));
      return;
    }
    const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(entry, {
      workerData: { moduleUrl: String(moduleUrl), exportName, input, cancelFlag, threads: o.threads ?? null },
    });
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      o.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      Atomics.store(cancelFlag, 0, 1);
      killTimer = setTimeout(() => {
        void worker.terminate();
        finish(() => reject(new Error('job cancelled')));
      }, 5000);
    };
    o.signal?.addEventListener('abort', onAbort);
    worker.on('message', (msg: { type: string; message?: unknown; result?: O; error?: string; stack?: string }) => {
      if (msg.type === 'progress') o.onProgress?.(msg.message);
      else if (msg.type === 'done') finish(() => resolve(msg.result as O));
      else if (msg.type === 'error') {
        const err = new Error(msg.error);
        if (msg.stack) err.stack = msg.stack;
        finish(() => reject(err));
      }
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(Atomics.load(cancelFlag, 0) ? 'job cancelled' : `job worker exited with code ${code} before finishing`))));
  });
}
