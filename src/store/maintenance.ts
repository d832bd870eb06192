// `atelier verify` and `atelier gc`: the database is intact, every recorded hash has its blob (and,
// with deep, the blob still hashes to its name); orphan blobs and temp files left by killed
// processes are counted, and gc removes them once they are old enough not to belong to a writer
// that is still running.
import { statSync, unlinkSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Production } from './production.js';

export interface VerifyReport {
  ok: boolean;
  problems: string[];
  counts: { assets: number; pairs: number; shots: number; datasets: number; modelVersions: number; renders: number; blobs: number };
  orphanBlobs: string[];
  tempFiles: string[];
}

async function referencedHashes(prod: Production): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  for (const r of await prod.db.selectFrom('assets').select(['id', 'hash']).execute()) refs.set(r.hash, `asset #${r.id}`);
  for (const r of await prod.db.selectFrom('model_files').select(['model_version_id', 'name', 'hash']).execute()) refs.set(r.hash, `model version #${r.model_version_id} file ${r.name}`);
  for (const r of await prod.db.selectFrom('datasets').select(['name', 'manifest_hash']).execute()) refs.set(r.manifest_hash, `dataset ${r.name} manifest`);
  return refs;
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

function tempFiles(prod: Production): string[] {
  const out = prod.store.scan().temps;
  const tmp = join(prod.dir, 'tmp');
  if (existsSync(tmp)) for (const n of readdirSync(tmp)) out.push(join(tmp, n));
  for (const n of readdirSync(prod.dir)) if (n.endsWith('.tmp')) out.push(join(prod.dir, n));
  return out;
}

export async function verifyProduction(prod: Production, opts: { deep?: boolean } = {}): Promise<VerifyReport> {
  const problems: string[] = [];
  if (prod.dialect === 'sqlite') {
    const rows = (await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(prod.db)).rows;
    const msgs = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
    for (const m of msgs) problems.push(`database: ${m}`);
  }
  const refs = await referencedHashes(prod);
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
  for (const hash of report.orphanBlobs) {
    const p = prod.store.pathFor(hash);
    if (now - statSync(p).mtimeMs < minAge) { keptRecent++; continue; }
    // Re-check just before deleting: a writer may have recorded it meanwhile.
    const still = await referencedHashes(prod);
    if (still.has(hash)) continue;
    unlinkSync(p);
    removedBlobs.push(hash);
  }
  for (const t of report.tempFiles) {
    const pid = Number(/\.(\d+)\.[0-9a-f]+\.tmp$/.exec(t)?.[1] ?? /[\\/](\d+)-[0-9a-z]+$/.exec(t)?.[1] ?? NaN);
    const old = now - statSync(t).mtimeMs >= minAge;
    if ((Number.isFinite(pid) && !pidAlive(pid)) || old) {
      rmSync(t, { recursive: true, force: true });
      removedTemps.push(t);
    } else keptRecent++;
  }
  return { removedBlobs, removedTemps, keptRecent };
}
