// The kernels row-threads.ts can split, by name (what a helper thread is told to run), and how every
// thread takes its rows.
import { voteRows, voteUpsampledRows, type VoteArgs, type VoteUpsampledArgs } from './vote-rows.js';

export interface RowKernelArgs { vote: VoteArgs; voteUpsampled: VoteUpsampledArgs }
export type RowKernel = keyof RowKernelArgs;

/** A kernel made ready for one call (its tables built once per thread), then run on any rows [y0, y1). */
export type RowRunner = (y0: number, y1: number) => void;

export const ROW_KERNELS: { [K in RowKernel]: (args: RowKernelArgs[K], out: Float32Array) => RowRunner } = {
  vote: voteRows,
  voteUpsampled: voteUpsampledRows,
};

/** Runs chunks of rows claimed from the shared counter ctl[0] until every one of rows is taken. */
export function claimRows(run: RowRunner, ctl: Int32Array, rows: number, chunk: number): void {
  for (;;) {
    const y0 = Atomics.add(ctl, 0, chunk);
    if (y0 >= rows) return;
    run(y0, Math.min(rows, y0 + chunk));
  }
}
