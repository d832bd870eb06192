// A helper thread of row-threads.ts: claims a kernel's rows with the other threads and says done (1)
// or failed (2) in its slot.
import { workerData, parentPort, type MessagePort } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ROW_KERNELS, claimRows, type RowKernel } from './row-kernels.js';

// Each message holds the caller's shared style (150 MB at 1080p exemplars); this thread allocates
// almost nothing, so its heap would not be collected for a long time and would keep arrays the
// caller dropped long ago alive (+200 MB peak at 4K, measured). A full collection of this small
// heap after each task (about a millisecond) lets them go.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const errors = (workerData as { errors: MessagePort }).errors;

parentPort!.on('message', (m: { kernel: RowKernel; args: never; rows: number; chunk: number; out: Float32Array; ctl: Int32Array; slot: number }) => {
  let state = 1;
  try {
    claimRows(ROW_KERNELS[m.kernel](m.args, m.out), m.ctl, m.rows, m.chunk);
  } catch (err) {
    state = 2;
    errors.postMessage(err instanceof Error ? err.message : String(err));
  }
  Atomics.store(m.ctl, m.slot, state);
  Atomics.notify(m.ctl, m.slot);
  setImmediate(collect);
});
