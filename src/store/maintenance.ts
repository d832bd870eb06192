// `atelier verify` and `atelier gc`: the database is intact, every recorded hash has its blob (and,
// with deep, the blob still hashes to its name); orphan blobs and temp files left by killed
// processes are counted, and gc removes them once they are old enough not to belong to a writer
// that is still running.
import { statSync, unlinkSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Production } from './production.js';

export interface VerifyReport {
  ok: boolean;
  problems: string[];
  counts: { assets: number; pairs: number; shots: number; datasets: number; modelVersions: number; renders: number; blobs: number };
  orphanBlobs: string[];
  tempFiles: string[];
  /** Recorded rendered frames whose files are gone (a version folder removed by hand): their records stay as history. */
  missingRenders: string[];
}

async function referencedHashes(prod: Production, db: Kysely<Database> = prod.db, extra: ExtraRefs = []): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  for (const r of await db.selectFrom('assets').select(['id', 'hash']).execute()) refs.set(r.hash, `asset #${r.id}`);
  for (const r of await db.selectFrom('model_files').select(['model_version_id', 'name', 'hash']).execute()) refs.set(r.hash, `model version #${r.model_version_id} file ${r.name}`);
  for (const r of await db.selectFrom('datasets').select(['name', 'manifest_hash']).execute()) refs.set(r.manifest_hash, `dataset ${r.name} manifest`);
  for (const { table, column } of extra) {
    for (const r of await (db as unknown as Kysely<Record<string, Record<string, string>>>).selectFrom(table).select(column).execute()) refs.set(r[column], `${table}.${column}`);
  }
  return refs;
}

type ExtraRefs = { table: string; column: string }[];

/** Blobs referenced by tables outside the workspace schema (the server's refine-request masks), when present. */
async function extraReferences(prod: Production): Promise<ExtraRefs> {
  const tables = new Set((await prod.db.introspection.getTables()).map((t) => t.name));
  return tables.has('refine_requests') ? [{ table: 'refine_requests', column: 'mask_hash' }] : [];
}

/**
 * Takes the database's write lock for the tables that reference blobs, inside trx: writers that
 * are recording a blob finish first, and new ones wait until trx ends. A blob is only deleted
 * under this lock, and writers check their blob is there after inserting its row (before
 * COMMIT), so a row is never committed without its blob — also between machines on a shared store.
 */
async function lockReferences(trx: Kysely<Database>, dialect: Production['dialect']): Promise<void> {
  if (dialect === 'postgres') await sql`LOCK TABLE assets, model_files, datasets IN SHARE MODE`.execute(trx);
  else await trx.insertInto('settings').values({ key: 'gc_last_run', value: JSON.stringify(new Date().toISOString()) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(new Date().toISOString()) })).execute(); // SQLite: any write takes the lock
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

function tempFiles(prod: Production): string[] {
  const out = prod.store.scan().temps;
  const tmp = join(prod.dir, 'tmp');
  if (existsSync(tmp)) for (const n of readdirSync(tmp)) out.push(join(tmp, n));
  for (const n of readdirSync(prod.dir)) if (n.endsWith('.tmp')) out.push(join(prod.dir, n));
  // Derived caches (e.g. cache/exemplar-banks, synth/bank-cache.ts) write through temp files too.
  const cache = join(prod.dir, 'cache');
  if (existsSync(cache)) {
    for (const d of readdirSync(cache, { withFileTypes: true })) {
      if (d.isDirectory()) for (const n of readdirSync(join(cache, d.name))) if (n.endsWith('.tmp')) out.push(join(cache, d.name, n));
    }
  }
  return out;
}

export async function verifyProduction(prod: Production, opts: { deep?: boolean } = {}): Promise<VerifyReport> {
  const problems: string[] = [];
  if (prod.dialect === 'sqlite') {
    const rows = (await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(prod.db)).rows;
    const msgs = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
    for (const m of msgs) problems.push(`database: ${m}`);
  }
  const refs = await referencedHashes(prod, prod.db, await extraReferences(prod));
  for (const [hash, what] of refs) {
    if (!prod.store.has(hash)) problems.push(`${what}: blob ${hash} is missing from the content store`);
    else if (opts.deep && !prod.store.verify(hash)) problems.push(`${what}: blob ${hash} no longer matches its hash`);
  }
  const { hashes } = prod.store.scan();
  const count = async (t: 'assets' | 'pairs' | 'shots' | 'datasets' | 'model_versions' | 'renders') =>
    Number((await prod.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return {
    ok: problems.length === 0,
    problems,
    counts: { assets: await count('assets'), pairs: await count('pairs'), shots: await count('shots'), datasets: await count('datasets'), modelVersions: await count('model_versions'), renders: await count('renders'), blobs: hashes.length },
    orphanBlobs: hashes.filter((h) => !refs.has(h)),
    tempFiles: tempFiles(prod),
    missingRenders: [...new Set((await prod.db.selectFrom('renders').select('path').execute()).map((r) => r.path))].filter((p) => !existsSync(p)),
  };
}

export interface GcReport { removedBlobs: string[]; removedTemps: string[]; keptRecent: number }

/** Removes unreferenced blobs older than minAgeSeconds, and temp files of dead processes. */
export async function collectGarbage(prod: Production, opts: { minAgeSeconds?: number } = {}): Promise<GcReport> {
  const minAge = (opts.minAgeSeconds ?? 900) * 1000;
  const now = Date.now();
  const report = await verifyProduction(prod);
  const removedBlobs: string[] = [];
  const removedTemps: string[] = [];
  let keptRecent = 0;
  const candidates: string[] = [];
  for (const hash of report.orphanBlobs) {
    if (now - statSync(prod.store.pathFor(hash)).mtimeMs < minAge) keptRecent++;
    else candidates.push(hash);
  }
  if (candidates.length) {
    const extra = await extraReferences(prod);
    await prod.transaction(async (trx) => {
      removedBlobs.length = 0;
      await lockReferences(trx, prod.dialect);
      // Re-checked under the lock: a writer (here or on another machine) may have recorded it meanwhile.
      const still = await referencedHashes(prod, trx, extra);
      for (const hash of candidates) {
        if (still.has(hash)) continue;
        try { unlinkSync(prod.store.pathFor(hash)); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; }
        removedBlobs.push(hash);
      }
    });
  }
  // A temp file of a dead local process can go at once; on a store shared between machines the
  // process id may be another machine's, so there only age counts.
  const shared = prod.dialect === 'postgres' || prod.config.store !== undefined;
  for (const t of report.tempFiles) {
    const pid = Number(/\.(\d+)\.[0-9a-f]+\.tmp$/.exec(t)?.[1] ?? /[\\/](\d+)-[0-9a-z]+$/.exec(t)?.[1] ?? NaN);
    const old = now - statSync(t).mtimeMs >= minAge;
    if ((!shared && Number.isFinite(pid) && !pidAlive(pid)) || old) {
      rmSync(t, { recursive: true, force: true });
      removedTemps.push(t);
    } else keptRecent++;
  }
  return { removedBlobs, removedTemps, keptRecent };
}
