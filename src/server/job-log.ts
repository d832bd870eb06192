// The in-process queue's jobs, recorded in the server's table (server_jobs) as they change: the queue
// itself lives in memory, so without this a restarted server forgot what was queued or running when
// it stopped (killed, or crashed), and the refine requests waiting on those jobs stayed "running"
// for good. On start the server marks such jobs failed (interrupted, with the reason), gives their
// refine requests back as "held" (startable again), and lists the recorded jobs as before the restart.
// A farm queue keeps its jobs in Redis and needs none of this.
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { ServerDatabase } from './db.js';
import type { JobEvent, JobQueue, JobRecord, JobSpec } from '../jobs/queue.js';
import { nowIso } from '../store/time.js';

/** This server process: the owner of the jobs it queues. */
const HOST = hostname();
export const JOB_OWNER = `${HOST}:${process.pid}`;

/** How often a server says its queued and running jobs are still its own. */
const HEARTBEAT_MS = 30_000;
/** A job whose owner gave no sign of life for this long is lost (its server, on another machine, stopped). */
const STALE_MS = 4 * HEARTBEAT_MS;
/** Progress and message are recorded at most this often per job. */
const PROGRESS_MS = 2_000;
/** Finished jobs listed again after a restart. */
const HISTORY = 200;

/** The reason an interrupted job and its refine request give. */
export const STOPPED_WHILE = (what: string) => `interrupted: the dailies server stopped while this job was ${what}; it was not resumed (start it again)`;

type Row = ServerDatabase['server_jobs'];

function recordOf(r: Row): JobRecord {
  return {
    id: r.id, kind: r.kind, title: r.title, status: r.status as JobRecord['status'], progress: r.progress === null ? null : Number(r.progress), message: r.message,
    createdBy: r.created_by, createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at, result: null, error: r.error,
    ...(r.error?.startsWith('interrupted:') ? { interrupted: true } : {}),
  };
}

/** Whether the server that owns a job is gone: a process of this machine that no longer runs, or no heartbeat for long. */
function ownerGone(r: Pick<Row, 'owner' | 'seen_at'>, now: number): boolean {
  if (r.owner === JOB_OWNER) return false;
  const at = r.owner.lastIndexOf(':');
  const host = r.owner.slice(0, at), pid = Number(r.owner.slice(at + 1));
  if (host === HOST && Number.isSafeInteger(pid) && pid > 0) {
    try { process.kill(pid, 0); } catch (err) { if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true; }
  }
  return now - Date.parse(r.seen_at) > STALE_MS;
}

/**
 * Marks the jobs of servers that stopped while they were queued or running as failed (interrupted)
 * and gives their refine requests back as held. Returns the recorded jobs for the queue's list,
 * oldest first.
 */
export async function recoverJobs(db: Kysely<ServerDatabase>): Promise<JobRecord[]> {
  const now = Date.now();
  const live = await db.selectFrom('server_jobs').selectAll().where('status', 'in', ['queued', 'running']).execute();
  for (const r of live.filter((x) => ownerGone(x, now))) {
    const reason = STOPPED_WHILE(r.status === 'running' ? `running (at "${r.message}")` : 'queued');
    const at = nowIso();
    // Only if still as read: another server starting at once may have done it.
    await db.updateTable('server_jobs').set({ status: 'failed', error: reason, message: reason, finished_at: at })
      .where('id', '=', r.id).where('status', '=', r.status).execute();
    await db.updateTable('refine_requests').set({ status: 'held', error: reason, updated_at: at })
      .where('job_id', '=', r.id).where('status', 'in', ['pending', 'running']).execute();
  }
  const rows = await db.selectFrom('server_jobs').selectAll().where('status', 'not in', ['queued', 'running'])
    .orderBy('created_at', 'desc').limit(HISTORY).execute();
  return rows.reverse().map(recordOf);
}

/** Records every job of `queue` as it changes (in order), and heartbeats those queued or running.
 *  Its `queue` is the same queue that also records each job's input, to start it again (job-again.ts). */
export function recordJobs(db: Kysely<ServerDatabase>, queue: JobQueue): { queue: JobQueue; close(): Promise<void> } {
  const live = new Map<string, { progress: number | null; message: string; written: number }>();
  let chain: Promise<unknown> = Promise.resolve();
  // The log is the server's memory across restarts, not the job's outcome: a failed write costs the job nothing.
  const write = (f: () => Promise<unknown>) => { chain = chain.then(f).catch(() => undefined); };
  const off = queue.subscribe((e: JobEvent) => {
    const at = nowIso();
    if (e.type === 'job') {
      const j = e.job;
      if (j.status === 'queued' || j.status === 'running') live.set(j.id, { progress: j.progress, message: j.message, written: Date.now() }); else live.delete(j.id);
      const row = { status: j.status, progress: j.progress, message: j.message, error: j.error, started_at: j.startedAt, finished_at: j.finishedAt, seen_at: at };
      write(() => db.insertInto('server_jobs').values({ id: j.id, kind: j.kind, title: j.title, created_by: j.createdBy, created_at: j.createdAt, owner: JOB_OWNER, version_id: null, version_frames: null, input: null, run_dir: null, ...row })
        .onConflict((oc) => oc.column('id').doUpdateSet(row)).execute());
      return;
    }
    const l = live.get(e.id);
    if (l) {
      l.progress = e.progress; l.message = e.message;
      // Where the job was is what a restart reports on it: written every few seconds, not per frame.
      if (Date.now() - l.written > PROGRESS_MS) {
        l.written = Date.now();
        write(() => db.updateTable('server_jobs').set({ seen_at: at, progress: e.progress, message: e.message }).where('id', '=', e.id).execute());
      }
    }
    // A training's run folder: started again, the job resumes it (job-again.ts).
    const run = (e.detail as { run?: unknown } | undefined)?.run;
    if (typeof run === 'string') write(() => db.updateTable('server_jobs').set({ run_dir: run }).where('id', '=', e.id).execute());
    // A job that claimed its shot version says so once (renders, refines): the version is
    // incomplete until the job is done (versions.ts).
    const v = (e.detail as { version?: { id?: unknown; frames?: unknown } } | undefined)?.version;
    if (typeof v?.id === 'number') {
      write(() => db.updateTable('server_jobs').set({ version_id: v.id as number, version_frames: typeof v.frames === 'number' ? v.frames : null }).where('id', '=', e.id).execute());
    }
  });
  const beat = setInterval(() => {
    for (const [id, l] of live) write(() => db.updateTable('server_jobs').set({ seen_at: nowIso(), progress: l.progress, message: l.message }).where('id', '=', id).execute());
  }, HEARTBEAT_MS);
  beat.unref();
  const logged: JobQueue = {
    async submit(spec: JobSpec) {
      const job = await queue.submit(spec);
      // After the row its 'job' event inserted: the writes run in order.
      write(() => db.updateTable('server_jobs').set({ input: JSON.stringify(spec.input) }).where('id', '=', job.id).execute());
      return job;
    },
    cancel: (id) => queue.cancel(id),
    get: (id) => queue.get(id),
    list: () => queue.list(),
    subscribe: (listener) => queue.subscribe(listener),
    close: (reason) => queue.close(reason),
    ...(queue.stats ? { stats: (w?: number) => queue.stats!(w) } : {}),
  };
  return {
    queue: logged,
    async close() { clearInterval(beat); off(); await chain; },
  };
}
