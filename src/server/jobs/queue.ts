// The job layer as an interface: the server submits, cancels, lists and watches jobs through it.
// InProcessQueue (in-process.ts) runs them in worker threads of this process; a BullMQ/Redis
// backend can implement the same interface to run them on a farm.

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
  /** Cancels what runs and waits for it to stop. */
  close(): Promise<void>;
}

/** What a job reports through ctx.progress: a fraction and a line of text (plus anything else). */
export interface JobProgress { progress?: number | null; message?: string; detail?: unknown }
