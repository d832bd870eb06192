// Process-wide engine settings: threads, seeds, determinism, what libtorch was built with.
import { readFileSync } from 'node:fs';
import { native } from './native.js';
import { intArg } from './check.js';

/** Intra-op threads used by libtorch (shared by every worker thread of the process). */
export function setNumThreads(n: number): void {
  native.setNumThreads(intArg(n, 'thread count', 1, 1024));
}
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Seeds the global generator (rand, randn, dropout, randperm, ...). */
export function manualSeed(seed: number): void {
  native.manualSeed(intArg(seed, 'seed', 0, Number.MAX_SAFE_INTEGER));
}

/** The CPU generator's full state, to checkpoint and restore a run bit-identically. */
export function getRngState(): Uint8Array {
  return native.rngState();
}
export function setRngState(state: Uint8Array): void {
  if (!(state instanceof Uint8Array)) throw new TypeError('Expected a Uint8Array of generator state');
  native.setRngState(state);
}

/** Refuse (with an error) ops that have no deterministic implementation. */
export function setDeterministic(on: boolean): void {
  native.setDeterministic(on);
}

export interface RuntimeInfo {
  torchVersion: string;
  cudaAvailable: boolean;
  cudaDeviceCount: number;
  threads: number;
  parallelInfo: string;
  config: string;
}
export function runtimeInfo(): RuntimeInfo {
  return native.runtimeInfo();
}

export interface MemoryStats {
  /** false with ATELIER_SYSTEM_ALLOCATOR=1 (libtorch's and glibc's defaults). */
  enabled: boolean;
  /** Bytes of tensors from 1 MB up that are alive, and freed ones kept for reuse. */
  usedBytes: number;
  cachedBytes: number;
  /** Requests served by a kept block, and by a new mapping. */
  hits: number;
  misses: number;
}

/** The engine's CPU tensor memory (native/memory.cc): what is in use and what is kept for reuse. */
export function memoryStats(): MemoryStats {
  const m = native.cachedMemory();
  return { enabled: m.enabled, usedBytes: m.usedBytes ?? 0, cachedBytes: m.cachedBytes ?? 0, hits: m.hits ?? 0, misses: m.misses ?? 0 };
}

/**
 * Returns the freed tensor memory kept for reuse to the system; the bytes returned. For a process
 * that stays up between jobs (a farm worker, the dailies server) once a job is done.
 */
export function releaseCachedMemory(): number {
  return native.releaseCachedMemory();
}

/** The default device: the first GPU when this libtorch has one, else cpu. */
export function defaultDevice(): string {
  return native.runtimeInfo().cudaAvailable ? 'cuda:0' : 'cpu';
}

/**
 * The device look models train and run on: $ATELIER_DEVICE (`cpu`, `cuda`, `cuda:N` or `auto`; a
 * CLI's --device sets it, so worker threads started later read the same), `auto` or unset meaning
 * the first GPU of a CUDA libtorch, else the CPU. A device this libtorch cannot reach is an error
 * naming it, not a silent fall-back: a farm worker pinned to cuda:1 must not train on its CPU.
 */
export function computeDevice(): string {
  const want = (process.env.ATELIER_DEVICE ?? '').trim() || 'auto';
  if (want === 'auto') return defaultDevice();
  if (!/^(cpu|cuda(:\d+)?)$/.test(want)) throw new Error(`device "${want}" is not known: use cpu, cuda, cuda:N or auto (ATELIER_DEVICE / --device)`);
  checkDevice(want);
  return want === 'cuda' ? 'cuda:0' : want;
}

/** Sets the process's compute device (see computeDevice); checked now, so a bad name fails before any work. */
export function setComputeDevice(device: string): string {
  const was = process.env.ATELIER_DEVICE;
  process.env.ATELIER_DEVICE = device;
  try { return computeDevice(); } catch (err) {
    if (was === undefined) delete process.env.ATELIER_DEVICE; else process.env.ATELIER_DEVICE = was;
    throw err;
  }
}


/**
 * Throws a message naming the problem when a CUDA device is named that this libtorch cannot reach
 * (libtorch's own says "Could not run 'aten::empty_strided' with arguments from the 'CUDA' backend").
 * Other device names are left to libtorch, whose message lists the valid ones.
 */
export function checkDevice(device: string): void {
  const m = /^cuda(?::(\d+))?$/.exec(device);
  if (!m) return;
  const info = native.runtimeInfo();
  if (!info.cudaAvailable) {
    throw new Error(`device "${device}" is not available: this libtorch build has no CUDA (build against a CUDA libtorch: LIBTORCH=/path/to/libtorch npm run setup)`);
  }
  const index = m[1] === undefined ? 0 : Number(m[1]);
  if (index >= info.cudaDeviceCount) {
    throw new Error(`device "${device}" is not available: this machine has ${info.cudaDeviceCount} CUDA device(s), numbered from cuda:0`);
  }
}

let nativeBf16: boolean | undefined;
/**
 * Whether this CPU multiplies bfloat16 in hardware (AVX-512 BF16 or AMX: recent Xeon and EPYC), where
 * oneDNN runs bfloat16 convolutions about twice as fast as float32. Elsewhere it emulates them, slower
 * than float32. Read from /proc/cpuinfo (false where there is none).
 */
export function cpuHasNativeBf16(): boolean {
  if (nativeBf16 === undefined) {
    let flags = '';
    try { flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? ''; } catch { /* not Linux */ }
    nativeBf16 = /\b(avx512_bf16|amx_bf16)\b/.test(flags);
  }
  return nativeBf16;
}
