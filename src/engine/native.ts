// Loads the compiled libtorch addon once, with one error that says how to fix a missing build.
import { availableParallelism } from 'node:os';
import { loadAddon } from '../util/native-addons.js';

/** A native tensor's id in the addon's per-thread table; only the engine looks inside. */
export type NativeHandle = number & { readonly __nativeTensor: unique symbol };

export interface TensorMeta { shape: number[]; dtype: string; device: string; requiresGrad: boolean }

// The addon's functions, typed loosely: the TypeScript layer above checks every argument first.
export type NativeAddon = Record<string, (...args: any[]) => any> & {
  meta(h: NativeHandle): TensorMeta;
};

// libgomp (libtorch's OpenMP) keeps its threads spinning after every parallel region, 300000 turns
// by default, read once when the library loads. Between libtorch's ops Atelier runs JS, the stroke
// stage's row threads, sharp's encodes and data loading, and the spinning threads took their cores:
// 1000 turns (measured on 2 cores, default against 1000, same machine and hour: look-model training
// 58 -> 84-89 GFLOP/s, a 1080p final frame 1.87 -> 1.68 s, preview 0.39 -> 0.37 s; the reference
// net 134-141 -> 130-137). A studio's own GOMP_SPINCOUNT or OMP_WAIT_POLICY is left as it is.
if (process.env.GOMP_SPINCOUNT === undefined && process.env.OMP_WAIT_POLICY === undefined) process.env.GOMP_SPINCOUNT = '1000';

export const native: NativeAddon = loadAddon<NativeAddon>('atelier_native', 'the native engine',
  'Run `npm run setup` (installs libtorch-dev and builds the addon); set LIBTORCH to build against another libtorch.');

// libtorch starts with one thread here (OpenMP sees a restricted environment): use every core unless
// ATELIER_THREADS says otherwise. Bitwise-reproducible training is a requirement, so libtorch is told
// to refuse ops without a deterministic implementation (ATELIER_DETERMINISTIC=0 lifts that, e.g. for
// CUDA ops that have none).
const envThreads = Number(process.env.ATELIER_THREADS);
native.setNumThreads(Number.isInteger(envThreads) && envThreads > 0 ? envThreads : availableParallelism());
native.setDeterministic(process.env.ATELIER_DETERMINISTIC !== '0');
// On CUDA, cuBLAS is deterministic only with a fixed workspace, read when its first handle is made
// (libtorch refuses matrix products in deterministic mode without it).
if (process.env.ATELIER_DETERMINISTIC !== '0') process.env.CUBLAS_WORKSPACE_CONFIG ??= ':4096:8';
// Denormal floats (tiny weights, Adam's second moments) make x86 arithmetic up to 100x slower;
// flushing them to zero costs no accuracy that matters here. Threads created later (OpenMP pool,
// workers) inherit the setting.
native.setFlushDenormal(true);
