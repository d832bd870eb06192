// Process-wide engine settings: threads, seeds, determinism, what libtorch was built with.
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

/** The default device: the first GPU when this libtorch has one, else cpu. */
export function defaultDevice(): string {
  return native.runtimeInfo().cudaAvailable ? 'cuda:0' : 'cpu';
}

