// Asset records: lookup, references from the command line, filtered listing, metadata edits.
import { existsSync, statSync } from 'node:fs';
import type { Kysely, SelectQueryBuilder, Selectable } from 'kysely';
import { compareText } from './db.js';
import type { Production } from './production.js';
import { nowIso } from './time.js';
import { sha256File } from './content-store.js';
import { expandInputs } from './file-inputs.js';
import { parseKind, type AssetKind, type Database } from './schema.js';

export interface Rights { owner: string | null; licence: string | null; source: string | null; clearedForTraining: boolean }

export interface Asset {
  id: number;
  hash: string;
  kind: AssetKind;
  path: string;               // the blob in the content store
  originalName: string;
  sourcePath: string;
  format: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  bytes: number;
  phash: string | null;
  nearDuplicateOf: number | null;
  nearDuplicateDistance: number | null;
  tags: string[];
  characters: string[];
  location: string | null;
  /** The image's OCIO colour space as recorded at ingest (a shot's); null: the file's own, else the production's default. */
  colorSpace: string | null;
  rights: Rights;
  createdAt: string;
}

type AssetRow = Selectable<Database['assets']>;

function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Full records (with tags, characters, blob path) for ids, in the order given. */
export async function getAssets(prod: Production, ids: readonly number[], db: Kysely<Database> = prod.db): Promise<Asset[]> {
  const unique = [...new Set(ids)];
  const rows = new Map<number, AssetRow>();
  const tags = new Map<number, string[]>();
  const chars = new Map<number, string[]>();
  for (const part of chunks(unique)) {
    if (part.length === 0) continue;
    for (const r of await db.selectFrom('assets').selectAll().where('id', 'in', part).execute()) rows.set(r.id, r);
    for (const t of await db.selectFrom('asset_tags').selectAll().where('asset_id', 'in', part).execute().then((r) => r.sort((x, y) => compareText(x.tag, y.tag)))) {
      (tags.get(t.asset_id) ?? tags.set(t.asset_id, []).get(t.asset_id)!).push(t.tag);
    }
    for (const c of await db.selectFrom('asset_characters').selectAll().where('asset_id', 'in', part).execute().then((r) => r.sort((x, y) => compareText(x.character, y.character)))) {
      (chars.get(c.asset_id) ?? chars.set(c.asset_id, []).get(c.asset_id)!).push(c.character);
    }
  }
  return ids.filter((id) => rows.has(id)).map((id) => {
    const r = rows.get(id)!;
    return {
      id: r.id, hash: r.hash, kind: r.kind as AssetKind, path: prod.store.pathFor(r.hash),
      originalName: r.original_name, sourcePath: r.source_path, format: r.format,
      width: r.width, height: r.height, channels: r.channels, bitDepth: r.bit_depth, bytes: Number(r.bytes),
      phash: r.phash, nearDuplicateOf: r.near_duplicate_of, nearDuplicateDistance: r.near_duplicate_distance,
      tags: tags.get(id) ?? [], characters: chars.get(id) ?? [], location: r.location, colorSpace: r.color_space ?? null,
      rights: { owner: r.owner, licence: r.licence, source: r.source, clearedForTraining: r.cleared_for_training === 1 },
      createdAt: r.created_at,
    };
  });
}

export async function getAsset(prod: Production, id: number): Promise<Asset> {
  const [a] = await getAssets(prod, [id]);
  if (!a) throw new Error(`no asset #${id}`);
  return a;
}

export async function findAssetIdByHash(prod: Production, hash: string, db: Kysely<Database> = prod.db): Promise<number | null> {
  const r = await db.selectFrom('assets').select('id').where('hash', '=', hash).executeTakeFirst();
  return r?.id ?? null;
}

/**
 * An asset named on the command line: "#12" or "12" (id), a hash or hash prefix (6+ hex digits,
 * optionally "sha256:"), or the path of a file whose content is in the production.
 */
export async function resolveAssetRef(prod: Production, ref: string): Promise<number> {
  const idm = /^#?(\d+)$/.exec(ref);
  if (ref.startsWith('#') && idm) return checkId(prod, Number(idm[1]), ref);
  if (existsSync(ref) && statSync(ref).isFile()) {
    const hash = sha256File(ref);
    const id = await findAssetIdByHash(prod, hash);
    if (id === null) throw new Error(`${ref}: this file is not in the production (add it with \`atelier add\`)`);
    return id;
  }
  if (idm) return checkId(prod, Number(idm[1]), ref);
  const hm = /^(?:sha256:)?([0-9a-f]{6,64})$/i.exec(ref);
  if (hm) {
    const prefix = hm[1].toLowerCase();
    // Hashes are lower-case hex, so LIKE 'prefix%' means the same on both dialects (no wildcard
    // in the prefix; SQLite's case-insensitive LIKE and PostgreSQL's case-sensitive one agree).
    const rows = await prod.db.selectFrom('assets').select('id').where('hash', 'like', `${prefix}%`).orderBy('id').limit(2).execute();
    if (rows.length === 1) return rows[0].id;
    if (rows.length > 1) throw new Error(`hash prefix ${prefix} is ambiguous; give more digits`);
  }
  throw new Error(`no asset matches "${ref}" (give an id like #12, a content-hash prefix, or the path of an added file)`);
}

async function checkId(prod: Production, id: number, ref: string): Promise<number> {
  const r = await prod.db.selectFrom('assets').select('id').where('id', '=', id).executeTakeFirst();
  if (!r) throw new Error(`no asset ${ref.startsWith('#') ? ref : '#' + ref}`);
  return id;
}

/** Resolves refs where a folder or glob stands for every added file in it. */
export async function resolveAssetRefs(prod: Production, refs: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const ref of refs) {
    if (existsSync(ref) && statSync(ref).isDirectory() || /[*?[]/.test(ref) && !existsSync(ref)) {
      const { files } = expandInputs([ref]);
      for (const f of files) ids.push(await resolveAssetRef(prod, f));
    } else ids.push(await resolveAssetRef(prod, ref));
  }
  return [...new Set(ids)];
}

export interface AssetFilter {
  kinds?: AssetKind[];
  tags?: string[];          // all of them
  characters?: string[];    // all of them
  locations?: string[];     // any of them
  ids?: number[];
  cleared?: boolean;
  nearDuplicates?: boolean; // only assets flagged as near-duplicates
  limit?: number;
}

export function applyAssetFilter<O>(q: SelectQueryBuilder<Database, 'assets', O>, f: AssetFilter): SelectQueryBuilder<Database, 'assets', O> {
  if (f.kinds?.length) q = q.where('assets.kind', 'in', f.kinds);
  if (f.locations?.length) q = q.where('assets.location', 'in', f.locations);
  if (f.ids) q = f.ids.length ? q.where('assets.id', 'in', f.ids) : q.where('assets.id', '<', 0);
  if (f.cleared !== undefined) q = q.where('assets.cleared_for_training', '=', f.cleared ? 1 : 0);
  if (f.nearDuplicates) q = q.where('assets.near_duplicate_of', 'is not', null);
  for (const tag of f.tags ?? []) {
    q = q.where(({ exists, selectFrom }) => exists(selectFrom('asset_tags').select('asset_tags.asset_id')
      .whereRef('asset_tags.asset_id', '=', 'assets.id').where('asset_tags.tag', '=', tag)));
  }
  for (const ch of f.characters ?? []) {
    q = q.where(({ exists, selectFrom }) => exists(selectFrom('asset_characters').select('asset_characters.asset_id')
      .whereRef('asset_characters.asset_id', '=', 'assets.id').where('asset_characters.character', '=', ch)));
  }
  return q;
}

export async function findAssetIds(prod: Production, f: AssetFilter): Promise<number[]> {
  let q = applyAssetFilter(prod.db.selectFrom('assets').select('assets.id'), f).orderBy('assets.id');
  if (f.limit) q = q.limit(f.limit);
  return (await q.execute()).map((r) => r.id);
}

export async function listAssets(prod: Production, f: AssetFilter = {}): Promise<Asset[]> {
  return getAssets(prod, await findAssetIds(prod, f));
}

export interface AssetPatch {
  kind?: AssetKind;
  addTags?: string[];
  removeTags?: string[];
  addCharacters?: string[];
  removeCharacters?: string[];
  location?: string | null;
  owner?: string | null;
  licence?: string | null;
  source?: string | null;
  cleared?: boolean;
}

/** Applies one patch to several assets in one transaction. */
export async function updateAssets(prod: Production, ids: number[], patch: AssetPatch): Promise<Asset[]> {
  await prod.transaction(async (trx) => {
    for (const id of ids) {
      const set: Record<string, unknown> = { updated_at: nowIso() };
      if (patch.kind) set.kind = parseKind(patch.kind);
      if (patch.location !== undefined) set.location = patch.location;
      if (patch.owner !== undefined) set.owner = patch.owner;
      if (patch.licence !== undefined) set.licence = patch.licence;
      if (patch.source !== undefined) set.source = patch.source;
      if (patch.cleared !== undefined) set.cleared_for_training = patch.cleared ? 1 : 0;
      await trx.updateTable('assets').set(set).where('id', '=', id).execute();
      for (const tag of patch.addTags ?? []) {
        await trx.insertInto('asset_tags').values({ asset_id: id, tag }).onConflict((oc) => oc.doNothing()).execute();
      }
      if (patch.removeTags?.length) await trx.deleteFrom('asset_tags').where('asset_id', '=', id).where('tag', 'in', patch.removeTags).execute();
      for (const character of patch.addCharacters ?? []) {
        await trx.insertInto('asset_characters').values({ asset_id: id, character }).onConflict((oc) => oc.doNothing()).execute();
      }
      if (patch.removeCharacters?.length) await trx.deleteFrom('asset_characters').where('asset_id', '=', id).where('character', 'in', patch.removeCharacters).execute();
    }
  });
  return getAssets(prod, ids);
}
