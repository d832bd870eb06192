// Shots: frames (rough, by asset id), rendered versions, per-frame temporal-coherence error, and
// rendered frames by render id.
import { NAME_PATTERN } from '../../store/names.js';
import type { FastifyInstance } from 'fastify';
import { getRenderedFrame, listShots } from '../../store/index.js';
import { notFound } from '../errors.js';
import { defineRoutes, idParam, type Schema, type ServerContext } from '../route.js';
import { getShotVersion, listShotVersions, readCoherence, versionStatuses } from '../versions.js';
import { realInside, sendViewable } from './files.js';
import { productionColour } from '../../store/colour-settings.js';

export const SHOT_NAME: Schema = { type: 'string', pattern: NAME_PATTERN };
export const shotParam: Schema = { type: 'object', required: ['name'], additionalProperties: false, properties: { name: SHOT_NAME } };
export const versionParams: Schema = { type: 'object', required: ['name', 'id'], additionalProperties: false, properties: { name: SHOT_NAME, id: { type: 'integer', minimum: 1, maximum: 2147483647 } } };

export function shotRoutes(app: FastifyInstance, ctx: ServerContext): void {
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/shots', summary: 'Shots with frame counts and their number of rendered versions', tag: 'shots', role: 'viewer',
      handler: async (_req, _r, c) => {
        const shots = await listShots(c.prod);
        const out = [];
        for (const s of shots) out.push({ ...s, versions: (await listShotVersions(c.prod, s.name)).length });
        return { shots: out };
      },
    },
    {
      method: 'GET', url: '/api/shots/:name', summary: 'A shot: every frame of its range (rough frame asset ids, keyframes) and its versions', tag: 'shots', role: 'viewer', params: shotParam,
      handler: async (req, _r, c) => {
        const shot = await c.prod.shot((req.params as { name: string }).name);
        const versions = await listShotVersions(c.prod, shot.name);
        const verdicts = await c.db.selectFrom('review_notes').select(['version_id', 'verdict', 'created_at']).where('shot', '=', shot.name).where('frame', 'is', null).where('verdict', 'is not', null).orderBy('id').execute();
        const latest = new Map(verdicts.map((v) => [v.version_id, v.verdict]));
        const statuses = await versionStatuses(c.db, versions);
        return {
          name: shot.name, range: shot.range, fps: shot.fps, timecode: shot.timecode, width: shot.width, height: shot.height, passNames: shot.passNames, keyframes: shot.keyframes, missing: shot.missing,
          frames: shot.frames.map((f) => ({ frame: f.frame, rough: f.rough?.id ?? null, keyframe: f.keyframe?.id ?? null })),
          versions: versions.map((v) => ({
            id: v.id, number: v.number, modelVersion: v.modelVersion, createdAt: v.createdAt, frames: v.frames.length, quality: v.quality, folder: v.folder, verdict: latest.get(v.id) ?? null,
            // "incomplete": its render stopped before its last frame (expectedFrames); "rendering": it runs.
            ...statuses.get(v.id)!,
            // A refine names its source by number too: people speak of "v1", not of render ids.
            refine: v.refine ? { ...v.refine, fromNumber: versions.find((x) => x.id === v.refine!.fromVersion)?.number ?? null } : null,
          })),
        };
      },
    },
    {
      method: 'GET', url: '/api/shots/:name/versions/:id', summary: 'A shot version: its frames (render ids) and per-frame temporal-coherence error (null when not measured)', tag: 'shots', role: 'viewer', params: versionParams,
      handler: async (req, _r, c) => {
        const { name, id } = req.params as { name: string; id: number };
        const v = await getShotVersion(c.prod, name, id);
        if (!v) throw notFound(`shot ${name} has no version ${id}`);
        const status = (await versionStatuses(c.db, [v])).get(v.id)!;
        return { id: v.id, number: v.number, shot: v.shot, modelVersion: v.modelVersion, createdAt: v.createdAt, quality: v.quality, folder: v.folder, ...status, refine: v.refine, frames: v.frames, coherence: readCoherence(c.prod, v) };
      },
    },
    {
      method: 'GET', url: '/api/renders/:id/file', summary: 'A rendered frame\'s bytes (by render id)', tag: 'shots', role: 'viewer', params: idParam, produces: 'image/png',
      handler: async (req, reply, c) => {
        const r = await getRenderedFrame(c.prod, (req.params as { id: number }).id);
        // Only files inside the production are served, whatever a record says or a symlink points at.
        const real = realInside(c.prod.dir, r.path);
        if (!real) throw notFound(`rendered frame #${r.id} is missing or lies outside the production`);
        // EXR frames, and PNG frames rendered in another colour space, are shown through the production's view (display-referred PNG).
        const space = (r.params as { colorSpace?: unknown } | null)?.colorSpace;
        return sendViewable(reply, real, r.path, () => productionColour(c.prod), false, typeof space === 'string' ? space : null);
      },
    },
  ]);
}
