// Review: approve / needs-work verdicts and notes per version and per frame; refine requests (a
// mask painted on a frame asking for a local re-render), which run as jobs and arrive as versions.
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { badRequest, forbidden, notFound } from '../errors.js';
import { defineRoutes, idParam, type ServerContext } from '../route.js';
import { getShotVersion } from '../versions.js';
import { roleAtLeast } from '../auth.js';
import { nowIso } from '../../store/time.js';
import { versionParams } from './shots.js';
import { sendFile } from './files.js';

function noteView(n: { id: number; shot: string; version_id: number; frame: number | null; verdict: string | null; note: string; author: string; role: string; created_at: string }) {
  return { id: n.id, shot: n.shot, versionId: n.version_id, frame: n.frame, verdict: n.verdict, note: n.note, author: n.author, role: n.role, createdAt: n.created_at };
}

export function refineView(r: { id: number; shot: string; version_id: number; frame: number; frame_start: number; frame_end: number; params: string; status: string; job_id: string | null; result_version_id: number | null; error: string | null; author: string; created_at: string }) {
  return { id: r.id, shot: r.shot, versionId: r.version_id, frame: r.frame, range: [r.frame_start, r.frame_end], params: JSON.parse(r.params) as unknown, status: r.status, jobId: r.job_id, resultVersionId: r.result_version_id, error: r.error, author: r.author, createdAt: r.created_at };
}

const MAX_MASK_SIDE = 8192;

export function reviewRoutes(app: FastifyInstance, ctx: ServerContext): void {
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/shots/:name/versions/:id/reviews', summary: 'Notes, verdicts and refine requests of a version', tag: 'review', role: 'viewer', params: versionParams,
      handler: async (req, _r, c) => {
        const { name, id } = req.params as { name: string; id: number };
        const notes = await c.db.selectFrom('review_notes').selectAll().where('shot', '=', name).where('version_id', '=', id).orderBy('id').execute();
        const refines = await c.db.selectFrom('refine_requests').selectAll().where('shot', '=', name).where('version_id', '=', id).orderBy('id').execute();
        return { notes: notes.map(noteView), refines: refines.map(refineView) };
      },
    },
    {
      method: 'POST', url: '/api/shots/:name/versions/:id/reviews', summary: 'Add a note (artist) or a verdict: approved / needs_work (supervisor), for the version or one frame', tag: 'review', role: 'artist', params: versionParams,
      body: {
        type: 'object', additionalProperties: false, required: ['note'],
        properties: { note: { type: 'string', maxLength: 4000 }, verdict: { type: ['string', 'null'], enum: ['approved', 'needs_work', null] }, frame: { type: ['integer', 'null'] } },
      },
      handler: async (req, reply, c) => {
        const { name, id } = req.params as { name: string; id: number };
        const b = req.body as { note: string; verdict?: string | null; frame?: number | null };
        const p = req.principal!;
        if (b.verdict && !roleAtLeast(p.role, 'supervisor')) throw forbidden(`a verdict (${b.verdict}) needs the supervisor role; token "${p.name}" is a ${p.role}`);
        if (!b.verdict && !b.note.trim()) throw badRequest('a note needs text (or give a verdict)');
        const v = await getShotVersion(c.prod, name, id);
        if (!v) throw notFound(`shot ${name} has no version ${id}`);
        if (b.frame !== undefined && b.frame !== null && !v.frames.some((f) => f.frame === b.frame)) throw badRequest(`version ${id} of ${name} has no frame ${b.frame}`);
        const row = await c.db.insertInto('review_notes').values({
          shot: name, version_id: id, frame: b.frame ?? null, verdict: b.verdict ?? null, note: b.note.trim(), author: p.name, role: p.role, created_at: nowIso(),
        }).returning('id').executeTakeFirstOrThrow();
        const n = await c.db.selectFrom('review_notes').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
        void reply.status(201);
        return noteView(n);
      },
    },
    {
      method: 'POST', url: '/api/shots/:name/versions/:id/refine', summary: 'Ask for a local re-render: a mask (PNG, white = re-render) painted on a frame, the frame range it applies to, feather; runs as a job unless run=false', tag: 'review', role: 'artist', params: versionParams,
      body: {
        type: 'object', additionalProperties: false, required: ['frame', 'maskPng'],
        properties: {
          frame: { type: 'integer' }, frameStart: { type: 'integer' }, frameEnd: { type: 'integer' },
          maskPng: { type: 'string', description: 'base64 PNG (optionally a data: URL)' },
          feather: { type: 'number', minimum: 0, maximum: 64 }, note: { type: 'string', maxLength: 2000 }, run: { type: 'boolean' },
        },
      },
      handler: async (req, reply, c) => {
        const { name, id } = req.params as { name: string; id: number };
        const b = req.body as { frame: number; frameStart?: number; frameEnd?: number; maskPng: string; feather?: number; note?: string; run?: boolean };
        const v = await getShotVersion(c.prod, name, id);
        if (!v) throw notFound(`shot ${name} has no version ${id}`);
        const start = b.frameStart ?? b.frame, end = b.frameEnd ?? b.frame;
        const frames = new Set(v.frames.map((f) => f.frame));
        if (!frames.has(b.frame)) throw badRequest(`version ${id} of ${name} has no frame ${b.frame}`);
        if (start > end || !frames.has(start) || !frames.has(end) || b.frame < start || b.frame > end) throw badRequest(`frame range ${start}-${end} must lie within the version and hold frame ${b.frame}`);
        const bytes = Buffer.from(b.maskPng.replace(/^data:image\/png;base64,/, ''), 'base64');
        if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) throw badRequest('maskPng is not a PNG');
        let grey: { data: Buffer; info: sharp.OutputInfo };
        try {
          const meta = await sharp(bytes).metadata();
          if (!meta.width || !meta.height || meta.width > MAX_MASK_SIDE || meta.height > MAX_MASK_SIDE) throw new Error('bad size');
          grey = await sharp(bytes, { limitInputPixels: MAX_MASK_SIDE * MAX_MASK_SIDE }).flatten({ background: '#000' }).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
        } catch { throw badRequest(`maskPng is not a readable PNG of at most ${MAX_MASK_SIDE}×${MAX_MASK_SIDE} pixels`); }
        let painted = 0;
        for (const px of grey.data) if (px > 127) painted++;
        if (painted === 0) throw badRequest('the mask is empty: paint the area to re-render');
        const png = await sharp(grey.data, { raw: { width: grey.info.width, height: grey.info.height, channels: 1 } }).png().toBuffer();
        const { hash } = c.prod.store.putBytes(png);
        const now = nowIso();
        const row = await c.db.insertInto('refine_requests').values({
          shot: name, version_id: id, frame: b.frame, frame_start: start, frame_end: end, mask_hash: hash,
          params: JSON.stringify({ feather: b.feather ?? 4, note: b.note ?? '', coverage: +(painted / grey.data.length).toFixed(4) }),
          status: 'pending', job_id: null, result_version_id: null, error: null, author: req.principal!.name, created_at: now, updated_at: now,
        }).returning('id').executeTakeFirstOrThrow();
        if (b.run !== false) {
          const job = await c.queue.submit({ kind: 'refine', title: `refine ${name} v${v.number} frames ${start}-${end}`, input: { productionDir: c.prod.dir, requestId: row.id }, createdBy: `${req.principal!.name}#${req.principal!.tokenId}` });
          await c.db.updateTable('refine_requests').set({ job_id: job.id }).where('id', '=', row.id).execute();
        }
        void reply.status(201);
        return refineView(await c.db.selectFrom('refine_requests').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow());
      },
    },
    {
      method: 'GET', url: '/api/refine-requests', summary: 'Every refine request, newest first', tag: 'review', role: 'viewer',
      handler: async (_req, _r, c) => ({ refines: (await c.db.selectFrom('refine_requests').selectAll().orderBy('id', 'desc').limit(500).execute()).map(refineView) }),
    },
    {
      method: 'GET', url: '/api/refine-requests/:id/mask', summary: 'The mask of a refine request (PNG, from the content store)', tag: 'review', role: 'viewer', params: idParam, produces: 'image/png',
      handler: async (req, reply, c) => {
        const r = await c.db.selectFrom('refine_requests').select(['mask_hash']).where('id', '=', (req.params as { id: number }).id).executeTakeFirst();
        if (!r) throw notFound(`no refine request #${(req.params as { id: number }).id}`);
        return sendFile(reply, c.prod.store.pathFor(r.mask_hash), 'image/png', true);
      },
    },
  ]);
}
