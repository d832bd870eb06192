// Playlists: a review session of several shots in order, each at a chosen version (or the shot's
// newest when none is chosen), with its status (the version's latest verdict). Supervisors make and
// edit them; everyone reads them and plays them end to end in the web app.
import type { FastifyInstance } from 'fastify';
import { listShots } from '../../store/index.js';
import { badRequest, notFound } from '../errors.js';
import { defineRoutes, idParam, type ServerContext } from '../route.js';
import { listShotVersions } from '../versions.js';
import { audit } from '../audit.js';
import { nowIso } from '../../store/time.js';
import { SHOT_NAME } from './shots.js';

interface Item { shot: string; versionId: number | null }

const MAX_ITEMS = 200;
const itemsSchema = {
  type: 'array', maxItems: MAX_ITEMS,
  items: { type: 'object', additionalProperties: false, required: ['shot'], properties: { shot: SHOT_NAME, versionId: { type: ['integer', 'null'], minimum: 1, maximum: 2147483647 } } },
};
const nameSchema = { type: 'string', minLength: 1, maxLength: 200 };

/** Each item names a shot that exists and, when given, one of that shot's versions. */
async function checkItems(c: ServerContext, items: Item[]): Promise<Item[]> {
  if (!items.length) throw badRequest('a playlist needs at least one shot');
  const shots = new Set((await listShots(c.prod)).map((s) => s.name));
  const out: Item[] = [];
  for (const [i, it] of items.entries()) {
    if (!shots.has(it.shot)) throw badRequest(`playlist item ${i + 1}: no shot ${it.shot}`);
    const versionId = it.versionId ?? null;
    if (versionId !== null && !(await listShotVersions(c.prod, it.shot)).some((v) => v.id === versionId)) throw badRequest(`playlist item ${i + 1}: shot ${it.shot} has no version ${versionId}`);
    out.push({ shot: it.shot, versionId });
  }
  return out;
}

const cleanName = (name: string) => {
  const n = name.trim();
  if (!n) throw badRequest('a playlist needs a name');
  return n;
};

type Row = { id: number; name: string; items: string; created_by: string; created_at: string; updated_at: string };
const summary = (r: Row) => ({ id: r.id, name: r.name, shots: (JSON.parse(r.items) as Item[]).length, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at });

/** The playlist with every item resolved: its version (the chosen one, or the newest), frames and status. */
async function resolved(c: ServerContext, r: Row) {
  const items = [];
  for (const it of JSON.parse(r.items) as Item[]) {
    const shot = await c.prod.shot(it.shot).catch(() => null);
    if (!shot) { items.push({ shot: it.shot, versionId: it.versionId, pinned: it.versionId !== null, problem: `shot ${it.shot} no longer exists`, frames: [] }); continue; }
    const versions = await listShotVersions(c.prod, it.shot);
    const v = it.versionId !== null ? versions.find((x) => x.id === it.versionId) : versions.at(-1);
    const verdict = v ? await c.db.selectFrom('review_notes').select('verdict').where('shot', '=', it.shot).where('version_id', '=', v.id)
      .where('frame', 'is', null).where('verdict', 'is not', null).orderBy('id', 'desc').executeTakeFirst() : undefined;
    const rough = new Map(shot.frames.map((f) => [f.frame, f.rough?.id ?? null]));
    items.push({
      shot: it.shot, versionId: v?.id ?? null, versionNumber: v?.number ?? null, pinned: it.versionId !== null, quality: v?.quality ?? null,
      status: verdict?.verdict ?? null, fps: shot.fps, width: shot.width, height: shot.height, timecode: shot.timecode, rangeStart: shot.range[0],
      problem: v ? null : it.versionId !== null ? `version ${it.versionId} of ${it.shot} no longer exists` : `${it.shot} has no rendered version yet`,
      // Without a version, the rough frames play, so the shot keeps its place and length in the session.
      frames: v ? v.frames.map((f) => ({ frame: f.frame, renderId: f.renderId, rough: rough.get(f.frame) ?? null })) : shot.frames.map((f) => ({ frame: f.frame, renderId: null, rough: f.rough?.id ?? null })),
    });
  }
  return { ...summary(r), items };
}

async function getRow(c: ServerContext, id: number): Promise<Row> {
  const r = await c.db.selectFrom('review_playlists').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound(`no playlist #${id}`);
  return r;
}

export function playlistRoutes(app: FastifyInstance, ctx: ServerContext): void {
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/playlists', summary: 'Playlists (review sessions), newest first', tag: 'review', role: 'viewer',
      handler: async (_req, _r, c) => ({ playlists: (await c.db.selectFrom('review_playlists').selectAll().orderBy('id', 'desc').limit(500).execute()).map(summary) }),
    },
    {
      method: 'GET', url: '/api/playlists/:id', summary: 'A playlist with each shot\'s version (chosen, or the newest), frames and status (latest verdict)', tag: 'review', role: 'viewer', params: idParam,
      handler: async (req, _r, c) => resolved(c, await getRow(c, (req.params as { id: number }).id)),
    },
    {
      method: 'POST', url: '/api/playlists', summary: 'Make a playlist: a name and shots in playing order, each with a version id or null (the newest)', tag: 'review', role: 'supervisor',
      body: { type: 'object', additionalProperties: false, required: ['name', 'items'], properties: { name: nameSchema, items: itemsSchema } },
      handler: async (req, reply, c) => {
        const b = req.body as { name: string; items: Item[] };
        const name = cleanName(b.name);
        const items = await checkItems(c, b.items);
        const now = nowIso();
        const row = await c.db.insertInto('review_playlists').values({ name, items: JSON.stringify(items), created_by: req.principal!.name, created_at: now, updated_at: now })
          .returning('id').executeTakeFirstOrThrow();
        await audit(c.db, req, { action: 'playlist', target: `playlist ${row.id}`, detail: { name, shots: items.length } });
        void reply.status(201);
        return resolved(c, await getRow(c, row.id));
      },
    },
    {
      method: 'PATCH', url: '/api/playlists/:id', summary: 'Rename a playlist or replace its shots (order, versions)', tag: 'review', role: 'supervisor', params: idParam,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { name: nameSchema, items: itemsSchema } },
      handler: async (req, _r, c) => {
        const id = (req.params as { id: number }).id;
        await getRow(c, id);
        const b = req.body as { name?: string; items?: Item[] };
        const set: { name?: string; items?: string; updated_at: string } = { updated_at: nowIso() };
        if (b.name !== undefined) set.name = cleanName(b.name);
        if (b.items !== undefined) set.items = JSON.stringify(await checkItems(c, b.items));
        await c.db.updateTable('review_playlists').set(set).where('id', '=', id).execute();
        await audit(c.db, req, { action: 'playlist', target: `playlist ${id}`, detail: { name: set.name ?? null, shots: b.items?.length ?? null } });
        return resolved(c, await getRow(c, id));
      },
    },
    {
      method: 'DELETE', url: '/api/playlists/:id', summary: 'Delete a playlist (the shots, versions and notes stay)', tag: 'review', role: 'supervisor', params: idParam,
      handler: async (req, _r, c) => {
        const id = (req.params as { id: number }).id;
        await getRow(c, id);
        await c.db.deleteFrom('review_playlists').where('id', '=', id).execute();
        await audit(c.db, req, { action: 'playlist-delete', target: `playlist ${id}` });
        return { deleted: id };
      },
    },
  ]);
}
