// Version folders of a shot's renders: renders/<shot>/v001, v002, … named from the shot version's
// number (store/shot-versions.ts), so the folder on disk and the dailies say the same name. A render
// claims its version by creating the folder (mkdir fails on a folder that exists, on a local disk and
// on NFS alike) and then recording the number (the database refuses a number the shot already has),
// so two renders started at once, on one machine or two, never write into the same version.
import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  insertShotVersion, highestVersionNumber, listShotVersionRecords, dropEmptyShotVersion, findShotVersion,
  type Production, type ShotVersionRecord,
} from '../store/index.js';

/** A version's folder name: v001, v002, … (v1000 past 999). */
export function versionFolderName(number: number): string {
  return `v${String(number).padStart(3, '0')}`;
}

/** The highest vNNN folder number on disk under renders/<shot> (0 when none). */
function highestFolderNumber(dir: string): number {
  const used = existsSync(dir) ? readdirSync(dir).map((n) => /^v(\d+)$/.exec(n)?.[1]).filter(Boolean).map(Number) : [];
  return used.length ? Math.max(...used) : 0;
}

export interface VersionClaim {
  modelVersion: number | null;
  quality?: string;
  /** A refine: the version it re-renders part of, and the dailies' request. */
  refineOf?: number | null;
  refineRequest?: number | null;
}

/**
 * Claims the shot's next version: its record and its folder renders/<shot>/vNNN, created. The number
 * is past every number recorded and every vNNN folder on disk (a folder a render with a model file
 * wrote, or an older atelier's). Versions given back before their first frame (their folder removed,
 * see releaseVersionDir) are forgotten first, so their number is used again.
 */
export async function claimShotVersion(prod: Production, shot: string, claim: VersionClaim): Promise<ShotVersionRecord> {
  const dir = join(prod.dir, 'renders', shot);
  mkdirSync(dir, { recursive: true });
  for (const v of await listShotVersionRecords(prod, shot)) if (!existsSync(v.folder)) await dropEmptyShotVersion(prod, v.id);
  let n = Math.max(await highestVersionNumber(prod, shot), highestFolderNumber(dir)) + 1;
  for (;; n++) {
    const folder = join(dir, versionFolderName(n));
    try {
      mkdirSync(folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    const v = await insertShotVersion(prod, { shot, folder, ...claim }, n).catch((err: unknown) => { rmdirSync(folder); throw err; });
    if (v) return v;
    rmdirSync(folder); // another claim recorded this number first
  }
}

/** Gives back a claimed folder a render failed to write anything into (a folder with files stays). */
export function releaseIfEmpty(dir: string): void {
  try { rmdirSync(dir); } catch { /* not empty, or gone: keep it as it is */ }
}

/**
 * The id of the version of `shot` made with `modelVersion` in folder `dir` (what the dailies list),
 * or null when it has no recorded frame yet.
 */
export async function renderVersionId(prod: Production, shot: string, dir: string, modelVersion: number | null): Promise<number | null> {
  const v = await findShotVersion(prod, shot, resolve(prod.dir, dir), modelVersion);
  if (!v) return null;
  const frame = await prod.db.selectFrom('renders').select('id').where('version_id', '=', v.id).executeTakeFirst();
  return frame ? v.id : null;
}
