// Shot versions: the frames one render pass (or one refine) wrote for a shot, as the store records
// them (shot_versions, store/shot-versions.ts): the version's number, folder, model, quality and
// source; each frame record points at its version. A version with no recorded frame yet (a render
// still before its first frame) is not listed; one whose render is running or stopped before its
// last frame is listed with that status (versionStatuses).
import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { getShotVersionRecord, listShotVersionRecords, type Production, type ShotVersionRecord } from '../store/index.js';
import { realInside } from './paths.js';
import type { Kysely } from 'kysely';
import type { ServerDatabase } from './db.js';

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

export type VersionStatus = 'complete' | 'rendering' | 'incomplete';

/**
 * Whether each version's render (or refine) finished, from the dailies' job that wrote it
 * (server_jobs, job-log.ts): "rendering" while that job is queued or running, "incomplete" when it
 * ended (failed, cancelled, or lost with a stopped server) before writing every frame it was to
 * write; else, and for versions no dailies job wrote (the CLI's, a farm's), "complete".
 */
export async function versionStatuses(db: Kysely<ServerDatabase>, versions: readonly { id: number; frames: readonly unknown[] }[]): Promise<Map<number, { status: VersionStatus; expectedFrames: number | null }>> {
  const out = new Map<number, { status: VersionStatus; expectedFrames: number | null }>();
  if (!versions.length) return out;
  const rows = await db.selectFrom('server_jobs').select(['version_id', 'status', 'version_frames']).where('version_id', 'in', versions.map((v) => v.id)).orderBy('created_at').execute();
  const last = new Map(rows.map((r) => [r.version_id!, r])); // the newest job of a version wins
  for (const v of versions) {
    const j = last.get(v.id);
    const expected = j?.version_frames ?? null;
    const status: VersionStatus = !j || j.status === 'done' ? 'complete' : j.status === 'queued' || j.status === 'running' ? 'rendering'
      : expected !== null && v.frames.length >= expected ? 'complete' : 'incomplete';
    out.set(v.id, { status, expectedFrames: expected });
  }
  return out;
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
