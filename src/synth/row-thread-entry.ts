// A helper thread of row-threads.ts: runs a kernel's rows and says done (1) or failed (2) in its flag.
import { workerData, parentPort, type MessagePort } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ROW_KERNELS, type RowKernel } from './row-kernels.js';

// Each message holds the caller's shared style (150 MB at 1080p exemplars); this thread allocates
// almost nothing, so its heap would not be collected for a long time and would keep arrays the
// caller dropped long ago alive (+200 MB peak at 4K, measured). A full collection of this small
// heap after each task (about a millisecond) lets them go.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

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
  setImmediate(collect);
});
