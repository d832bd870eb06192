// The kernels row-threads.ts can split, by name (what a helper thread is told to run).
import { voteRows, voteUpsampledRows, type VoteArgs, type VoteUpsampledArgs } from './vote-rows.js';

export interface RowKernelArgs { vote: VoteArgs; voteUpsampled: VoteUpsampledArgs }
export type RowKernel = keyof RowKernelArgs;

export const ROW_KERNELS: { [K in RowKernel]: (args: RowKernelArgs[K], y0: number, y1: number, out: Float32Array) => void } = {
  vote: voteRows,
  voteUpsampled: voteUpsampledRows,
};
