// atelier worker: a farm worker taking a production's jobs from Redis (BullMQ); and atelier farm:
// the farm's state (workers, queue depth, throughput, failures), a job's record, cancel.
import type { Command } from 'commander';
import { setPriority } from 'node:os';
import 'sharp'; // loaded on the main thread before any job worker loads it (sharp's rule for workers)
import { findProductionDir } from '../../store/index.js';
import { printResult } from '../output.js';
import { integer, positiveNumber, DEVICE_OPTION } from './store-common.js';
import { queueFromOptions, queueNameFor, type FarmConnection } from '../../farm/connection.js';
import { FarmWorker } from '../../farm/worker.js';
import { BullMQQueue } from '../../farm/bullmq-queue.js';

interface WorkerOpts { queue?: string; production?: string; concurrency: number; threads?: number; inProcess?: boolean; lockSeconds: number; progressMs: number; nice: number; json?: boolean }

function needQueue(opt: string | undefined): FarmConnection {
  const c = queueFromOptions(opt);
  if (!c) throw new Error('a farm needs a queue: --queue redis://host:6379 (or $ATELIER_QUEUE)');
  return c;
}

const stamp = () => new Date().toISOString().slice(11, 19);

interface FarmOpts { queue?: string; production?: string; json?: boolean }

/** --queue, --production and --json, which every `atelier farm` subcommand takes. */
function farmOptions(cmd: Command): Command {
  return cmd
    .option('--queue <url>', 'the farm\'s Redis (default: $ATELIER_QUEUE)')
    .option('--production <dir>', 'the production folder')
    .option('--json', 'print JSON');
}

/** Opens the production's farm queue around fn. */
async function withFarmQueue(o: FarmOpts, fn: (q: BullMQQueue) => Promise<void>): Promise<void> {
  const q = new BullMQQueue({ connection: needQueue(o.queue), queueName: queueNameFor(findProductionDir(o.production)), events: false });
  try {
    await q.ready();
    await fn(q);
  } finally { await q.close(); }
}

export function registerWorker(program: Command): void {
  program.command('worker')
    .description('Take a production\'s jobs (renders, training, refines) from the farm queue and run them; run one per machine (or per GPU).')
    .option('--queue <url>', 'the farm\'s Redis: redis://host:port (default: $ATELIER_QUEUE)')
    .option('--production <dir>', 'the production folder as this machine mounts it (default: $ATELIER_PRODUCTION, else the current folder or a parent)')
    .option('--concurrency <n>', 'jobs at once in this process', integer, 1)
    .option(...DEVICE_OPTION)
    .option('--threads <n>', 'libtorch threads per job (default: all cores)', integer)
    .option('--in-process', 'run jobs on the main thread instead of a worker thread')
    .option('--lock-seconds <n>', 'job lock: a worker that dies has its job run again by another after about this long', positiveNumber, 30)
    .option('--progress-ms <n>', 'least time between a job\'s progress updates to Redis (the dailies\' live progress)', integer, 250)
    .option('--nice <n>', 'CPU priority, -20..19: a worker yields to interactive work on its machine (a dailies server, an artist) by default', integer, 10)
    .option('--json', 'log one JSON object per line')
    .addHelpText('after', `
Jobs of a production go to its own queue on the Redis server (named from the production's identity,
so every machine finds it whatever path it mounts the production at). SIGTERM or Ctrl-C stops taking
jobs and lets the running ones finish; a second signal quits at once (the running job is then run
again by another worker once its lock expires; renders resume, so no frame is written twice).

Example:
  atelier worker --queue redis://farm-redis:6379 --production /mnt/prod/ep01 --threads 8`)
    .action(async (o: WorkerOpts) => {
      const connection = needQueue(o.queue);
      if (o.concurrency < 1) throw new Error('--concurrency must be at least 1');
      if (o.threads !== undefined && o.threads < 1) throw new Error('--threads must be at least 1');
      if (o.progressMs < 0) throw new Error(`--progress-ms must be 0 or more, got ${o.progressMs}`);
      if (o.nice < -20 || o.nice > 19) throw new Error(`--nice must be -20..19, got ${o.nice}`);
      const productionDir = findProductionDir(o.production);
      // Before any thread starts: on Linux each thread has its own niceness and new ones inherit it.
      try { setPriority(o.nice); } catch (err) { process.stderr.write(`atelier worker: cannot set --nice ${o.nice} (${(err as Error).message}); running at the default priority\n`); }
      const log = (line: string) => process.stderr.write(o.json ? JSON.stringify({ time: new Date().toISOString(), message: line }) + '\n' : `[${stamp()}] ${line}\n`);
      const w = new FarmWorker({ connection, productionDir, concurrency: o.concurrency, threads: o.threads, inProcess: o.inProcess, lockMs: Math.round(o.lockSeconds * 1000), progressMs: o.progressMs, log });
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) { log(`${sig} again: quitting now`); process.exit(130); }
        stopping = true;
        log(`${sig}: finishing ${w.activeJobs} running job(s), taking no more (send it again to quit now)`);
        void w.close(true).then(() => { log('worker stopped'); process.exit(0); });
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      await w.start();
    });

  const farm = program.command('farm').description('The render farm: its state, a job, cancel.');
  farmOptions(farm.command('status'))
    .description('Workers, queue depth, throughput and recent failures of a production\'s farm queue.')
    .action(async (o: FarmOpts) => {
      await withFarmQueue(o, async (q) => {
        const s = await q.stats();
        printResult(!!o.json, s, () => [
          `queue ${s.queue} on ${s.redis}: ${Object.entries(s.counts).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ') || 'empty'}`,
          `throughput (last ${s.throughput.windowSeconds / 60} min): ${s.throughput.framesPerMinute} frames/min, ${s.throughput.jobsPerMinute} jobs/min`,
          `${s.workers.length} worker(s)${s.workers.length ? ':' : ''}`,
          ...s.workers.map((w) => `  ${w.id}  done ${w.done}, failed ${w.failed}${w.active.length ? `  running: ${w.active.map((a) => `${a.title} (${a.message})`).join('; ')}` : '  idle'}`),
          ...(s.failures.length ? ['recent failures:', ...s.failures.slice(0, 10).map((f) => `  ${f.id}  ${f.title}: ${f.error}`)] : []),
        ].join('\n'));
      });
    });
  farmOptions(farm.command('job'))
    .argument('<id>', 'job id')
    .description('A farm job\'s record (status, progress, result or error).')
    .action(async (id: string, o: FarmOpts) => {
      await withFarmQueue(o, async (q) => {
        const r = await q.get(id);
        if (!r) throw new Error(`no job ${id} in this production's farm queue`);
        printResult(!!o.json, r, () => `${r.id}  ${r.status}  ${r.title}${r.progress !== null ? `  ${Math.round(r.progress * 100)}%` : ''}  ${r.message}`);
      });
    });
  farmOptions(farm.command('cancel'))
    .argument('<id>', 'job id (a render\'s, or one of its chunks\')')
    .description('Cancel a farm job: queued parts are dropped, running ones stop within a second or so.')
    .action(async (id: string, o: FarmOpts) => {
      await withFarmQueue(o, async (q) => {
        const r = await q.cancel(id);
        printResult(!!o.json, r, () => `${r.id}  ${r.status}  ${r.message}`);
      });
    });
}
