// The thread side of JobThread: runs jobs one after another, posting progress and results.
import { parentPort, workerData } from 'node:worker_threads';
import { setNumThreads, releaseCachedMemory } from '../engine/runtime.js';
import { setImageThreads } from '../data/image-io.js';
import type { JobContext, JobFunction } from '../engine/worker.js';

const { threads, longLived } = workerData as { threads: number | null; longLived: boolean };
if (threads !== null) { setNumThreads(threads); setImageThreads(threads); }
/** Job modules may keep state between jobs (an open production, a loaded model) when this is set. */
if (longLived) (globalThis as { atelierJobThread?: boolean }).atelierJobThread = true;

parentPort!.on('message', (msg: { type: 'run'; moduleUrl: string; exportName: string; input: unknown; cancelFlag: Int32Array }) => {
  void (async () => {
    const ctx: JobContext = {
      progress: (message) => parentPort!.postMessage({ type: 'progress', message }),
      get cancelled() { return Atomics.load(msg.cancelFlag, 0) === 1; },
    };
    try {
      const mod = (await import(msg.moduleUrl)) as Record<string, unknown>;
      const fn = mod[msg.exportName];
      if (typeof fn !== 'function') throw new Error(`${msg.moduleUrl} has no exported function "${msg.exportName}"`);
      const result = await (fn as JobFunction<unknown, unknown>)(msg.input, ctx);
      parentPort!.postMessage({ type: 'done', result });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      parentPort!.postMessage({ type: 'error', error: e.message, stack: e.stack });
    } finally {
      // The job's peak stays mapped for reuse while it runs; between jobs the process gives it back.
      releaseCachedMemory();
    }
  })();
});
