// Version folders of a shot's renders: renders/<shot>/v001, v002, ... A new render claims the next
// one by creating it (mkdir fails on a folder that exists, on a local disk and on NFS alike), so two
// renders started at once, on one machine or two, never write into the same version.
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Production } from '../store/index.js';

/** Creates and returns the next unused renders/<shot>/vNNN folder of the production. */
export function claimVersionDir(prodDir: string, shot: string): string {
  const dir = join(prodDir, 'renders', shot);
  mkdirSync(dir, { recursive: true });
  const used = readdirSync(dir).map((n) => /^v(\d+)$/.exec(n)?.[1]).filter(Boolean).map(Number);
  for (let n = (used.length ? Math.max(...used) : 0) + 1; ; n++) {
    const path = join(dir, `v${String(n).padStart(3, '0')}`);
    try {
      mkdirSync(path);
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** A dailies render's folder name part: the time to the second, e.g. 20261125T153000Z. */
export function versionStamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Creates `path`, or `path-2`, `path-3`, ... if it exists, and returns the one created. */
export function claimDir(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  for (let n = 1; ; n++) {
    const p = n === 1 ? path : `${path}-${n}`;
    try {
      mkdirSync(p);
      return p;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Gives back a claimed folder a render failed to write anything into (a folder with files stays). */
export function releaseIfEmpty(dir: string): void {
  try { rmdirSync(dir); } catch { /* not empty, or gone: keep it as it is */ }
}

/**
 * The id of a render version: its first recorded frame of `shot` in folder `dir` made with
 * `modelVersion` (what the dailies list as the version), or null before any frame is recorded.
 */
export async function renderVersionId(prod: Production, shot: string, dir: string, modelVersion: number | null): Promise<number | null> {
  let q = prod.db.selectFrom('renders').select(['id', 'path', 'params']).orderBy('id');
  q = modelVersion === null ? q.where('model_version_id', 'is', null) : q.where('model_version_id', '=', modelVersion);
  const want = resolve(prod.dir, dir);
  for (const r of await q.execute()) {
    if (resolve(prod.dir, dirname(r.path)) !== want) continue;
    try {
      const p = JSON.parse(r.params) as { shot?: unknown; frame?: unknown };
      if (p.shot === shot && typeof p.frame === 'number') return r.id;
    } catch { /* a row without JSON params is no frame of a version */ }
  }
  return null;
}
