// Shot versions: the frames one render pass wrote for a shot. The renderer records each frame
// (renders table, params.shot / params.frame); a version is the frames of one shot written by one
// model version into one folder. Its id is the id of its first recorded frame, so it is stable.
import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Production } from '../store/index.js';
import { realInside } from './paths.js';

export interface ShotVersion {
  id: number;
  shot: string;
  number: number;                  // 1, 2, … in order of creation within the shot
  modelVersion: number;
  dir: string;                     // relative to the production folder
  /** The folder's own name on disk (v1-final, v1-refine3-…): numbers in the app count versions, folder names do not. */
  folder: string;
  /** preview or final (strokes); a refine takes its source version's. */
  quality: string;
  createdAt: string;
  frames: { frame: number; renderId: number }[];
  /** Set when the version came from a refine request (a masked local re-render). */
  refine: { requestId: number; fromVersion: number } | null;
}

interface Params { shot?: unknown; frame?: unknown; refine?: unknown; from_version?: unknown; quality?: unknown }

export async function listShotVersions(prod: Production, shot: string): Promise<ShotVersion[]> {
  // The shot name is in the JSON params; LIKE narrows, the parse decides. LIKE's own characters in
  // the name (% _ \) become the one-character wildcard, so sq010_sh020 still matches itself.
  const rows = await prod.db.selectFrom('renders').select(['id', 'path', 'model_version_id', 'params', 'created_at'])
    .where('params', 'like', `%${shot.replace(/[%_\\]/g, '_')}%`).orderBy('id').execute();
  const groups = new Map<string, ShotVersion>();
  for (const r of rows) {
    let p: Params;
    try { p = JSON.parse(r.params) as Params; } catch { continue; }
    if (p.shot !== shot || typeof p.frame !== 'number') continue;
    const dir = dirname(r.path);
    const key = `${r.model_version_id}\u0000${dir}`;
    let v = groups.get(key);
    if (!v) {
      v = {
        id: r.id, shot, number: 0, modelVersion: r.model_version_id, dir: relative(prod.dir, dir) || '.', folder: basename(dir), quality: typeof p.quality === 'string' ? p.quality : 'preview', createdAt: r.created_at, frames: [],
        refine: typeof p.refine === 'number' && typeof p.from_version === 'number' ? { requestId: p.refine, fromVersion: p.from_version } : null,
      };
      groups.set(key, v);
    }
    const at = v.frames.findIndex((f) => f.frame === p.frame);
    if (at >= 0) v.frames[at] = { frame: p.frame, renderId: r.id }; // re-rendered frame: the newest wins
    else v.frames.push({ frame: p.frame, renderId: r.id });
  }
  const out = [...groups.values()].sort((a, b) => a.id - b.id);
  out.forEach((v, i) => { v.number = i + 1; v.frames.sort((a, b) => a.frame - b.frame); });
  for (const v of out) if (v.refine) v.quality = out.find((x) => x.id === v.refine!.fromVersion)?.quality ?? v.quality;
  return out;
}

export async function getShotVersion(prod: Production, shot: string, id: number): Promise<ShotVersion | null> {
  return (await listShotVersions(prod, shot)).find((v) => v.id === id) ?? null;
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
