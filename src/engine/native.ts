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
