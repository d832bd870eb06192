// Dataset snapshots: an immutable manifest (asset hashes, paintover pairs, and the selection that
// produced them), stored as a JSON blob in the content store and indexed in the database. Training
// reads a snapshot, never a live query. Any selected asset not cleared for training refuses the
// whole snapshot, naming those assets.
import { checkName } from './names.js';
import { readFileSync } from 'node:fs';
import type { Production } from './production.js';
import { nowIso } from './time.js';
import { sha256 } from './content-store.js';
import { findAssetIds, getAssets, type Asset, type AssetFilter } from './assets.js';
import { findPairIds, getPairs, type Pair } from './pairs.js';
import type { AssetKind } from './schema.js';

export interface DatasetSelection {
  kinds?: AssetKind[];
  tags?: string[];
  characters?: string[];
  locations?: string[];
  assets?: number[];
  /** Include paintover pairs whose painted frame matches tags/characters/locations (with their rough frames and passes). */
  pairs?: boolean;
  /** Include exactly these paintover pairs (e.g. a shot's keyframe pairs), with their rough frames and passes. */
  pairIds?: number[];
  /** Leave out assets (and pairs with any member) not cleared for training, instead of refusing. */
  onlyCleared?: boolean;
  note?: string;
}

export interface ManifestPair { id: number; painted: string; rough: string; passes: Record<string, string> }
export interface Manifest {
  format: 1;
  name: string;
  createdAt: string;
  selection: DatasetSelection;
  assets: { hash: string; kind: string }[];
  pairs: ManifestPair[];
}

export interface DatasetSnapshot {
  id: number;
  name: string;
  createdAt: string;
  selection: DatasetSelection;
  manifestHash: string;
  manifestPath: string;
  assets: Asset[];
  pairs: Pair[];
}

export interface UnclearedAsset { id: number; file: string; hash: string; kind: string; owner: string | null; licence: string | null }

export class UnclearedAssetsError extends Error {
  readonly code = 'NOT_CLEARED_FOR_TRAINING';
  constructor(readonly dataset: string, readonly assets: UnclearedAsset[]) {
    const shown = assets.slice(0, 20).map((a) => `#${a.id} ${a.file} (${a.kind}, owner ${a.owner ?? 'unknown'}, licence ${a.licence ?? 'unknown'})`).join('; ');
    super(`dataset "${dataset}" refused: ${assets.length} asset${assets.length === 1 ? ' is' : 's are'} not cleared for training: ${shown}` +
      `${assets.length > 20 ? `; and ${assets.length - 20} more` : ''}. Clear them with \`atelier set <asset…> --cleared\` after checking their rights, or use --only-cleared to leave them out.`);
  }
}

function uncleared(a: Asset): UnclearedAsset {
  return { id: a.id, file: a.originalName, hash: a.hash, kind: a.kind, owner: a.rights.owner, licence: a.rights.licence };
}

function pairMembers(p: Pair): Asset[] { return [p.painted, p.rough, ...Object.values(p.passes)]; }


export interface CreateDatasetResult { snapshot: DatasetSnapshot; leftOut: { assets: number; pairs: number } }

export async function createDataset(prod: Production, name: string, selection: DatasetSelection): Promise<CreateDatasetResult> {
  checkName('dataset', name);
  if (await prod.db.selectFrom('datasets').select('id').where('name', '=', name).executeTakeFirst()) {
    throw new Error(`dataset ${name} already exists (snapshots are immutable; choose a new name, e.g. ${name}-2)`);
  }
  const shared: AssetFilter = { tags: selection.tags, characters: selection.characters, locations: selection.locations };
  const wantsAssets = (!selection.pairs && !selection.pairIds?.length) || !!selection.kinds?.length || !!selection.assets;
  let assetIds = wantsAssets ? await findAssetIds(prod, { ...shared, kinds: selection.kinds, ids: selection.assets }) : [];
  let pairs: Pair[] = [];
  if (selection.pairIds?.length) {
    pairs = await getPairs(prod, selection.pairIds);
    const found = new Set(pairs.map((p) => p.id));
    const absent = selection.pairIds.filter((id) => !found.has(id));
    if (absent.length) throw new Error(`dataset "${name}": no paintover pair ${absent.map((i) => '#' + i).join(', ')}`);
  } else if (selection.pairs) {
    const hasFilter = !!(selection.tags?.length || selection.characters?.length || selection.locations?.length);
    const painted = hasFilter ? await findAssetIds(prod, shared) : undefined;
    pairs = await getPairs(prod, await findPairIds(prod, painted));
  }
  let assets = await getAssets(prod, assetIds);
  const leftOut = { assets: 0, pairs: 0 };
  if (selection.onlyCleared) {
    const before = { assets: assets.length, pairs: pairs.length };
    assets = assets.filter((a) => a.rights.clearedForTraining);
    pairs = pairs.filter((p) => pairMembers(p).every((a) => a.rights.clearedForTraining));
    leftOut.assets = before.assets - assets.length;
    leftOut.pairs = before.pairs - pairs.length;
  }
  // Every asset of the snapshot: the selected ones and all members of the selected pairs.
  const all = new Map<number, Asset>();
  for (const a of assets) all.set(a.id, a);
  for (const p of pairs) for (const a of pairMembers(p)) all.set(a.id, a);
  if (all.size === 0) throw new Error(`dataset "${name}": the selection matches no assets${leftOut.assets || leftOut.pairs ? ` (--only-cleared left out ${leftOut.assets} assets and ${leftOut.pairs} pairs)` : ''}`);
  const refused = [...all.values()].filter((a) => !a.rights.clearedForTraining).sort((a, b) => a.id - b.id);
  if (refused.length) throw new UnclearedAssetsError(name, refused.map(uncleared));
  const missing = [...all.values()].filter((a) => !prod.store.has(a.hash));
  if (missing.length) throw new Error(`dataset "${name}": the content store lacks the files of ${missing.map((a) => `#${a.id} ${a.originalName}`).join(', ')} (run \`atelier verify\`)`);
  assetIds = [...all.keys()].sort((a, b) => a - b);

  const createdAt = nowIso();
  const manifest: Manifest = {
    format: 1, name, createdAt, selection,
    assets: [...all.values()].map((a) => ({ hash: a.hash, kind: a.kind })).sort((a, b) => a.hash.localeCompare(b.hash)),
    pairs: pairs.map((p) => ({ id: p.id, painted: p.painted.hash, rough: p.rough.hash, passes: Object.fromEntries(Object.entries(p.passes).map(([n, a]) => [n, a.hash])) })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 1) + '\n');
  const manifestHash = prod.store.putBytes(bytes).hash; // the blob first, then the rows
  await prod.transaction(async (trx) => {
    const row = await trx.insertInto('datasets').values({
      name, selection: JSON.stringify(selection), manifest_hash: manifestHash, asset_count: assetIds.length, pair_count: pairs.length, created_at: createdAt,
    }).returning('id').executeTakeFirstOrThrow();
    for (const id of assetIds) await trx.insertInto('dataset_assets').values({ dataset_id: row.id, asset_id: id, hash: all.get(id)!.hash }).execute();
    for (const p of pairs) await trx.insertInto('dataset_pairs').values({ dataset_id: row.id, pair_id: p.id }).execute();
    prod.store.putBytes(bytes, manifestHash); // still there under our write lock (see collectGarbage), or put back
  });
  return { snapshot: await getDataset(prod, name), leftOut };
}

async function datasetRow(prod: Production, ref: string | number) {
  const q = prod.db.selectFrom('datasets').selectAll();
  const byName = typeof ref === 'string' ? await q.where('name', '=', ref).executeTakeFirst() : undefined;
  if (byName) return byName;
  const m = /^#?(\d+)$/.exec(String(ref));
  const row = m ? await q.where('id', '=', Number(m[1])).executeTakeFirst() : undefined;
  if (!row) throw new Error(`no dataset ${typeof ref === 'number' ? '#' + ref : `"${ref}"`}`);
  return row;
}

/** Reads a snapshot from its manifest blob (checked against its hash), not from a live query. */
export async function getDataset(prod: Production, ref: string | number): Promise<DatasetSnapshot> {
  const row = await datasetRow(prod, ref);
  const manifestPath = prod.readBlob(row.manifest_hash);
  const bytes = readFileSync(manifestPath);
  if (sha256(bytes) !== row.manifest_hash) throw new Error(`dataset ${row.name}: manifest ${manifestPath} does not match its hash (store damaged)`);
  const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  const hashes = manifest.assets.map((a) => a.hash);
  const idRows: { id: number; hash: string }[] = [];
  for (let i = 0; i < hashes.length; i += 500) {
    idRows.push(...await prod.db.selectFrom('assets').select(['id', 'hash']).where('hash', 'in', hashes.slice(i, i + 500)).execute());
  }
  const assets = await getAssets(prod, idRows.map((r) => r.id).sort((a, b) => a - b));
  const byHash = new Map(assets.map((a) => [a.hash, a]));
  const lost = hashes.filter((h) => !byHash.has(h));
  if (lost.length) throw new Error(`dataset ${row.name}: ${lost.length} manifest assets are unknown to the database (${lost.slice(0, 3).join(', ')}…)`);
  const pairs: Pair[] = manifest.pairs.map((p) => ({
    id: p.id, painted: byHash.get(p.painted)!, rough: byHash.get(p.rough)!, createdAt: manifest.createdAt,
    passes: Object.fromEntries(Object.entries(p.passes).map(([n, h]) => [n, byHash.get(h)!])),
  }));
  return {
    id: row.id, name: row.name, createdAt: row.created_at, selection: manifest.selection,
    manifestHash: row.manifest_hash, manifestPath, assets, pairs,
  };
}

/** Assets of one kind in a snapshot (concept_art, keyframe, character_sheet…). */
export function snapshotAssets(snapshot: DatasetSnapshot, kind: AssetKind): Asset[] {
  return snapshot.assets.filter((a) => a.kind === kind);
}

/** Refuses to train on a snapshot if rights were withdrawn from any of its assets since it was made. */
export function assertTrainable(snapshot: DatasetSnapshot): void {
  const bad = snapshot.assets.filter((a) => !a.rights.clearedForTraining);
  if (bad.length) throw new UnclearedAssetsError(snapshot.name, bad.map(uncleared));
}

export async function listDatasets(prod: Production) {
  const rows = await prod.db.selectFrom('datasets').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, assets: r.asset_count, pairs: r.pair_count, manifestHash: r.manifest_hash, createdAt: r.created_at, selection: JSON.parse(r.selection) as DatasetSelection }));
}
