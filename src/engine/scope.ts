// Deterministic memory: tensors created inside tidy() are freed when it returns, except those it
// returns (which move to the enclosing scope) and those passed to keep(). The garbage collector is
// only a safety net (the native handle frees its tensor when collected).

import { native } from './native.js';

export interface Disposable { dispose(): void; readonly isDisposed: boolean }

const stack: Set<Disposable>[] = [];
const kept = new WeakSet<Disposable>();

/** Called by every new tensor. */
export function track(t: Disposable): void {
  const top = stack[stack.length - 1];
  if (top) top.add(t);
}

/** Takes a tensor out of every scope: it lives until dispose() (e.g. parameters, optimizer state). */
export function keep<T extends Disposable>(t: T): T {
  kept.add(t);
  for (const s of stack) s.delete(t);
  return t;
}

function collect(v: unknown, out: Set<Disposable>, seen: Set<unknown>): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (typeof (v as Disposable).dispose === 'function' && 'isDisposed' in (v as object)) {
    out.add(v as Disposable);
    return;
  }
  if (Array.isArray(v)) for (const x of v) collect(x, out, seen);
  else if (v instanceof Map) for (const x of v.values()) collect(x, out, seen);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) collect(x, out, seen);
}

/**
 * Runs fn and frees every tensor it created that is not part of its result (tensors in returned
 * arrays, maps and plain objects survive). fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    stack.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  stack.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TypeError('tidy() takes a synchronous function; an async function would free its tensors while still in use');
  }
  const survivors = new Set<Disposable>();
  collect(result, survivors, new Set());
  const parent = stack[stack.length - 1];
  for (const t of scope) {
    if (survivors.has(t)) {
      if (parent && !kept.has(t)) parent.add(t);
    } else t.dispose();
  }
  return result;
}

/** Frees every tensor in a value (a tensor, or arrays / maps / plain objects of them). */
export function disposeAll(v: unknown): void {
  const all = new Set<Disposable>();
  collect(v, all, new Set());
  for (const t of all) t.dispose();
}

/**
 * Awaits every promise (reads that run side by side); when one fails, frees the tensors the others
 * gave (disposeAll) and throws its error, so a failed read leaks nothing.
 */
export async function settleAll<T>(pending: readonly Promise<T>[]): Promise<T[]> {
  const done = await Promise.allSettled(pending);
  const ok = done.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = done.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    disposeAll(ok);
    throw failed.reason;
  }
  return ok;
}

/** Native tensors currently held by this thread's JavaScript (for leak checks). */
export function liveTensors(): number {
  return native.liveTensors();
}

/** How deep the scope stack is (0 outside any tidy); for tests. */
export function scopeDepth(): number {
  return stack.length;
}
