// Lineage: from an output file back to what made it. A rendered frame → its model version and
// inputs → the dataset snapshot the model was trained on → the training assets and their rights.
// Works for model weight files and ingested assets too. Files are recognised by content hash, so
// a moved or renamed output is still found; a changed file falls back to its recorded path.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Production } from './production.js';
import { sha256File } from './content-store.js';
import { getAssets, type Asset, type Rights } from './assets.js';
import { getDataset } from './datasets.js';
import { getModelVersion, getRenderedFrame, type ModelVersion, type RenderedFrame } from './models.js';

export interface LineageAsset { id: number; hash: string; kind: string; file: string; path: string; rights: Rights }
export interface LineageInput { name: string; hash: string; asset: LineageAsset | null }

export interface Lineage {
  subject: { path: string; hash: string | null; type: 'render' | 'model-file' | 'asset' | 'unknown'; note?: string };
  render?: RenderedFrame & { inputAssets: LineageInput[] };
  model?: ModelVersion;
  dataset?: { id: number; name: string; manifestHash: string; createdAt: string; selection: unknown; assetCount: number; pairCount: number };
  trainingAssets: LineageAsset[];
  asset?: LineageAsset & { datasets: { id: number; name: string }[]; models: number[] };
  rights: { assets: number; cleared: number; notCleared: number; owners: Record<string, number>; licences: Record<string, number> };
}

function lite(a: Asset): LineageAsset {
  return { id: a.id, hash: a.hash, kind: a.kind, file: a.originalName, path: a.path, rights: a.rights };
}

function summarizeRights(assets: LineageAsset[]): Lineage['rights'] {
  const owners: Record<string, number> = {};
  const licences: Record<string, number> = {};
  for (const a of assets) {
    owners[a.rights.owner ?? '(unknown)'] = (owners[a.rights.owner ?? '(unknown)'] ?? 0) + 1;
    licences[a.rights.licence ?? '(unknown)'] = (licences[a.rights.licence ?? '(unknown)'] ?? 0) + 1;
  }
  const cleared = assets.filter((a) => a.rights.clearedForTraining).length;
  return { assets: assets.length, cleared, notCleared: assets.length - cleared, owners, licences };
}

async function assetsByHash(prod: Production, hashes: string[]): Promise<Map<string, LineageAsset>> {
  const rows: { id: number }[] = [];
  for (let i = 0; i < hashes.length; i += 500) rows.push(...await prod.db.selectFrom('assets').select('id').where('hash', 'in', hashes.slice(i, i + 500)).execute());
  return new Map((await getAssets(prod, rows.map((r) => r.id))).map((a) => [a.hash, lite(a)]));
}

async function modelChain(prod: Production, modelId: number, out: Lineage): Promise<void> {
  out.model = await getModelVersion(prod, modelId);
  const ds = await getDataset(prod, out.model.datasetId);
  out.dataset = { id: ds.id, name: ds.name, manifestHash: ds.manifestHash, createdAt: ds.createdAt, selection: ds.selection, assetCount: ds.assets.length, pairCount: ds.pairs.length };
  out.trainingAssets = ds.assets.map(lite);
}

export async function lineage(prod: Production, file: string): Promise<Lineage> {
  const path = resolve(file);
  const exists = existsSync(path) && statSync(path).isFile();
  const hash = exists ? sha256File(path) : null;
  const out: Lineage = { subject: { path, hash, type: 'unknown' }, trainingAssets: [], rights: summarizeRights([]) };

  // This file's own record first: identical bytes written elsewhere (another shot from the same
  // frames, a re-render) are other records, and matching by hash alone named one of those.
  let render = hash ? await prod.db.selectFrom('renders').select('id').where('path', '=', path).where('hash', '=', hash).orderBy('id', 'desc').executeTakeFirst() : undefined;
  if (!render && hash) render = await prod.db.selectFrom('renders').select('id').where('hash', '=', hash).orderBy('id', 'desc').executeTakeFirst();
  if (!render) {
    // An absolute path: the path plugin compares it in the recorded (production-relative) form.
    render = await prod.db.selectFrom('renders').select('id').where('path', '=', path).orderBy('id', 'desc').executeTakeFirst();
    if (render) out.subject.note = exists ? 'the file has changed since this render was recorded (matched by path)' : 'the file no longer exists (matched by its recorded path)';
  }
  if (render) {
    out.subject.type = 'render';
    const r = await getRenderedFrame(prod, render.id);
    const known = await assetsByHash(prod, Object.values(r.inputs));
    out.render = { ...r, inputAssets: Object.entries(r.inputs).map(([name, h]) => ({ name, hash: h, asset: known.get(h) ?? null })) };
    await modelChain(prod, r.modelVersion, out);
  } else if (hash) {
    const mf = await prod.db.selectFrom('model_files').select('model_version_id').where('hash', '=', hash).orderBy('model_version_id', 'desc').executeTakeFirst();
    if (mf) {
      out.subject.type = 'model-file';
      await modelChain(prod, mf.model_version_id, out);
    } else {
      const a = (await assetsByHash(prod, [hash])).get(hash);
      if (a) {
        out.subject.type = 'asset';
        const datasets = await prod.db.selectFrom('dataset_assets').innerJoin('datasets', 'datasets.id', 'dataset_assets.dataset_id')
          .select(['datasets.id', 'datasets.name']).where('dataset_assets.asset_id', '=', a.id).orderBy('datasets.id').execute();
        const models = datasets.length
          ? (await prod.db.selectFrom('model_versions').select('id').where('dataset_id', 'in', datasets.map((d) => d.id)).orderBy('id').execute()).map((m) => m.id)
          : [];
        out.asset = { ...a, datasets, models };
        out.trainingAssets = [];
      }
    }
  }
  if (out.subject.type === 'unknown') {
    throw new Error(exists
      ? `${path}: this file is not a recorded render, model file or asset of the production (sha256 ${hash!.slice(0, 12)}…)`
      : `${path}: no such file, and no render was recorded at this path`);
  }
  out.rights = summarizeRights(out.asset ? [out.asset] : out.trainingAssets);
  return out;
}

/** Human-readable chain, one fact per line. */
export function formatLineage(l: Lineage): string {
  const lines: string[] = [];
  const rights = (a: LineageAsset) => `owner ${a.rights.owner ?? '?'}, licence ${a.rights.licence ?? '?'}, source ${a.rights.source ?? '?'}, ${a.rights.clearedForTraining ? 'cleared for training' : 'NOT cleared for training'}`;
  lines.push(`${l.subject.path}  (${l.subject.type}${l.subject.hash ? `, sha256 ${l.subject.hash.slice(0, 12)}…` : ''})`);
  if (l.subject.note) lines.push(`  note: ${l.subject.note}`);
  if (l.asset) {
    lines.push(`asset #${l.asset.id} ${l.asset.file} (${l.asset.kind})`, `  rights: ${rights(l.asset)}`);
    lines.push(`  in datasets: ${l.asset.datasets.map((d) => `${d.name} (#${d.id})`).join(', ') || 'none'}`);
    lines.push(`  models trained on it: ${l.asset.models.map((m) => `#${m}`).join(', ') || 'none'}`);
    return lines.join('\n');
  }
  if (l.render) {
    lines.push(`rendered frame #${l.render.id} at ${l.render.createdAt} by model version #${l.render.modelVersion}`);
    lines.push(`  params: ${JSON.stringify(l.render.params)}`);
    for (const i of l.render.inputAssets) lines.push(`  input ${i.name}: ${i.asset ? `asset #${i.asset.id} ${i.asset.file} (${i.asset.kind})` : 'not an asset of this production'}  sha256 ${i.hash.slice(0, 12)}…`);
  }
  if (l.model) {
    const m = l.model;
    lines.push(`model version #${m.id} (${m.kind}) created ${m.createdAt}`);
    lines.push(`  seed ${m.seed}, code ${m.codeVersion}`);
    lines.push(`  config: ${JSON.stringify(m.config)}`);
    if (m.files.length) lines.push(`  files: ${m.files.map((f) => `${f.name} (${f.hash.slice(0, 12)}…)`).join(', ')}`);
    lines.push(`  metrics: ${JSON.stringify(m.metrics)}`);
  }
  if (l.dataset) {
    const d = l.dataset;
    lines.push(`dataset ${d.name} (#${d.id}) made ${d.createdAt}: ${d.assetCount} assets, ${d.pairCount} pairs, manifest sha256 ${d.manifestHash.slice(0, 12)}…`);
    lines.push(`  selection: ${JSON.stringify(d.selection)}`);
  }
  if (l.trainingAssets.length) {
    lines.push(`training assets (${l.rights.assets}; ${l.rights.cleared} cleared, ${l.rights.notCleared} not cleared):`);
    for (const a of l.trainingAssets) lines.push(`  #${a.id} ${a.file} (${a.kind}) — ${rights(a)}`);
    lines.push(`owners: ${Object.entries(l.rights.owners).map(([o, n]) => `${o} ×${n}`).join(', ')}`);
    lines.push(`licences: ${Object.entries(l.rights.licences).map(([o, n]) => `${o} ×${n}`).join(', ')}`);
  }
  return lines.join('\n');
}
