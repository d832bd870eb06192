// Work stopped because the user asked (Ctrl-C, a cancelled job). The CLI exits 130 on it, as a
// shell does for a process that SIGINT ended; `code` survives where the class does not (threads).
export class Cancelled extends Error {
  readonly code = 'CANCELLED';
}

export function isCancellation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'CANCELLED';
}

/**
 * One turn of the event loop. A training step is all native work and an `await` of a settled
 * promise runs no I/O callbacks, so without this a loop never sees SIGINT or an abort until it
 * ends. setImmediate, not a timer: it waits for nothing (microseconds a step).
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
