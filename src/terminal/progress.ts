// A progress bar for long work: bar, count, rate, ETA and a short status, redrawn in place on a
// terminal; on a pipe or a log file, one plain line every few seconds instead.
export class ProgressBar {
  readonly #start = Date.now();
  #lastPlain = 0;
  #lastLen = 0;
  readonly #tty: boolean;
  constructor(readonly label: string, public total: number, readonly stream: NodeJS.WriteStream = process.stderr, readonly unit = 'step') {
    this.#tty = !!stream.isTTY;
  }

  update(done: number, status = '', secondsOverride?: number): void {
    const secs = secondsOverride ?? (Date.now() - this.#start) / 1000;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? (this.total - done) / rate : NaN;
    const counts = `${done}/${this.total} ${this.unit}s`;
    const speed = rate >= 1 ? `${rate.toFixed(1)} ${this.unit}/s` : rate > 0 ? `${(1 / rate).toFixed(2)} s/${this.unit}` : '';
    const timing = `${fmt(secs)} elapsed${Number.isFinite(eta) ? `, ETA ${fmt(eta)}` : ''}`;
    if (this.#tty) {
      const width = 24;
      const filled = Math.round(frac * width);
      const line = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${counts} ${speed} ${timing} ${status}`;
      const cols = this.stream.columns ?? 120;
      const text = line.length > cols - 1 ? line.slice(0, cols - 1) : line;
      this.stream.write(`\r${text}${' '.repeat(Math.max(0, this.#lastLen - text.length))}`);
      this.#lastLen = text.length;
    } else if (Date.now() - this.#lastPlain > 5000 || done >= this.total) {
      this.#lastPlain = Date.now();
      this.stream.write(`${this.label}: ${(frac * 100).toFixed(0)}% ${counts} ${speed} ${timing} ${status}\n`);
    }
  }

  /** Prints a message on its own line without breaking the bar. */
  log(message: string): void {
    if (this.#tty && this.#lastLen) this.stream.write(`\r${' '.repeat(this.#lastLen)}\r`);
    this.#lastLen = 0;
    this.stream.write(message + '\n');
  }

  done(): void {
    if (this.#tty && this.#lastLen) this.stream.write('\n');
    this.#lastLen = 0;
  }
}

/** 75 -> "1m15s". */
export function fmt(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "90", "90s", "5m", "2h", "1h30m" -> seconds. */
export function parseDuration(v: string): number {
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$/.exec(v.trim());
  if (!m || v.trim() === '' || (!m[1] && !m[2] && !m[3])) throw new Error(`"${v}" is not a duration (e.g. 90s, 5m, 2h, 1h30m)`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
