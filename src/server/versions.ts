// Shot versions: the frames one render pass (or one refine) wrote for a shot, as the store records
// them (shot_versions, store/shot-versions.ts): the version's number, folder, model, quality and
// source; each frame record points at its version. A version with no recorded frame yet (a render
// still before its first frame) is not listed.
import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { getShotVersionRecord, listShotVersionRecords, type Production, type ShotVersionRecord } from '../store/index.js';
import { realInside } from './paths.js';

export interface ShotVersion {
  id: number;
  shot: string;
  number: number;                  // 1, 2, … within the shot; a new version's folder is named from it (v003)
  modelVersion: number;
  dir: string;                     // relative to the production folder
  /** The folder's own name on disk: vNNN of its number (versions from before 0005 keep their folders). */
  folder: string;
  /** preview or final (strokes); a refine takes its source version's. */
  quality: string;
  createdAt: string;
  frames: { frame: number; renderId: number }[];
  /** Set when the version came from a refine request (a masked local re-render). */
  refine: { requestId: number; fromVersion: number } | null;
}

/** The frames recorded for each of the given versions (a re-rendered frame: the newest record wins). */
async function framesOf(prod: Production, ids: number[]): Promise<Map<number, Map<number, number>>> {
  const out = new Map<number, Map<number, number>>(ids.map((id) => [id, new Map()]));
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await prod.db.selectFrom('renders').select(['id', 'version_id', 'params']).where('version_id', 'in', ids.slice(i, i + 500)).orderBy('id').execute();
    for (const r of rows) {
      let frame: unknown;
      try { frame = (JSON.parse(r.params) as { frame?: unknown }).frame; } catch { continue; }
      if (typeof frame === 'number') out.get(r.version_id!)!.set(frame, r.id);
    }
  }
  return out;
}

function shotVersion(prod: Production, v: ShotVersionRecord, frames: Map<number, number>): ShotVersion {
  return {
    id: v.id, shot: v.shot, number: v.number, modelVersion: v.modelVersion!, dir: relative(prod.dir, v.folder) || '.', folder: basename(v.folder),
    quality: v.quality, createdAt: v.createdAt, frames: [...frames].map(([frame, renderId]) => ({ frame, renderId })).sort((a, b) => a.frame - b.frame),
    refine: v.refineOf !== null ? { requestId: v.refineRequest ?? 0, fromVersion: v.refineOf } : null,
  };
}

export async function listShotVersions(prod: Production, shot: string): Promise<ShotVersion[]> {
  const records = (await listShotVersionRecords(prod, shot)).filter((v) => v.modelVersion !== null);
  const frames = await framesOf(prod, records.map((v) => v.id));
  return records.filter((v) => frames.get(v.id)!.size > 0).map((v) => shotVersion(prod, v, frames.get(v.id)!));
}

export async function getShotVersion(prod: Production, shot: string, id: number): Promise<ShotVersion | null> {
  const v = await getShotVersionRecord(prod, id);
  if (!v || v.shot !== shot || v.modelVersion === null) return null;
  const frames = (await framesOf(prod, [v.id])).get(v.id)!;
  return frames.size ? shotVersion(prod, v, frames) : null;
}

/** Per-frame temporal-coherence (warping) error written next to the frames, if any: { "12": 0.013, … }. */
export function readCoherence(prod: Production, v: ShotVersion): Record<string, number> | null {
  const file = realInside(prod.dir, join(v.dir, 'coherence.json'));
  if (!file) return null;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const out: Record<string, number> = {};
    for (const [k, val] of Object.entries(raw)) if (/^-?\d+$/.test(k) && typeof val === 'number' && Number.isFinite(val)) out[k] = val;
    return out;
  } catch { return null; }
}
