// Shot versions: one render pass of a shot (or a refine of one), numbered 1, 2, … per shot, with its
// folder, model version and quality. Each rendered frame record points at its version
// (renders.version_id). A render claims its version before writing (render/version-dir.ts names
// the folder from the number); a frame recorded into a folder no version claimed (an --output
// folder, an older writer) gets a version of its own, as the dailies grouped frames before 0005.
import { dirname, resolve } from 'node:path';
import type { Kysely, Selectable } from 'kysely';
import type { Production } from './production.js';
import type { Database, ShotVersionsTable } from './schema.js';
import { nowIso } from './time.js';

export interface ShotVersionRecord {
  id: number;
  shot: string;
  /** 1, 2, … in order of claim within the shot; the folder of a claimed version is named from it. */
  number: number;
  /** The version's folder, absolute (recorded relative to the production when inside it). */
  folder: string;
  /** null: rendered with a model file (its frames are not recorded). */
  modelVersion: number | null;
  quality: string;
  /** The version a refine re-rendered part of, and the dailies' refine request. */
  refineOf: number | null;
  refineRequest: number | null;
  createdAt: string;
}

export interface NewShotVersion {
  shot: string;
  folder: string;
  modelVersion: number | null;
  quality?: string;
  refineOf?: number | null;
  refineRequest?: number | null;
}

const QUALITIES = ['preview', 'final'];

const recordOf = (r: Selectable<ShotVersionsTable>): ShotVersionRecord => ({
  id: r.id, shot: r.shot, number: r.number, folder: r.folder, modelVersion: r.model_version_id, quality: r.quality,
  refineOf: r.refine_of, refineRequest: r.refine_request, createdAt: r.created_at,
});

const codeOf = (err: unknown) => (err as { code?: unknown } | null)?.code;
/** A number or folder another writer recorded first. */
const isTaken = (err: unknown) => codeOf(err) === '23505' /* PostgreSQL unique_violation */ || codeOf(err) === 'SQLITE_CONSTRAINT_UNIQUE';
/** A write that met another writer's open transaction (SQLite) or a serialization failure: try again. */
const isBusy = (err: unknown) => { const c = codeOf(err); return c === '40001' || (typeof c === 'string' && c.startsWith('SQLITE_BUSY')); };
const pause = (attempt: number) => new Promise((res) => setTimeout(res, Math.random() * 5 * Math.min(attempt, 10)));

function checkNew(v: NewShotVersion): void {
  if (typeof v.shot !== 'string' || !v.shot) throw new Error('a shot version needs its shot\'s name');
  if (!v.folder) throw new Error(`a version of shot ${v.shot} needs its folder`);
  if (v.quality !== undefined && !QUALITIES.includes(v.quality)) throw new Error(`a shot version's quality is preview or final, got ${String(v.quality)}`);
}

async function insert(db: Kysely<Database>, v: NewShotVersion, number: number): Promise<ShotVersionRecord> {
  const row = await db.insertInto('shot_versions').values({
    shot: v.shot, number, folder: v.folder, model_version_id: v.modelVersion, quality: v.quality ?? 'preview',
    refine_of: v.refineOf ?? null, refine_request: v.refineRequest ?? null, created_at: nowIso(),
  }).returningAll().executeTakeFirstOrThrow();
  return recordOf(row);
}

/** The highest number the shot's versions hold (0 when none). */
export async function highestVersionNumber(prod: Production, shot: string): Promise<number> {
  const r = await prod.db.selectFrom('shot_versions').select((eb) => eb.fn.max('number').as('n')).where('shot', '=', shot).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/**
 * Records a version under exactly `number`; null when the shot already has that number or a version
 * of the same model in that folder (the caller tries the next one).
 */
export async function insertShotVersion(prod: Production, v: NewShotVersion, number: number): Promise<ShotVersionRecord | null> {
  checkNew(v);
  if (!Number.isSafeInteger(number) || number < 1) throw new Error(`a shot version's number is a positive integer, got ${number}`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await prod.transaction((trx) => insert(trx, v, number));
    } catch (err) {
      if (isTaken(err)) return null;
      if (!isBusy(err) || attempt >= 100) throw err;
      await pause(attempt);
    }
  }
}

/**
 * Records a version under the shot's next number. Claims made at once (other processes, other
 * machines on PostgreSQL) get distinct numbers: the (shot, number) key refuses a second one and the
 * loser reads the new highest number and tries again.
 */
export async function createShotVersion(prod: Production, v: NewShotVersion): Promise<ShotVersionRecord> {
  checkNew(v);
  for (let attempt = 1; ; attempt++) {
    try {
      return await prod.transaction(async (trx) => {
        let same = trx.selectFrom('shot_versions').select('number').where('shot', '=', v.shot).where('folder', '=', resolve(prod.dir, v.folder));
        same = v.modelVersion === null ? same.where('model_version_id', 'is', null) : same.where('model_version_id', '=', v.modelVersion);
        const taken = await same.executeTakeFirst();
        if (taken) throw new Error(`shot ${v.shot} already has a version (v${taken.number}) of ${v.modelVersion === null ? 'a model file' : `model #${v.modelVersion}`} in ${v.folder}`);
        const r = await trx.selectFrom('shot_versions').select((eb) => eb.fn.max('number').as('n')).where('shot', '=', v.shot).executeTakeFirst();
        return insert(trx, v, Number(r?.n ?? 0) + 1);
      });
    } catch (err) {
      if (!(isTaken(err) || isBusy(err)) || attempt >= 100) throw err;
      await pause(attempt);
    }
  }
}

export async function getShotVersionRecord(prod: Production, id: number): Promise<ShotVersionRecord | null> {
  const r = await prod.db.selectFrom('shot_versions').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? recordOf(r) : null;
}

/** The shot's versions by number (versions with no recorded frame included). */
export async function listShotVersionRecords(prod: Production, shot: string): Promise<ShotVersionRecord[]> {
  const rows = await prod.db.selectFrom('shot_versions').selectAll().where('shot', '=', shot).orderBy('number').execute();
  return rows.map((r) => recordOf(r));
}

/** The version of `shot` made by `modelVersion` (null: a model file) in `folder`, if any. */
export async function findShotVersion(prod: Production, shot: string, folder: string, modelVersion: number | null): Promise<ShotVersionRecord | null> {
  let q = prod.db.selectFrom('shot_versions').selectAll().where('shot', '=', shot).where('folder', '=', resolve(prod.dir, folder));
  q = modelVersion === null ? q.where('model_version_id', 'is', null) : q.where('model_version_id', '=', modelVersion);
  const r = await q.orderBy('id', 'desc').executeTakeFirst();
  return r ? recordOf(r) : null;
}

/** Removes a version that holds no recorded frame (a render given back before its first frame). */
export async function dropEmptyShotVersion(prod: Production, id: number): Promise<boolean> {
  const r = await prod.db.deleteFrom('shot_versions').where('id', '=', id)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('renders').select('id').where('renders.version_id', '=', id)))).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * The version a rendered frame belongs to: params name the shot and frame (what the renderers
 * record); the version claimed for the frame's folder and model, else a new one for them. Null for
 * a record that is no frame of a shot (a still, an upscaled image).
 */
export async function versionOfFrame(prod: Production, path: string, modelVersion: number, params: unknown): Promise<number | null> {
  const p = (params ?? {}) as { shot?: unknown; frame?: unknown; quality?: unknown; refine?: unknown; from_version?: unknown };
  if (typeof p.shot !== 'string' || !p.shot || typeof p.frame !== 'number') return null;
  const folder = dirname(resolve(prod.dir, path));
  const found = await findShotVersion(prod, p.shot, folder, modelVersion);
  if (found) return found.id;
  const refineOf = typeof p.refine === 'number' && typeof p.from_version === 'number' ? await getShotVersionRecord(prod, p.from_version) : null;
  try {
    return (await createShotVersion(prod, {
      shot: p.shot, folder, modelVersion, quality: refineOf?.quality ?? (p.quality === 'final' ? 'final' : 'preview'),
      refineOf: refineOf?.id ?? null, refineRequest: refineOf ? (p.refine as number) : null,
    })).id;
  } catch (err) {
    // Another writer recorded the first frame of this folder at the same moment: use its version.
    const now = await findShotVersion(prod, p.shot, folder, modelVersion);
    if (now) return now.id;
    throw err;
  }
}
