// A helper thread of row-threads.ts: runs a kernel's rows and says done (1) or failed (2) in its flag.
import { workerData, parentPort, type MessagePort } from 'node:worker_threads';
import { ROW_KERNELS, type RowKernel } from './row-kernels.js';

const errors = (workerData as { errors: MessagePort }).errors;

parentPort!.on('message', (m: { kernel: RowKernel; args: never; y0: number; y1: number; out: Float32Array; flags: Int32Array; slot: number }) => {
  let state = 1;
  try {
    ROW_KERNELS[m.kernel](m.args, m.y0, m.y1, m.out);
  } catch (err) {
    state = 2;
    errors.postMessage(err instanceof Error ? err.message : String(err));
  }
  Atomics.store(m.flags, m.slot, state);
  Atomics.notify(m.flags, m.slot);
});
