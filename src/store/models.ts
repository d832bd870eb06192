// Model versions (trained from a dataset snapshot) and rendered frames (made by a model version):
// the records that lineage follows back to the training assets and their rights.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { compareText } from './db.js';
import type { Production } from './production.js';
import { nowIso } from './time.js';
import { sha256File } from './content-store.js';
import { getDataset, assertTrainable } from './datasets.js';
import { codeVersion as currentCodeVersion } from './code-version.js';
import { versionOfFrame } from './shot-versions.js';

export interface ModelVersionInput {
  kind: string;                                  // e.g. "look", "style"
  datasetId: number | string;                    // id or name of the snapshot it was trained on
  config: unknown;                               // JSON-serialisable training configuration
  seed: number;
  codeVersion?: string;                          // default: git HEAD, else package version
  files?: Record<string, string> | string[];     // weight files: name → path (copied into the content store)
  metrics?: unknown;
}

export interface ModelFile { name: string; hash: string; bytes: number; path: string }
export interface ModelVersion {
  id: number; kind: string; datasetId: number; datasetName: string; config: unknown; seed: number;
  codeVersion: string; metrics: unknown; files: ModelFile[]; createdAt: string;
}

/** The shot a model version was made for (a keyframe model's metrics.shot), else null. */
export function modelShot(v: Pick<ModelVersion, 'metrics'>): string | null {
  const shot = (v.metrics as { shot?: unknown } | null)?.shot;
  return typeof shot === 'string' ? shot : null;
}

export async function registerModelVersion(prod: Production, input: ModelVersionInput): Promise<number> {
  if (!input.kind) throw new Error('a model version needs a kind');
  if (!Number.isSafeInteger(input.seed)) throw new Error(`seed must be an integer, got ${input.seed}`);
  const snapshot = await getDataset(prod, input.datasetId);
  assertTrainable(snapshot);
  const entries: [string, string][] = Array.isArray(input.files) ? input.files.map((p) => [basename(p), p]) : Object.entries(input.files ?? {});
  const names = new Set<string>();
  const files: { name: string; hash: string; bytes: number }[] = [];
  const sources = new Map<string, string>();
  for (const [name, path] of entries) {
    if (names.has(name)) throw new Error(`model file name ${name} is given twice`);
    names.add(name);
    if (!existsSync(path) || !statSync(path).isFile()) throw new Error(`${path}: model file not found`);
    const put = prod.store.putFile(path); // blobs before rows
    files.push({ name, hash: put.hash, bytes: put.bytes });
    sources.set(put.hash, path);
  }
  const config = JSON.stringify(input.config ?? {});
  const metrics = JSON.stringify(input.metrics ?? {});
  return prod.transaction(async (trx) => {
    const row = await trx.insertInto('model_versions').values({
      kind: input.kind, dataset_id: snapshot.id, config, seed: input.seed, code_version: input.codeVersion ?? currentCodeVersion(), metrics, created_at: nowIso(),
    }).returning('id').executeTakeFirstOrThrow();
    for (const f of files) await trx.insertInto('model_files').values({ model_version_id: row.id, ...f }).execute();
    // Still there under our write lock (see collectGarbage), or copied in again.
    for (const f of files) {
      if (prod.store.has(f.hash)) continue;
      const again = prod.store.putFile(sources.get(f.hash)!);
      if (again.hash !== f.hash) throw new Error(`model file ${f.name} changed while it was being registered`);
    }
    return row.id;
  });
}

export async function getModelVersion(prod: Production, id: number): Promise<ModelVersion> {
  const row = await prod.db.selectFrom('model_versions').innerJoin('datasets', 'datasets.id', 'model_versions.dataset_id')
    .selectAll('model_versions').select('datasets.name as dataset_name').where('model_versions.id', '=', id).executeTakeFirst();
  if (!row) throw new Error(`no model version #${id}`);
  const files = await prod.db.selectFrom('model_files').selectAll().where('model_version_id', '=', id).execute().then((r) => r.sort((x, y) => compareText(x.name, y.name)));
  return {
    id: row.id, kind: row.kind, datasetId: row.dataset_id, datasetName: row.dataset_name, config: JSON.parse(row.config), seed: Number(row.seed),
    codeVersion: row.code_version, metrics: JSON.parse(row.metrics), createdAt: row.created_at,
    files: files.map((f) => ({ name: f.name, hash: f.hash, bytes: Number(f.bytes), path: prod.store.pathFor(f.hash) })),
  };
}

/**
 * The model versions registered from a training run folder (their metrics.run), oldest first. A run
 * of this production's runs/ also matches by folder name, should the production have moved since.
 */
export async function modelVersionsOfRun(prod: Production, runDir: string): Promise<number[]> {
  const want = resolve(runDir);
  const ours = dirname(want) === resolve(prod.dir, 'runs');
  const rows = await prod.db.selectFrom('model_versions').select(['id', 'metrics']).orderBy('id').execute();
  return rows.filter((r) => {
    const run = (JSON.parse(r.metrics) as { run?: unknown } | null)?.run;
    return typeof run === 'string' && (resolve(run) === want || (ours && basename(run) === basename(want)));
  }).map((r) => r.id);
}

export async function listModelVersions(prod: Production): Promise<ModelVersion[]> {
  const ids = await prod.db.selectFrom('model_versions').select('id').orderBy('id').execute();
  const out: ModelVersion[] = [];
  for (const { id } of ids) out.push(await getModelVersion(prod, id));
  return out;
}

export interface RenderedFrameInput {
  path: string;                                   // the file the renderer wrote
  modelVersion: number;
  inputHashes: Record<string, string> | string[]; // e.g. { rough: <sha256>, depth: <sha256> }
  params?: unknown;
}

export interface RenderedFrame { id: number; hash: string; path: string; modelVersion: number; inputs: Record<string, string>; params: unknown; createdAt: string }

export async function recordRenderedFrame(prod: Production, input: RenderedFrameInput): Promise<number> {
  const path = resolve(input.path);
  if (!existsSync(path) || !statSync(path).isFile()) throw new Error(`${path}: rendered frame not found (write it before recording it)`);
  const model = await prod.db.selectFrom('model_versions').select('id').where('id', '=', input.modelVersion).executeTakeFirst();
  if (!model) throw new Error(`no model version #${input.modelVersion}`);
  const inputs: [string, string][] = Array.isArray(input.inputHashes) ? input.inputHashes.map((h, i) => [String(i), h]) : Object.entries(input.inputHashes);
  for (const [n, h] of inputs) if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`input ${n}: "${h}" is not a sha256 hash`);
  const hash = sha256File(path);
  // A frame of a shot belongs to the version claimed for its folder (or one made for it).
  const version = await versionOfFrame(prod, path, input.modelVersion, input.params);
  return prod.transaction(async (trx) => {
    const row = await trx.insertInto('renders').values({ hash, path, model_version_id: input.modelVersion, params: JSON.stringify(input.params ?? {}), created_at: nowIso(), version_id: version })
      .returning('id').executeTakeFirstOrThrow();
    for (const [name, h] of inputs) await trx.insertInto('render_inputs').values({ render_id: row.id, name, hash: h }).execute();
    return row.id;
  });
}

export async function getRenderedFrame(prod: Production, id: number): Promise<RenderedFrame> {
  const row = await prod.db.selectFrom('renders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new Error(`no rendered frame #${id}`);
  const inputs = await prod.db.selectFrom('render_inputs').selectAll().where('render_id', '=', id).execute().then((r) => r.sort((x, y) => compareText(x.name, y.name)));
  return { id, hash: row.hash, path: row.path, modelVersion: row.model_version_id, inputs: Object.fromEntries(inputs.map((i) => [i.name, i.hash])), params: JSON.parse(row.params), createdAt: row.created_at };
}

/** The latest record of a frame written at path (absolute), or null when none was recorded there. */
export async function latestRenderAt(prod: Production, path: string): Promise<RenderedFrame | null> {
  const row = await prod.db.selectFrom('renders').select('id').where('path', '=', resolve(path)).orderBy('id', 'desc').executeTakeFirst();
  return row ? getRenderedFrame(prod, row.id) : null;
}

export async function listRenderedFrames(prod: Production, limit = 1000): Promise<RenderedFrame[]> {
  const rows = await prod.db.selectFrom('renders').select('id').orderBy('id', 'desc').limit(limit).execute();
  const out: RenderedFrame[] = [];
  for (const r of rows.reverse()) out.push(await getRenderedFrame(prod, r.id));
  return out;
}
