// Work stopped because the user asked (Ctrl-C, a cancelled job). The CLI exits 130 on it, as a
// shell does for a process that SIGINT ended; `code` survives where the class does not (threads).
export class Cancelled extends Error {
  readonly code = 'CANCELLED';
}

export function isCancellation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'CANCELLED';
}

/** `work`, whose cancellation is rethrown with what the caller adds to its message (what became of
 *  the run, how to go on); any other error as it is. */
export function explainCancel<T>(work: Promise<T>, explain: (message: string) => string): Promise<T> {
  return work.catch((err: unknown) => {
    if (!isCancellation(err)) throw err;
    throw new Cancelled(explain((err as Error).message));
  });
}

/**
 * One turn of the event loop. A training step is all native work and an `await` of a settled
 * promise runs no I/O callbacks, so without this a loop never sees SIGINT or an abort until it
 * ends. setImmediate, not a timer: it waits for nothing (microseconds a step).
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
