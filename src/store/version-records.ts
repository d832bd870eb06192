// The upgrade to recorded shot versions (migration 0005): before it, the dailies found a shot's
// versions by grouping its frame records (params.shot, params.frame) by model version and folder,
// numbered in order of their first frame, a version's id being its first frame's render id. The
// backfill makes one shot_versions record per such group with that id and number (review notes and
// refine requests keep pointing at the same version), points the frames at it, and keeps the
// folders as they are on disk.
import { sql, type Kysely } from 'kysely';
import { dirname } from 'node:path';
import type { DialectName } from './db.js';

interface Params { shot?: unknown; frame?: unknown; quality?: unknown; refine?: unknown; from_version?: unknown }
interface Group { id: number; shot: string; folder: string; model: number; quality: string; refine: number | null; from: number | null; createdAt: string; renders: number[] }

/** Creates the version records of existing frame records; returns how many. */
export async function backfillShotVersions(db: Kysely<any>, dialect: DialectName): Promise<number> {
  const rows = await db.selectFrom('renders').select(['id', 'path', 'model_version_id', 'params', 'created_at']).orderBy('id').execute() as
    { id: number; path: string; model_version_id: number; params: string; created_at: string }[];
  const groups = new Map<string, Group>();
  for (const r of rows) {
    let p: Params;
    try { p = JSON.parse(r.params) as Params; } catch { continue; }
    if (typeof p.shot !== 'string' || !p.shot || typeof p.frame !== 'number') continue;
    const folder = dirname(r.path); // recorded form: relative to the production, or absolute outside it
    const key = JSON.stringify([p.shot, r.model_version_id, folder]);
    let g = groups.get(key);
    if (!g) {
      g = {
        id: r.id, shot: p.shot, folder, model: r.model_version_id, quality: p.quality === 'final' ? 'final' : 'preview', createdAt: r.created_at, renders: [],
        ...(typeof p.refine === 'number' && typeof p.from_version === 'number' ? { refine: p.refine, from: p.from_version } : { refine: null, from: null }),
      };
      groups.set(key, g);
    }
    g.renders.push(r.id);
  }
  const numbers = new Map<string, number>();
  const byId = new Map<number, Group>();
  for (const g of [...groups.values()].sort((a, b) => a.id - b.id)) {
    const number = (numbers.get(g.shot) ?? 0) + 1;
    numbers.set(g.shot, number);
    const source = g.from !== null ? byId.get(g.from) : undefined; // a refine of a version of its shot, recorded before it
    const of = source && source.shot === g.shot ? source : undefined;
    await db.insertInto('shot_versions').values({
      id: g.id, shot: g.shot, number, folder: g.folder, model_version_id: g.model, quality: of?.quality ?? g.quality,
      refine_of: of?.id ?? null, refine_request: of ? g.refine : null, created_at: g.createdAt,
    }).execute();
    byId.set(g.id, { ...g, quality: of?.quality ?? g.quality });
    for (let i = 0; i < g.renders.length; i += 500) {
      await db.updateTable('renders').set({ version_id: g.id }).where('id', 'in', g.renders.slice(i, i + 500)).execute();
    }
  }
  // Ids were given explicitly: new versions are numbered by the sequence from after the highest.
  if (dialect === 'postgres' && groups.size) {
    await sql`SELECT setval(pg_get_serial_sequence('shot_versions', 'id'), (SELECT max(id) FROM shot_versions))`.execute(db);
  }
  return groups.size;
}
