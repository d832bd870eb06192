// Review: approve / needs-work verdicts and notes per version and per frame; refine requests (a
// mask painted on a frame asking for a local re-render), which run as jobs and arrive as versions.
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { getRenderedFrame } from '../../store/index.js';
import { badRequest, conflict, forbidden, HttpError, notFound } from '../errors.js';
import { defineRoutes, idParam, type Req, type ServerContext } from '../route.js';
import { getShotVersion } from '../versions.js';
import { roleAtLeast, withArticle } from '../auth.js';
import { audit } from '../audit.js';
import { readMask } from '../masks.js';
import { validateDrawing, type Drawing } from '../annotations.js';
import { realInside } from '../paths.js';
import { nowIso } from '../../store/time.js';
import { versionParams } from './shots.js';
import { sendFile } from './files.js';

export function noteView(n: { id: number; shot: string; version_id: number; frame: number | null; verdict: string | null; note: string; author: string; role: string; created_at: string; drawing: string | null }) {
  return { id: n.id, shot: n.shot, versionId: n.version_id, frame: n.frame, verdict: n.verdict, note: n.note, author: n.author, role: n.role, createdAt: n.created_at, drawing: n.drawing ? JSON.parse(n.drawing) as Drawing : null };
}

// A note with its drawing: the drawing's own limit (annotations.ts) is far below this.
const NOTE_BODY_BYTES = 256 * 1024;

export function refineView(r: { id: number; shot: string; version_id: number; frame: number; frame_start: number; frame_end: number; params: string; status: string; job_id: string | null; result_version_id: number | null; error: string | null; author: string; created_at: string }) {
  return { id: r.id, shot: r.shot, versionId: r.version_id, frame: r.frame, range: [r.frame_start, r.frame_end], params: JSON.parse(r.params) as unknown, status: r.status, jobId: r.job_id, resultVersionId: r.result_version_id, error: r.error, author: r.author, createdAt: r.created_at };
}

// A 4K frame's mask as a base64 PNG fits easily (a mask is mostly flat).
const MASK_BODY_BYTES = 4 * 1048576;

/** The pixel size of a rendered frame, from its header. */
async function frameSize(c: ServerContext, renderId: number): Promise<{ width: number; height: number }> {
  const r = await getRenderedFrame(c.prod, renderId);
  const real = realInside(c.prod.dir, r.path);
  const meta = real ? await sharp(real).metadata().catch(() => null) : null;
  if (!meta?.width || !meta.height) throw notFound(`the file of rendered frame #${renderId} is missing, so no mask can be checked against it`);
  return { width: meta.width, height: meta.height };
}

/** Per user: stored mask bytes and unfinished requests. */
async function checkQuota(c: ServerContext, author: string, adding: number): Promise<void> {
  const row = await c.db.selectFrom('refine_requests').where('author', '=', author)
    .select((eb) => [eb.fn.sum<number>('mask_bytes').as('bytes')]).executeTakeFirst();
  const used = Number(row?.bytes ?? 0);
  if (used + adding > c.limits.maskQuotaBytes) {
    throw new HttpError(429, 'quota_exceeded', `${author}'s refine masks would take ${mb(used + adding)} of a quota of ${mb(c.limits.maskQuotaBytes)}; ask a supervisor to clear old requests`);
  }
  const open = await c.db.selectFrom('refine_requests').where('author', '=', author).where('status', 'in', ['held', 'pending', 'running'])
    .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  if (Number(open?.n ?? 0) >= c.limits.openRefinesPerUser) {
    throw new HttpError(429, 'quota_exceeded', `${author} has ${Number(open?.n)} refine requests not yet finished (at most ${c.limits.openRefinesPerUser}); wait for some to finish`);
  }
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

async function startRefine(c: ServerContext, req: Req, requestId: number): Promise<void> {
  const r = await c.db.selectFrom('refine_requests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
  const v = await getShotVersion(c.prod, r.shot, r.version_id);
  const job = await c.queue.submit({ kind: 'refine', title: `refine ${r.shot} v${v?.number ?? '?'} frames ${r.frame_start}-${r.frame_end}`, input: { productionDir: c.prod.dir, requestId }, createdBy: `${req.principal!.name}#${req.principal!.tokenId}` });
  await c.db.updateTable('refine_requests').set({ job_id: job.id }).where('id', '=', requestId).execute();
}

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
      method: 'POST', url: '/api/shots/:name/versions/:id/reviews', summary: 'Add a note (artist) or a verdict: approved / needs_work (supervisor), for the version or one frame; a frame note may carry a drawing (pen, rect, ellipse, arrow, text shapes in 0..1 frame coordinates)', tag: 'review', role: 'artist', params: versionParams,
      bodyLimit: NOTE_BODY_BYTES,
      body: {
        type: 'object', additionalProperties: false, required: ['note'],
        properties: {
          note: { type: 'string', maxLength: 4000 }, verdict: { type: ['string', 'null'], enum: ['approved', 'needs_work', null] }, frame: { type: ['integer', 'null'] },
          drawing: { type: ['object', 'null'], description: '{ shapes: [{ kind: pen, color: #rrggbb, width, points: [[x, y], …] } | { kind: rect|ellipse|arrow, color, width, from, to } | { kind: text, color, size, at, text }] }; widths and sizes in pixels of a 1000-pixel-high frame; at most 64 KB' },
        },
      },
      handler: async (req, reply, c) => {
        const { name, id } = req.params as { name: string; id: number };
        const b = req.body as { note: string; verdict?: string | null; frame?: number | null; drawing?: unknown };
        const p = req.principal!;
        if (b.verdict && !roleAtLeast(p.role, 'supervisor')) throw forbidden(`a verdict (${b.verdict}) needs the supervisor role; token "${p.name}" is ${withArticle(p.role)}`);
        const drawing = b.drawing === undefined || b.drawing === null ? null : validateDrawing(b.drawing);
        if (drawing && (b.frame === undefined || b.frame === null)) throw badRequest('a drawing belongs to a frame: give the frame it was drawn on');
        if (!b.verdict && !b.note.trim() && !drawing) throw badRequest('a note needs text (or give a verdict or a drawing)');
        const v = await getShotVersion(c.prod, name, id);
        if (!v) throw notFound(`shot ${name} has no version ${id}`);
        if (b.frame !== undefined && b.frame !== null && !v.frames.some((f) => f.frame === b.frame)) throw badRequest(`version ${id} of ${name} has no frame ${b.frame}`);
        const row = await c.db.insertInto('review_notes').values({
          shot: name, version_id: id, frame: b.frame ?? null, verdict: b.verdict ?? null, note: b.note.trim(), author: p.name, role: p.role, created_at: nowIso(),
          drawing: drawing ? JSON.stringify(drawing) : null,
        }).returning('id').executeTakeFirstOrThrow();
        const n = await c.db.selectFrom('review_notes').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
        await audit(c.db, req, { action: b.verdict ? 'verdict' : 'note', target: `shot ${name} version ${id}`, detail: { note: n.id, verdict: b.verdict ?? null, frame: n.frame, drawing: drawing ? drawing.shapes.length : 0 } });
        void reply.status(201);
        return noteView(n);
      },
    },
    {
      method: 'POST', url: '/api/shots/:name/versions/:id/refine', summary: 'Ask for a local re-render: a mask (PNG of the frame\'s size, white = re-render) painted on a frame, the frame range it applies to, feather; runs as a job, or is held (run=false) until started', tag: 'review', role: 'artist', params: versionParams,
      bodyLimit: MASK_BODY_BYTES,
      body: {
        type: 'object', additionalProperties: false, required: ['frame', 'maskPng'],
        properties: {
          frame: { type: 'integer' }, frameStart: { type: 'integer' }, frameEnd: { type: 'integer' },
          maskPng: { type: 'string', description: 'base64 PNG (optionally a data: URL), the size of the rendered frame' },
          feather: { type: 'number', minimum: 0, maximum: 64 }, note: { type: 'string', maxLength: 2000 }, run: { type: 'boolean', description: 'false: store the request as "held"; POST /api/refine-requests/:id/start runs it' },
        },
      },
      handler: async (req, reply, c) => {
        const { name, id } = req.params as { name: string; id: number };
        const b = req.body as { frame: number; frameStart?: number; frameEnd?: number; maskPng: string; feather?: number; note?: string; run?: boolean };
        const p = req.principal!;
        const v = await getShotVersion(c.prod, name, id);
        if (!v) throw notFound(`shot ${name} has no version ${id}`);
        const start = b.frameStart ?? b.frame, end = b.frameEnd ?? b.frame;
        const frame = v.frames.find((f) => f.frame === b.frame);
        if (!frame) throw badRequest(`version ${id} of ${name} has no frame ${b.frame}`);
        const frames = new Set(v.frames.map((f) => f.frame));
        if (start > end || !frames.has(start) || !frames.has(end) || b.frame < start || b.frame > end) throw badRequest(`frame range ${start}-${end} must lie within the version and hold frame ${b.frame}`);
        // The quota first: a user over it costs the server no decoding.
        const bytes = Buffer.from(b.maskPng.replace(/^data:image\/png;base64,/, ''), 'base64');
        await checkQuota(c, p.name, bytes.length);
        const size = await frameSize(c, frame.renderId);
        const mask = await readMask(bytes, size);
        if (mask.coverage === 0) throw badRequest('the mask is empty: paint the area to re-render');
        await checkQuota(c, p.name, mask.png.length);
        const { hash } = c.prod.store.putBytes(mask.png);
        const now = nowIso();
        const row = await c.db.insertInto('refine_requests').values({
          shot: name, version_id: id, frame: b.frame, frame_start: start, frame_end: end, mask_hash: hash, mask_bytes: mask.png.length,
          params: JSON.stringify({ feather: b.feather ?? 4, note: b.note ?? '', coverage: +mask.coverage.toFixed(4) }),
          status: b.run === false ? 'held' : 'pending', job_id: null, result_version_id: null, error: null, author: p.name, created_at: now, updated_at: now,
        }).returning('id').executeTakeFirstOrThrow();
        await audit(c.db, req, { action: 'refine', target: `shot ${name} version ${id}`, detail: { request: row.id, frames: [start, end], run: b.run !== false } });
        if (b.run !== false) await startRefine(c, req, row.id);
        void reply.status(201);
        return refineView(await c.db.selectFrom('refine_requests').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow());
      },
    },
    {
      method: 'POST', url: '/api/refine-requests/:id/start', summary: 'Run a held refine request (its author, or a supervisor)', tag: 'review', role: 'artist', params: idParam,
      handler: async (req, _r, c) => {
        const rid = (req.params as { id: number }).id;
        const r = await c.db.selectFrom('refine_requests').selectAll().where('id', '=', rid).executeTakeFirst();
        if (!r) throw notFound(`no refine request #${rid}`);
        const p = req.principal!;
        if (r.author !== p.name && !roleAtLeast(p.role, 'supervisor')) throw forbidden(`refine request #${rid} is ${r.author}'s; only its author or a supervisor may start it`);
        if (r.status !== 'held') throw conflict(`refine request #${rid} is ${r.status}, not held`);
        // A request held again after its job was lost (job-log.ts) starts afresh: the old error goes.
        await c.db.updateTable('refine_requests').set({ status: 'pending', error: null, updated_at: nowIso() }).where('id', '=', rid).execute();
        await audit(c.db, req, { action: 'refine-start', target: `refine request ${rid}` });
        await startRefine(c, req, rid);
        return refineView(await c.db.selectFrom('refine_requests').selectAll().where('id', '=', rid).executeTakeFirstOrThrow());
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
