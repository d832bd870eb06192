// Where the farm's jobs live: a Redis URL (--queue redis://… or $ATELIER_QUEUE) and one BullMQ queue
// per production, named from the production's identity (its name and creation time in
// atelier-production.json), so a worker and a submitter on different machines, with the production
// mounted at different paths, meet on the same queue.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MARKER } from '../store/index.js';

export interface FarmConnection { url: string; host: string; port: number }

/** Parses and checks a queue address; only redis:// and rediss:// are farm queues. */
export function parseQueueUrl(raw: string): FarmConnection {
  let u: URL;
  try { u = new URL(raw); } catch { throw new Error(`--queue "${raw}" is not a URL; give redis://host:port (the farm's Redis)`); }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`--queue "${raw}": only redis:// or rediss:// queues are supported (BullMQ on Redis)`);
  if (!u.hostname) throw new Error(`--queue "${raw}" names no host`);
  const port = u.port ? Number(u.port) : 6379;
  return { url: raw, host: u.hostname, port };
}

/** The --queue option, else $ATELIER_QUEUE, else null (jobs run in this process). */
export function queueFromOptions(opt: string | undefined): FarmConnection | null {
  const raw = opt ?? process.env.ATELIER_QUEUE;
  if (!raw || raw === 'local' || raw === 'in-process') return null;
  return parseQueueUrl(raw);
}

/** BullMQ connection options: ioredis keeps retrying (null) so workers ride out a Redis restart. */
export function bullConnection(c: FarmConnection) {
  return { url: c.url, maxRetriesPerRequest: null, enableOfflineQueue: true, retryStrategy: (times: number) => Math.min(200 * times, 2000) };
}

/** The queue of a production: "atelier-" and 12 hex digits of its identity. */
export function queueNameFor(productionDir: string): string {
  const file = join(productionDir, MARKER);
  if (!existsSync(file)) throw new Error(`${productionDir} is not an Atelier production (no ${MARKER})`);
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; createdAt?: string };
  if (!cfg.createdAt) throw new Error(`${file} has no createdAt; cannot name its farm queue`);
  return `atelier-${createHash('sha256').update(`${cfg.name ?? ''}\u0000${cfg.createdAt}`).digest('hex').slice(0, 12)}`;
}

/** Redis keys of ours next to BullMQ's (same prefix, so one FLUSH or key scan sees both). */
export const farmKeys = (queue: string) => ({
  cancel: (id: string) => `bull:${queue}:atelier:cancel:${id}`,
  /** When a render's first chunk started (its parent job only runs at the end). */
  started: (id: string) => `bull:${queue}:atelier:started:${id}`,
  worker: (id: string) => `bull:${queue}:atelier:worker:${id}`,
  workers: `bull:${queue}:atelier:workers`,
  /** Jobs people submitted (not a flow's chunks), by submit time: the job list without scanning every chunk. */
  top: `bull:${queue}:atelier:top`,
});
