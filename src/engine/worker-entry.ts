// The worker side of runInWorker: imports the job module, runs it, posts progress and the result.
import { parentPort, workerData } from 'node:worker_threads';
import { setNumThreads } from './runtime.js';
import type { JobContext, JobFunction } from './worker.js';

const { moduleUrl, exportName, input, cancelFlag, threads } = workerData as {
  moduleUrl: string; exportName: string; input: unknown; cancelFlag: Int32Array; threads: number | null;
};

const ctx: JobContext = {
  progress: (message) => parentPort!.postMessage({ type: 'progress', message }),
  get cancelled() { return Atomics.load(cancelFlag, 0) === 1; },
};

try {
  if (threads !== null) setNumThreads(threads);
  const mod = (await import(moduleUrl)) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new Error(`${moduleUrl} has no exported function "${exportName}"`);
  const result = await (fn as JobFunction<unknown, unknown>)(input, ctx);
  parentPort!.postMessage({ type: 'done', result });
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  parentPort!.postMessage({ type: 'error', error: e.message, stack: e.stack });
}
