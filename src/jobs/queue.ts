// The job layer as an interface: the server submits, cancels, lists and watches jobs through it.
// InProcessQueue (in-process-queue.ts) runs them in worker threads of this process; BullMQQueue
// (src/farm/bullmq-queue.ts) puts them in Redis for `atelier worker`s on a farm. Both run the
// kinds of one table (kinds.ts).

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobSpec {
  /** A kind the queue knows (train-look, render-shot, refine, …); never a client-given module. */
  kind: string;
  title: string;
  /** Plain data (structured-clone); the job's own input. */
  input: Record<string, unknown>;
  createdBy: string;
}

export interface JobRecord {
  id: string;
  kind: string;
  title: string;
  status: JobStatus;
  /** 0..1 when known. */
  progress: number | null;
  message: string;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  result: unknown;
  error: string | null;
  /** Stopped by the server stopping (or lost with it), not by the job or a user: error says so. */
  interrupted?: boolean;
}

export type JobEvent =
  | { type: 'job'; job: JobRecord }                                   // created or changed status
  | { type: 'progress'; id: string; progress: number | null; message: string; detail?: unknown };

export interface JobQueue {
  submit(spec: JobSpec): Promise<JobRecord>;
  /** Asks a queued or running job to stop; resolves with its record (status may still be running until it stops). */
  cancel(id: string): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | null>;
  list(): Promise<JobRecord[]>;
  /** Every event of every job from now on; returns the unsubscribe function. */
  subscribe(listener: (e: JobEvent) => void): () => void;
  /** In-process: stops what runs and waits for it (those jobs end failed and interrupted, error = reason).
   *  A farm queue leaves its jobs to the farm. */
  close(reason?: string): Promise<void>;
  /** Workers, queue depth, throughput and failures (the dailies Farm page). */
  stats?(windowSeconds?: number): Promise<FarmStats>;
}

export interface FarmWorkerInfo {
  id: string; host: string; pid: number; production: string; concurrency: number; threads: number | null;
  startedAt: string; seenAt: string; done: number; failed: number; busySeconds: number;
  active: { id: string; title: string; progress: number | null; message: string }[];
}

export interface FarmStats {
  backend: 'bullmq' | 'in-process';
  queue: string;
  redis?: string;
  counts: Record<string, number>;
  workers: FarmWorkerInfo[];
  /** Over the last `windowSeconds`: chunks and frames finished, per minute. */
  throughput: { windowSeconds: number; jobs: number; frames: number; framesPerMinute: number; jobsPerMinute: number };
  failures: { id: string; title: string; error: string; attempts: number; finishedAt: string | null; parent: string | null }[];
}



/** What a job reports through ctx.progress: a fraction and a line of text (plus anything else). */
export interface JobProgress { progress?: number | null; message?: string; detail?: unknown }

/** The job queue's backend (the farm's Redis) does not answer: the dailies say so (503) and go on. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
}
