// A discrete-event simulation of the farm's scheduler, driven by measured chunk times: W workers
// pull chunks from one BullMQ queue (priority, then FIFO) through one Redis; a shot's finish job
// (checks, records, movie) becomes ready when its last chunk ends. What it answers: how busy the
// workers are (utilization = time rendering / (W × makespan)) at 10, 100 and 1000 workers, and
// what holds them back: the tail (few chunks left, many idle workers), Redis (a single thread
// serving every worker's commands), per-chunk overhead (job start, model load, pre-roll frames).
//
// Redis is a single FIFO server: each chunk costs `redisOpsPerChunk` commands taking
// `redisSecondsPerOp` each (measured with INFO commandstats on the bench); a worker waits for its
// take/finish commands to be served, so at high dispatch rates the queue in front of Redis shows up
// as worker idle time.
import { mulberry32 } from '../image/prng.js';

export interface SimParams {
  workers: number;
  /** Shots of the backlog, each `framesPerShot` frames (or a list of frame counts). */
  shots: number[];
  chunk: number;
  preRoll: number;
  /** Measured: seconds per rendered frame (one worker, its threads), and its spread (coefficient of variation). */
  secondsPerFrame: number;
  frameCv: number;
  /** Measured: seconds per chunk outside rendering (thread start, production open, model load). */
  chunkOverheadSeconds: number;
  /** Measured: seconds per pre-roll frame (computed for the blend, never encoded, written or recorded). */
  preRollSecondsPerFrame?: number;
  /** Measured: seconds of the finish job per shot (frame checks, coherence merge, movie per frame). */
  finishSecondsPerFrame: number;
  finishFixedSeconds: number;
  /** Measured: Redis commands per chunk (take, lock renewals, progress, finish, events) and seconds each. */
  redisOpsPerChunk: number;
  redisSecondsPerOp: number;
  seed?: number;
}

export interface SimResult {
  workers: number;
  chunks: number;
  frames: number;
  makespanSeconds: number;
  utilization: number;
  /** Share of worker time spent rendering frames that are written (not pre-roll, not overhead). */
  usefulUtilization: number;
  framesPerSecond: number;
  redisUtilization: number;
  /** Mean wait of a worker for Redis per chunk, seconds. */
  redisWaitPerChunk: number;
}


/** Lognormal with mean 1 and coefficient of variation cv. */
function lognormal(r: () => number, cv: number): number {
  if (cv <= 0) return 1;
  const s2 = Math.log(1 + cv * cv);
  const u1 = Math.max(r(), 1e-12), u2 = r();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.exp(-s2 / 2 + Math.sqrt(s2) * z);
}

interface Task { shot: number; frames: number; work: number; finish: boolean }

/** A binary min-heap of (time, value). */
class Heap<T> {
  private a: { t: number; v: T }[] = [];
  get size() { return this.a.length; }
  push(t: number, v: T) {
    const a = this.a;
    a.push({ t, v });
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (a[p]!.t <= a[i]!.t) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): { t: number; v: T } {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.t < a[m]!.t) m = l;
        if (r < a.length && a[r]!.t < a[m]!.t) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

export function simulateFarm(p: SimParams): SimResult {
  const r = mulberry32(p.seed ?? 1); // deterministic, so runs repeat
  // The queue: every shot's chunks in submit order (same priority → FIFO); finish jobs jump in when ready
  // (BullMQ moves a parent to the wait list when its last child completes).
  const queue: Task[] = [];
  const left = new Map<number, number>();
  let frames = 0, chunks = 0, usefulWork = 0;
  p.shots.forEach((n, s) => {
    const count = Math.ceil(n / p.chunk);
    left.set(s, count);
    for (let i = 0; i < count; i++) {
      const f = Math.min(p.chunk, n - i * p.chunk);
      const roll = i === 0 ? 0 : p.preRoll;
      queue.push({ shot: s, frames: f, work: f * p.secondsPerFrame + roll * (p.preRollSecondsPerFrame ?? p.secondsPerFrame), finish: false });
      usefulWork += f * p.secondsPerFrame;
    }
    frames += n;
    chunks += count;
  });
  let head = 0;
  const ready: Task[] = []; // finish jobs, served before further chunks (they were added earlier)
  let redisFree = 0, redisBusy = 0, redisWait = 0;
  const redisCost = p.redisOpsPerChunk * p.redisSecondsPerOp;
  const redis = (now: number, cost: number) => {
    const start = Math.max(now, redisFree);
    redisFree = start + cost;
    redisBusy += cost;
    redisWait += redisFree - now - cost;
    return redisFree; // when the commands have been answered
  };
  const pending = new Map<number, Task>(); // what each busy worker is running
  // Events: a worker's work ends (it then reports to Redis), or a worker is free (Redis answered).
  const events = new Heap<{ w: number; kind: 'ended' | 'free' }>();
  for (let w = 0; w < p.workers; w++) events.push(0, { w, kind: 'free' });
  let busy = 0, end = 0;
  const idle: number[] = [];
  const take = (): Task | null => ready.shift() ?? (head < queue.length ? queue[head++]! : null);
  const start = (w: number, now: number, task: Task) => {
    const t0 = redis(now, redisCost / 2); // take the job + its lock
    const work = task.finish
      ? p.finishFixedSeconds + task.frames * p.finishSecondsPerFrame
      : p.chunkOverheadSeconds + task.work * lognormal(r, p.frameCv);
    busy += work;
    events.push(t0 + work, { w, kind: 'ended' });
    pending.set(w, task);
  };
  while (events.size) {
    const { t: now, v: { w, kind } } = events.pop();
    end = Math.max(end, now);
    if (kind === 'ended') { // progress, lock renewals, completion, events: answered in Redis's turn
      events.push(redis(now, redisCost / 2), { w, kind: 'free' });
      continue;
    }
    const done = pending.get(w);
    pending.delete(w);
    if (done && !done.finish) {
      const n = left.get(done.shot)! - 1;
      left.set(done.shot, n);
      if (n === 0) {
        ready.push({ shot: done.shot, frames: p.shots[done.shot]!, work: 0, finish: true });
        // An idle worker picks the finish job up at once.
        const iw = idle.pop();
        if (iw !== undefined) start(iw, now, ready.shift()!);
      }
    }
    const task = take();
    if (task) start(w, now, task);
    else idle.push(w);
  }
  return {
    workers: p.workers, chunks, frames,
    makespanSeconds: +end.toFixed(2),
    utilization: +(busy / (p.workers * end)).toFixed(4),
    usefulUtilization: +(usefulWork / (p.workers * end)).toFixed(4),
    framesPerSecond: +(frames / end).toFixed(3),
    redisUtilization: +(redisBusy / end).toFixed(5),
    redisWaitPerChunk: +(redisWait / Math.max(1, chunks * 2)).toFixed(6),
  };
}

export interface SimScenario { name: string; shots: number[] }

/** The scenarios SCALE.md reports: a backlog that keeps every worker busy (6 chunks per worker
 *  queued), and one fixed episode (300 shots of 96 frames) on each farm size. */
export function scenarios(workers: number, chunk: number): SimScenario[] {
  const framesPerShot = 96;
  const backlogShots = Math.max(4, Math.ceil((6 * workers) / Math.ceil(framesPerShot / chunk)));
  return [
    { name: 'backlog', shots: Array.from({ length: backlogShots }, () => framesPerShot) },
    { name: 'episode', shots: Array.from({ length: 300 }, () => framesPerShot) },
  ];
}
