// The stroke stage's per-pixel JS kernels (voting) split by output rows over helper threads: they
// run on one core while libtorch, which would use every core, waits for them. Helpers are plain
// worker threads without libtorch (row-kernels.ts is pure JS), started on first use and kept; the
// main thread works beside them and waits for them synchronously (Atomics.wait), so the kernels
// keep their synchronous signatures. Every thread, the main one included, claims chunks of
// rows from a shared counter until none is left: a helper slowed by another thread on its core (a
// frame's decode, libtorch's) leaves more rows to the others (with equal shares, the main thread
// waited 90 ms a 1080p final frame for its helper). Each row is computed by the same code whichever
// thread runs it: the results are the same to the bit. The thread count follows libtorch's (a farm slot
// of 1 thread stays on one core); ATELIER_SYNTH_THREADS overrides.
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import * as E from '../engine/index.js';
import { ROW_KERNELS, claimRows, type RowKernel, type RowKernelArgs } from './row-kernels.js';

const entry = new URL('./row-thread-entry.js', import.meta.url);

/** Fewest rows per thread for a call to be split (below that, starting the split costs more than it saves). */
const MIN_ROWS = 32;

/** Rows are claimed in chunks of about rows / (threads · CHUNKS_PER_THREAD), at least MIN_CHUNK. */
const CHUNKS_PER_THREAD = 8;
const MIN_CHUNK = 8;

/** Most a helper may take to answer before the kernel fails (a 4K vote takes about a second). */
const HELPER_TIMEOUT_MS = 120_000;

interface Helper { worker: Worker; errors: MessagePort }
const helpers: Helper[] = [];

/** Threads the kernels use: ATELIER_SYNTH_THREADS, else libtorch's. */
export function rowThreads(): number {
  const env = Number(process.env.ATELIER_SYNTH_THREADS);
  return Number.isInteger(env) && env > 0 ? env : E.getNumThreads();
}

function helper(i: number): Helper {
  while (helpers.length <= i) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(entry, { workerData: { errors: port2 }, transferList: [port2] });
    worker.unref(); // an idle helper never keeps a process alive
    port1.unref();
    const h = { worker, errors: port1 };
    // A helper that died is replaced at the next call (a call it was part of fails by its timeout).
    const gone = () => { const at = helpers.indexOf(h); if (at >= 0) helpers.splice(at, 1); };
    worker.on('error', gone);
    worker.on('exit', gone);
    helpers.push(h);
  }
  return helpers[i]!;
}

/**
 * Runs kernel over rows [0, rows) into out (planar channels × rows × width, on a
 * SharedArrayBuffer when threads are used; see sharedOutput), split over rowThreads() threads.
 * Inputs the helpers read must be small or on a SharedArrayBuffer (copied into each message otherwise).
 */
export function runRows<K extends RowKernel>(kernel: K, args: RowKernelArgs[K], rows: number, out: Float32Array): void {
  const n = out.buffer instanceof SharedArrayBuffer ? Math.max(1, Math.min(rowThreads(), Math.floor(rows / MIN_ROWS))) : 1;
  if (n === 1) { ROW_KERNELS[kernel](args as never, out)(0, rows); return; }
  const chunk = Math.max(MIN_CHUNK, Math.ceil(rows / (n * CHUNKS_PER_THREAD)));
  // ctl[0]: the next row to claim; ctl[k]: helper k's state (1 done, 2 failed).
  const ctl = new Int32Array(new SharedArrayBuffer(4 * n));
  for (let k = 1; k < n; k++) helper(k - 1).worker.postMessage({ kernel, args, rows, chunk, out, ctl, slot: k });
  let mine: unknown = null;
  try { claimRows(ROW_KERNELS[kernel](args as never, out), ctl, rows, chunk); } catch (err) { mine = err; }
  // Every helper is waited for, also after a failure here: none may write into out after return.
  const failures: string[] = [];
  for (let k = 1; k < n; k++) {
    const started = Date.now();
    while (Atomics.load(ctl, k) === 0) {
      if (Atomics.wait(ctl, k, 0, 1000) === 'timed-out' && Date.now() - started > HELPER_TIMEOUT_MS) {
        failures.push(`helper thread ${k} did not answer in ${HELPER_TIMEOUT_MS / 1000} s`);
        break;
      }
    }
    if (Atomics.load(ctl, k) === 2) failures.push(String((receiveMessageOnPort(helpers[k - 1]!.errors)?.message as string | undefined) ?? 'a helper thread failed'));
  }
  if (mine) throw mine;
  if (failures.length) throw new Error(`${kernel}: ${failures.join('; ')}`);
}

/** An output array helpers can write into when the kernel will be split (see runRows). */
export function sharedOutput(length: number, rows: number): Float32Array {
  return rowThreads() > 1 && rows >= 2 * MIN_ROWS ? new Float32Array(new SharedArrayBuffer(4 * length)) : new Float32Array(length);
}

/** The helper threads now running (tests). */
export const helperThreadsForTest = (): Worker[] => helpers.map((h) => h.worker);
