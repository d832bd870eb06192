// Gradient mode. libtorch's grad mode is per thread, which matches JS: each worker has its own.
import { native } from './native.js';

/** Runs fn with gradient tracking off (evaluation, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev: boolean = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs fn with gradient tracking on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  const prev: boolean = native.setGradEnabled(true);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
