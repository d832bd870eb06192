// Library: assets by kind, tag and character, with rights at a glance; files and previews by
// asset id; uploads through the workspace's ingest (the same validation as `atelier add`).
import { mkdirSync, rmSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { ASSET_KINDS, findAssetIds, getAsset, getAssets, ingestFiles, parseKind, summarize, updateAssets, type Asset, type IngestMeta } from '../../store/index.js';
import { badRequest, HttpError } from '../errors.js';
import { audit } from '../audit.js';
import { defineRoutes, idParam, type ServerContext } from '../route.js';
import { mimeOf, sendFile, sendViewable } from './files.js';
import { displayPng } from '../../data/display-image.js';
import { productionColour } from '../../store/colour-settings.js';

const list = (s: unknown): string[] => typeof s === 'string' ? s.split(',').map((x) => x.trim()).filter(Boolean) : [];

function view(a: Asset) {
  const { path: _p, sourcePath: _s, ...rest } = a; // server paths stay on the server
  return { ...rest, rightsStatus: a.rights.clearedForTraining ? 'cleared' : (a.rights.owner && a.rights.licence ? 'pending' : 'unknown') };
}

const listQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    kind: { type: 'string', maxLength: 200 }, tag: { type: 'string', maxLength: 200 }, character: { type: 'string', maxLength: 200 },
    cleared: { type: 'boolean' }, limit: { type: 'integer', minimum: 1, maximum: 1000 }, offset: { type: 'integer', minimum: 0 },
  },
};

export function libraryRoutes(app: FastifyInstance, ctx: ServerContext): void {
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/assets', summary: 'Assets, filtered by kind, tag and character (comma-separated: all must match), a page at a time: `total` says how many match', tag: 'library', role: 'viewer', querystring: listQuery,
      handler: async (req, _r, c) => {
        const q = req.query as Record<string, unknown>;
        let kinds;
        try { kinds = list(q.kind).map(parseKind); } catch (e) { throw badRequest((e as Error).message); }
        const ids = await findAssetIds(c.prod, { kinds, tags: list(q.tag), characters: list(q.character), cleared: q.cleared as boolean | undefined });
        const offset = (q.offset as number | undefined) ?? 0, limit = (q.limit as number | undefined) ?? 500;
        const assets = await getAssets(c.prod, ids.slice(offset, offset + limit));
        return { assets: assets.map(view), total: ids.length, offset };
      },
    },
    {
      method: 'GET', url: '/api/assets/facets', summary: 'Kinds, tags and characters with counts (for filters)', tag: 'library', role: 'viewer',
      handler: async (_req, _r, c) => {
        const kinds = await c.prod.db.selectFrom('assets').select(['kind']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('kind').execute();
        const tags = await c.prod.db.selectFrom('asset_tags').select(['tag']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('tag').orderBy('tag').execute();
        const chars = await c.prod.db.selectFrom('asset_characters').select(['character']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('character').orderBy('character').execute();
        const rights = await c.prod.db.selectFrom('assets').select(['cleared_for_training']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('cleared_for_training').execute();
        return {
          kinds: ASSET_KINDS.map((k) => ({ kind: k, count: Number(kinds.find((r) => r.kind === k)?.n ?? 0) })),
          tags: tags.map((t) => ({ tag: t.tag, count: Number(t.n) })),
          characters: chars.map((t) => ({ character: t.character, count: Number(t.n) })),
          cleared: Number(rights.find((r) => r.cleared_for_training === 1)?.n ?? 0),
          notCleared: Number(rights.find((r) => r.cleared_for_training === 0)?.n ?? 0),
        };
      },
    },
    {
      method: 'GET', url: '/api/assets/:id', summary: 'One asset with its rights', tag: 'library', role: 'viewer', params: idParam,
      handler: async (req, _r, c) => view(await getAsset(c.prod, (req.params as { id: number }).id)),
    },
    {
      method: 'GET', url: '/api/assets/:id/file', summary: 'The asset\'s bytes, from the content store', tag: 'library', role: 'viewer', params: idParam, produces: 'image/*',
      handler: async (req, reply, c) => {
        const a = await getAsset(c.prod, (req.params as { id: number }).id);
        return sendFile(reply, c.prod.store.pathFor(a.hash), mimeOf(a.format), true);
      },
    },
    {
      // The dailies player's rough frames: full size, what a browser shows (an EXR rough frame's raw
      // bytes, /file, are not). The EXR view follows the production's colour settings: not cached.
      method: 'GET', url: '/api/assets/:id/view', summary: 'The asset for the browser at full size: PNG, JPEG, WebP as stored; an EXR as a display-referred PNG through the production\'s OCIO view', tag: 'library', role: 'viewer', params: idParam, produces: 'image/*',
      handler: async (req, reply, c) => {
        const a = await getAsset(c.prod, (req.params as { id: number }).id);
        return sendViewable(reply, c.prod.store.pathFor(a.hash), a.format, () => productionColour(c.prod), a.format !== 'exr', a.colorSpace);
      },
    },
    {
      method: 'GET', url: '/api/assets/:id/preview', summary: 'A WebP preview of the asset (any stored format), at most `size` pixels wide', tag: 'library', role: 'viewer', params: idParam, produces: 'image/webp',
      querystring: { type: 'object', additionalProperties: false, properties: { size: { type: 'integer', minimum: 16, maximum: 2048 } } },
      handler: async (req, reply, c) => {
        const a = await getAsset(c.prod, (req.params as { id: number }).id);
        const size = (req.query as { size?: number }).size ?? 320;
        // EXR (scene-referred; no browser or libvips reads it): through the production's OCIO view first.
        const source = a.format === 'exr'
          ? await displayPng(c.prod.store.pathFor(a.hash), await productionColour(c.prod), { from: a.colorSpace })
            .catch((e: Error) => { throw new HttpError(415, 'unsupported_media', `asset #${a.id} (exr) has no browser preview: ${e.message}`); })
          : c.prod.store.pathFor(a.hash);
        const buf = await sharp(source, { limitInputPixels: 268e6 }).resize({ width: size, withoutEnlargement: true }).webp({ quality: 82 }).toBuffer()
          .catch(() => { throw new HttpError(415, 'unsupported_media', `asset #${a.id} (${a.format}) has no browser preview`); });
        return reply.type('image/webp').header('cache-control', 'private, max-age=31536000, immutable').send(buf);
      },
    },
    {
      method: 'PATCH', url: '/api/assets/:id/rights', summary: 'Change an asset\'s rights (owner, licence, source, cleared for training)', tag: 'library', role: 'supervisor', params: idParam,
      body: {
        type: 'object', additionalProperties: false, minProperties: 1,
        properties: { owner: { type: ['string', 'null'], maxLength: 200 }, licence: { type: ['string', 'null'], maxLength: 200 }, source: { type: ['string', 'null'], maxLength: 500 }, cleared: { type: 'boolean' } },
      },
      handler: async (req, _r, c) => {
        const id = (req.params as { id: number }).id;
        const before = await getAsset(c.prod, id);
        const [a] = await updateAssets(c.prod, [id], req.body as Record<string, never>);
        await audit(c.db, req, { action: 'rights', target: `asset ${id}`, detail: { before: before.rights, after: a!.rights } });
        return view(a!);
      },
    },
    {
      method: 'POST', url: '/api/assets', summary: 'Upload images (multipart: fields kind, tags, characters, location, owner, licence, source; then files). Each file goes through the workspace\'s validation.', tag: 'library', role: 'artist', multipart: true,
      body: { type: 'object', properties: { kind: { type: 'string', enum: [...ASSET_KINDS] }, tags: { type: 'string' }, characters: { type: 'string' }, owner: { type: 'string' }, licence: { type: 'string' }, source: { type: 'string' }, files: { type: 'array', items: { type: 'string', format: 'binary' } } } },
      handler: async (req, reply, c) => {
        if (!req.isMultipart()) throw badRequest('send the files as multipart/form-data');
        const fields: Record<string, string> = {};
        const tmp = c.prod.tempDir();
        const files: string[] = [];
        try {
          for await (const part of req.parts()) {
            if (part.type === 'field') {
              if (typeof part.value !== 'string') throw badRequest(`field ${part.fieldname} must be text`);
              fields[part.fieldname] = part.value;
            } else {
              // The client's file name is kept as a name only: no folders, no dots in front.
              const safe = (part.filename.split(/[\\/]/).pop() ?? '').replace(/[^\w.-]+/g, '_').replace(/^\.+/, '').slice(0, 120) || 'upload';
              const dir = join(tmp, String(files.length));
              mkdirSync(dir);
              const dest = join(dir, safe);
              await pipeline(part.file, createWriteStream(dest));
              if (part.file.truncated) throw new HttpError(413, 'payload_too_large', `${safe} is over the upload limit of ${c.limits.uploadBytes} bytes`);
              files.push(dest);
            }
          }
          if (files.length === 0) throw badRequest('no files in the upload');
          let kind;
          try { kind = parseKind(fields.kind ?? ''); } catch (e) { throw badRequest((e as Error).message); }
          const meta: IngestMeta = {
            kind, tags: list(fields.tags), characters: list(fields.characters), location: fields.location || null,
            owner: fields.owner || undefined, licence: fields.licence || undefined, source: fields.source || undefined,
          };
          const results = await ingestFiles(c.prod, files, meta);
          const out = results.map((r) => {
            const name = r.file.split(/[\\/]/).pop();
            return r.status === 'rejected' ? { file: name, status: r.status, reason: r.reason.replace(tmp, '') } : { file: name, status: r.status, asset: r.asset.id };
          });
          const s = summarize(results);
          await audit(c.db, req, { action: 'upload', target: `assets ${out.flatMap((r) => 'asset' in r ? [r.asset] : []).join(',') || '-'}`, detail: { kind, ...s } });
          void reply.status(s.added + s.duplicates > 0 ? 200 : 422);
          return { summary: s, results: out };
        } finally { rmSync(tmp, { recursive: true, force: true }); }
      },
    },
  ]);
}
