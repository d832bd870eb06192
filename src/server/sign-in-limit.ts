// Failed sign-ins per client address: after `max` failures within `windowMs` the address must wait
// until the oldest one leaves the window (tokens are 256-bit, so this guards the log and the CPU
// more than the secret). In memory: a restart forgets, which only ever lets someone try again.
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(readonly max = 10, readonly windowMs = 15 * 60_000) {}

  /** Milliseconds the address must still wait (0: it may try). */
  retryAfterMs(ip: string, now = Date.now()): number {
    const list = this.recent(ip, now);
    return list.length >= this.max ? list[0]! + this.windowMs - now : 0;
  }

  fail(ip: string, now = Date.now()): void {
    const list = this.recent(ip, now);
    list.push(now);
    this.failures.set(ip, list);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!); // bounded memory
  }

  succeed(ip: string): void { this.failures.delete(ip); }

  private recent(ip: string, now: number): number[] {
    return (this.failures.get(ip) ?? []).filter((t) => now - t < this.windowMs);
  }
}
