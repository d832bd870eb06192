// Paintover pairs: a painted frame linked to the rough frame it was painted over, plus optional
// render passes (depth, normals, line art…) of that rough frame. The look model trains on them.
import { checkName } from './names.js';
import type { Kysely } from 'kysely';
import { compareText } from './db.js';
import type { Production } from './production.js';
import { nowIso } from './time.js';
import { getAssets, type Asset } from './assets.js';
import type { Database } from './schema.js';

export interface Pair { id: number; painted: Asset; rough: Asset; passes: Record<string, Asset>; createdAt: string }

export interface PairLink { id: number; created: boolean; warnings: string[] }

const sizeOf = (a: Asset) => `${a.width}×${a.height}`;

/**
 * Pairs training cannot read: a painting or pass not the size of its rough frame (pairing only
 * warns of it), one message each, naming the assets.
 */
export function pairSizeProblems(pairs: readonly Pair[]): { pair: number; message: string }[] {
  const out: { pair: number; message: string }[] = [];
  for (const p of pairs) {
    const ref = sizeOf(p.rough), rough = `rough frame #${p.rough.id} ${p.rough.originalName} is ${ref}`;
    if (sizeOf(p.painted) !== ref) out.push({ pair: p.id, message: `painting #${p.painted.id} ${p.painted.originalName} is ${sizeOf(p.painted)}, its ${rough}` });
    for (const [name, a] of Object.entries(p.passes)) {
      if (sizeOf(a) !== ref) out.push({ pair: p.id, message: `render pass ${name} #${a.id} ${a.originalName} is ${sizeOf(a)}, its ${rough}` });
    }
  }
  return out;
}


/** Links painted → rough (+ passes). Linking an existing pair again adds or replaces its passes. */
export async function linkPair(prod: Production, paintedId: number, roughId: number, passes: Record<string, number> = {}, db?: Kysely<Database>): Promise<PairLink> {
  if (paintedId === roughId) throw new Error(`asset #${paintedId} cannot be paired with itself`);
  for (const name of Object.keys(passes)) checkName('render pass', name);
  const all = await getAssets(prod, [paintedId, roughId, ...Object.values(passes)], db);
  const byId = new Map(all.map((a) => [a.id, a]));
  for (const id of [paintedId, roughId, ...Object.values(passes)]) if (!byId.has(id)) throw new Error(`no asset #${id}`);
  const painted = byId.get(paintedId)!, rough = byId.get(roughId)!;
  const warnings: string[] = [];
  if (painted.kind !== 'paintover' && painted.kind !== 'keyframe') warnings.push(`painted frame #${paintedId} is a ${painted.kind}, not a paintover or keyframe`);
  if (rough.kind !== 'rough_frame') warnings.push(`rough frame #${roughId} is a ${rough.kind}, not a rough_frame`);
  const size = (a: Asset) => `${a.width}×${a.height}`;
  if (size(painted) !== size(rough)) warnings.push(`painted frame #${paintedId} is ${size(painted)} but rough frame #${roughId} is ${size(rough)}`);
  for (const [name, id] of Object.entries(passes)) {
    const p = byId.get(id)!;
    if (size(p) !== size(rough)) warnings.push(`render pass ${name} (#${id}) is ${size(p)} but rough frame #${roughId} is ${size(rough)}`);
  }
  const run = async (trx: Kysely<Database>) => {
    const existing = await trx.selectFrom('pairs').select('id').where('painted_id', '=', paintedId).where('rough_id', '=', roughId).executeTakeFirst();
    const id = existing?.id ?? (await trx.insertInto('pairs').values({ painted_id: paintedId, rough_id: roughId, created_at: nowIso() }).returning('id').executeTakeFirstOrThrow()).id;
    for (const [name, assetId] of Object.entries(passes)) {
      await trx.insertInto('pair_passes').values({ pair_id: id, name, asset_id: assetId })
        .onConflict((oc) => oc.columns(['pair_id', 'name']).doUpdateSet({ asset_id: assetId })).execute();
    }
    return { id, created: !existing, warnings };
  };
  return db ? run(db) : prod.transaction(run);
}

export async function getPairs(prod: Production, ids: readonly number[]): Promise<Pair[]> {
  if (ids.length === 0) return [];
  const rows: { id: number; painted_id: number; rough_id: number; created_at: string }[] = [];
  const passes: { pair_id: number; name: string; asset_id: number }[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    rows.push(...await prod.db.selectFrom('pairs').selectAll().where('id', 'in', part).execute());
    passes.push(...await prod.db.selectFrom('pair_passes').selectAll().where('pair_id', 'in', part).execute());
  }
  passes.sort((x, y) => compareText(x.name, y.name));
  const assets = new Map((await getAssets(prod, [...rows.flatMap((r) => [r.painted_id, r.rough_id]), ...passes.map((p) => p.asset_id)])).map((a) => [a.id, a]));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.filter((id) => byId.has(id)).map((id) => {
    const r = byId.get(id)!;
    const ps: Record<string, Asset> = {};
    for (const p of passes) if (p.pair_id === id) ps[p.name] = assets.get(p.asset_id)!;
    return { id, painted: assets.get(r.painted_id)!, rough: assets.get(r.rough_id)!, passes: ps, createdAt: r.created_at };
  });
}

/** Pair ids, optionally only those whose painted frame is among paintedIds. */
export async function findPairIds(prod: Production, paintedIds?: number[]): Promise<number[]> {
  if (paintedIds && paintedIds.length === 0) return [];
  const out: number[] = [];
  const parts = paintedIds ? Array.from({ length: Math.ceil(paintedIds.length / 500) }, (_, i) => paintedIds.slice(i * 500, i * 500 + 500)) : [null];
  for (const part of parts) {
    let q = prod.db.selectFrom('pairs').select('id').orderBy('id');
    if (part) q = q.where('painted_id', 'in', part);
    out.push(...(await q.execute()).map((r) => r.id));
  }
  return out.sort((a, b) => a - b);
}
