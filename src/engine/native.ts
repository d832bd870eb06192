// Loads the compiled libtorch addon once, with one error that says how to fix a missing build.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** A native tensor's id in the addon's per-thread table; only the engine looks inside. */
export type NativeHandle = number & { readonly __nativeTensor: unique symbol };

export interface TensorMeta { shape: number[]; dtype: string; device: string; requiresGrad: boolean }

// The addon's functions, typed loosely: the TypeScript layer above checks every argument first.
export type NativeAddon = Record<string, (...args: any[]) => any> & {
  meta(h: NativeHandle): TensorMeta;
};

function repoRoot(): string {
  // dist/src/engine/native.js -> repo root (three levels up); src/engine/native.ts -> two levels.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('atelier: cannot locate the repository root (binding.gyp) from ' + fileURLToPath(import.meta.url));
}

function load(): NativeAddon {
  const path = join(repoRoot(), 'build', 'Release', 'atelier_native.node');
  try {
    return createRequire(import.meta.url)(path) as NativeAddon;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `atelier: the native engine could not be loaded from ${path} (${why}). ` +
        'Run `npm run setup` (installs libtorch-dev and builds the addon); set LIBTORCH to build against another libtorch.',
    );
  }
}

export const native: NativeAddon = load();

// libtorch starts with one thread here (OpenMP sees a restricted environment): use every core unless
// ATELIER_THREADS says otherwise. Bitwise-reproducible training is a requirement, so libtorch is told
// to refuse ops without a deterministic implementation (ATELIER_DETERMINISTIC=0 lifts that, e.g. for
// CUDA ops that have none).
const envThreads = Number(process.env.ATELIER_THREADS);
native.setNumThreads(Number.isInteger(envThreads) && envThreads > 0 ? envThreads : availableParallelism());
native.setDeterministic(process.env.ATELIER_DETERMINISTIC !== '0');
// Denormal floats (tiny weights, Adam's second moments) make x86 arithmetic up to 100x slower;
// flushing them to zero costs no accuracy that matters here. Threads created later (OpenMP pool,
// workers) inherit the setting.
native.setFlushDenormal(true);
