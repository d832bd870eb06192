// Imports a generated sample production (see index.ts, manifest.ts) into a production workspace
// (src/store): every trainable file with its kind, tags, characters, location and rights; paintover
// pairs with their passes; the test shots (rough frames, passes, painted keyframes); and an immutable
// dataset snapshot of the look-training material. Held-out ground truth and preview sheets are never
// ingested: they stay in the sample folder, where benchmarks read them.
//
// Tags: every ingested file gets the manifest's tags plus `split:<train|test|concept|character_sheet>`;
// the look-training material (training pairs, concept art, character sheets) also gets
// `sample-train:<first 12 hex digits of the manifest's sha256>`, which is what the dataset selects on.
// Painted keyframes of the test shots become pairs too (addShotKeyframes links them) but are left out
// of the dataset: they are for per-shot fine-tuning and are the test shots' own painted frames.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  IngestSession, addShot, addShotKeyframes, addShotPass, createDataset, getDataset, getShot, linkPair, sha256, summarize,
  type AssetKind, type DatasetSelection, type DatasetSnapshot, type IngestMeta, type IngestResult, type Production,
} from '../store/index.js';
import type { ManifestFile, ManifestScene, SampleManifest } from './manifest.js';

export interface ImportOptions {
  onProgress?(msg: string): void;
  /** Name of the dataset snapshot (default 'look-v1'). */
  datasetName?: string;
}

export interface ImportRejection { file: string; reason: string }

export interface ImportedShot {
  name: string;
  /** Frames with a rough frame in the workspace. */
  frames: number;
  range: [number, number];
  fps: number;
  passes: string[];
  /** Frame numbers with a painted keyframe. */
  keyframes: number[];
}

export interface ImportReport {
  sampleDir: string;
  productionDir: string;
  /** sha256 of the sample's manifest.json. */
  manifestHash: string;
  datasetId: number;
  datasetName: string;
  /** True when a dataset of that name made from the same material already existed and was reused. */
  datasetReused: boolean;
  /** Tag that marks this sample's look-training material (the dataset's selection). */
  trainTag: string;
  /** Paintover pairs in the dataset, and the render passes linked to each (by name). */
  pairs: number;
  passNames: string[];
  concepts: number;
  sheets: number;
  /** Assets in the dataset snapshot (pair members + concept art + character sheets). */
  datasetAssets: number;
  shots: ImportedShot[];
  ingest: { added: number; duplicates: number; rejected: number };
  /** Manifest files deliberately not ingested. */
  skipped: { heldOut: number; preview: number };
  rejected: ImportRejection[];
  warnings: string[];
  seconds: number;
}

export const DEFAULT_DATASET_NAME = 'look-v1';

const KIND: Partial<Record<ManifestFile['kind'], AssetKind>> = {
  paintover: 'paintover', rough: 'rough_frame', pass: 'render_pass', concept: 'concept_art', character_sheet: 'character_sheet', keyframe: 'keyframe',
};

/** Reads and checks <sampleDir>/manifest.json; returns it with the sha256 of its bytes. */
export function readSampleManifest(sampleDir: string): { manifest: SampleManifest; hash: string } {
  const path = join(sampleDir, 'manifest.json');
  if (!existsSync(path)) throw new Error(`${resolve(sampleDir)} has no manifest.json (not a complete sample production; generate one with \`atelier sample <dir>\`)`);
  const bytes = readFileSync(path);
  let manifest: SampleManifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as SampleManifest;
  } catch (err) {
    throw new Error(`${path}: unreadable manifest (${(err as Error).message})`);
  }
  if (manifest.format !== 'atelier-sample-production') throw new Error(`${path}: not a sample production manifest (format ${JSON.stringify(manifest.format)})`);
  if (manifest.version !== 1) throw new Error(`${path}: manifest version ${manifest.version} is not supported (expects 1)`);
  if (!Array.isArray(manifest.files) || !Array.isArray(manifest.scenes)) throw new Error(`${path}: manifest lacks files or scenes`);
  return { manifest, hash: sha256(bytes) };
}

/** "test/sh010/sh010_rough.0007.png" -> "test/sh010/sh010_rough.####.png" */
function sequencePattern(path: string): string | null {
  const m = /^(.*\.)(\d+)(\.[A-Za-z0-9]+)$/.exec(path);
  return m ? `${m[1]}${'#'.repeat(m[2]!.length)}${m[3]}` : null;
}

function sameSet(a: Iterable<string>, b: Iterable<string>): boolean {
  const x = new Set(a), y = new Set(b);
  if (x.size !== y.size) return false;
  for (const v of x) if (!y.has(v)) return false;
  return true;
}

export async function importSampleProduction(sampleDir: string, prod: Production, opts: ImportOptions = {}): Promise<ImportReport> {
  const t0 = performance.now();
  const root = resolve(sampleDir);
  const progress = (msg: string) => opts.onProgress?.(msg);
  const datasetName = opts.datasetName ?? DEFAULT_DATASET_NAME;
  const { manifest, hash: manifestHash } = readSampleManifest(root);
  const trainTag = `sample-train:${manifestHash.slice(0, 12)}`;
  const scenes = new Map<string, ManifestScene>(manifest.scenes.map((s) => [s.name, s]));
  const rejected: ImportRejection[] = [];
  const warnings: string[] = [];
  const abs = (rel: string) => join(root, ...rel.split('/'));

  // 1. Ingest. Held-out files (ground truth, the preview strip showing it) and previews never enter.
  const skipped = { heldOut: 0, preview: 0 };
  const toIngest: { f: ManifestFile; kind: AssetKind; training: boolean }[] = [];
  for (const f of manifest.files) {
    if (f.rights.held_out || f.kind === 'ground_truth') { skipped.heldOut++; continue; }
    const kind = KIND[f.kind];
    if (!kind) { skipped.preview++; continue; }
    const split = scenes.get(f.scene)?.split;
    const training = f.rights.cleared_for_training && (split === 'train' || split === 'concept' || split === 'character_sheet');
    toIngest.push({ f, kind, training });
  }
  // Paintings are checked for near-duplicates; rough frames and passes (sequences) are not, like `shot add`.
  const painted = await IngestSession.start(prod, {});
  const frames = await IngestSession.start(prod, { nearDuplicates: false });
  const results: IngestResult[] = [];
  const idOf = new Map<string, number>();          // manifest path -> asset id
  const hashOf = new Map<string, string>();
  const duplicatesToTag: number[] = [];
  for (let i = 0; i < toIngest.length; i++) {
    const { f, kind, training } = toIngest[i]!;
    const scene = scenes.get(f.scene);
    const tags = [...f.tags, ...(scene ? [`split:${scene.split}`] : []), ...(training ? [trainTag] : [])];
    const meta: IngestMeta = {
      kind, tags, characters: f.characters, location: scene?.setting ?? null,
      owner: f.rights.owner, licence: f.rights.licence, source: f.rights.source, cleared: f.rights.cleared_for_training,
    };
    const session = kind === 'rough_frame' || kind === 'render_pass' ? frames : painted;
    const r = await session.ingest(abs(f.path), meta);
    results.push(r);
    if (r.status === 'rejected') { rejected.push({ file: f.path, reason: r.reason }); continue; }
    idOf.set(f.path, r.asset.id);
    hashOf.set(f.path, r.asset.hash);
    if (r.status === 'duplicate' && training) duplicatesToTag.push(r.asset.id);
    if (r.status === 'duplicate' && r.asset.kind !== kind) {
      warnings.push(`${f.path}: the same bytes are already stored as #${r.asset.id}, a ${r.asset.kind} (kept as is)`);
    }
    if ((i + 1) % 50 === 0 || i + 1 === toIngest.length) progress(`ingested ${i + 1}/${toIngest.length} files`);
  }
  // Files stored before (an earlier import of other material with the same bytes, or added by hand)
  // keep their metadata; they only gain the training tag the dataset selects on.
  if (duplicatesToTag.length) {
    const rows = await prod.db.selectFrom('asset_tags').select('asset_id').where('tag', '=', trainTag).where('asset_id', 'in', duplicatesToTag).execute();
    const tagged = new Set(rows.map((r) => r.asset_id));
    const missing = [...new Set(duplicatesToTag)].filter((id) => !tagged.has(id));
    if (missing.length) {
      await prod.db.transaction().execute(async (trx) => {
        for (const id of missing) await trx.insertInto('asset_tags').values({ asset_id: id, tag: trainTag }).onConflict((oc) => oc.doNothing()).execute();
      });
    }
  }
  const ingest = summarize(results);

  // 2. Training pairs: paintover -> rough frame + passes by name.
  progress('linking paintover pairs');
  const linkedPairs: { paintover: string; rough: string; passes: Record<string, string> }[] = [];
  const passNames = new Set<string>();
  for (const { f, training } of toIngest) {
    if (f.kind !== 'paintover') continue;
    const paintedId = idOf.get(f.path);
    const roughId = f.rough ? idOf.get(f.rough) : undefined;
    if (paintedId === undefined) continue; // rejected above
    if (roughId === undefined) { rejected.push({ file: f.path, reason: `not paired: its rough frame ${f.rough ?? '(none in the manifest)'} was not ingested` }); continue; }
    const passes: Record<string, number> = {};
    const passHashes: Record<string, string> = {};
    for (const [name, path] of Object.entries(f.passes ?? {})) {
      const id = idOf.get(path);
      if (id === undefined) { warnings.push(`${f.path}: pass ${name} (${path}) was not ingested, so the pair lacks it`); continue; }
      passes[name] = id;
      passHashes[name] = hashOf.get(path)!;
      passNames.add(name);
    }
    try {
      const link = await linkPair(prod, paintedId, roughId, passes);
      for (const w of link.warnings) warnings.push(`${f.path}: ${w}`);
      if (training) linkedPairs.push({ paintover: hashOf.get(f.path)!, rough: hashOf.get(f.rough!)!, passes: passHashes });
    } catch (err) {
      rejected.push({ file: f.path, reason: `not paired: ${(err as Error).message}` });
    }
  }

  // 3. Test shots: rough sequence, passes by name, painted keyframes.
  const shots: ImportedShot[] = [];
  for (const scene of manifest.scenes.filter((s) => s.split === 'test')) {
    const files = manifest.files.filter((f) => f.scene === scene.name);
    const roughs = files.filter((f) => f.kind === 'rough').sort((a, b) => a.frame - b.frame);
    const pattern = roughs[0] ? sequencePattern(roughs[0].path) : null;
    if (!pattern) { rejected.push({ file: `test shot ${scene.name}`, reason: 'the manifest lists no rough frame sequence for it' }); continue; }
    progress(`shot ${scene.name}: ${roughs.length} rough frames`);
    const range: [number, number] = [roughs[0]!.frame, roughs[roughs.length - 1]!.frame];
    const meta = {
      tags: [...scene.tags, 'split:test'], characters: scene.characters, location: scene.setting,
      owner: manifest.rights.owner, licence: manifest.rights.licence, source: manifest.rights.source, cleared: manifest.rights.cleared_for_training,
    };
    const existing = await prod.db.selectFrom('shots').select(['source']).where('name', '=', scene.name).executeTakeFirst();
    if (existing && existing.source !== abs(pattern)) {
      rejected.push({ file: `test shot ${scene.name}`, reason: `the production already has a shot ${scene.name} from ${existing.source}; left as is` });
      continue;
    }
    try {
      const rep = await addShot(prod, scene.name, abs(pattern), { range, fps: scene.fps ?? 24, replace: !!existing, meta });
      for (const r of rep.rejected) rejected.push({ file: r.file, reason: r.reason });
      for (const w of rep.warnings) warnings.push(`shot ${scene.name}: ${w}`);
      const byPass = new Map<string, ManifestFile[]>();
      for (const f of files) if (f.kind === 'pass' && f.pass) (byPass.get(f.pass) ?? byPass.set(f.pass, []).get(f.pass)!).push(f);
      for (const [name, list] of byPass) {
        const p = sequencePattern(list[0]!.path);
        if (!p) { rejected.push({ file: list[0]!.path, reason: `pass ${name} of shot ${scene.name} is not a frame sequence` }); continue; }
        const pr = await addShotPass(prod, scene.name, name, abs(p), { meta });
        for (const r of pr.rejected) rejected.push({ file: r.file, reason: r.reason });
        if (pr.missing.length) warnings.push(`shot ${scene.name}: pass ${name} lacks frames ${pr.missing.join(', ')}`);
      }
      for (const k of files.filter((f) => f.kind === 'keyframe').sort((a, b) => a.frame - b.frame)) {
        const kr = await addShotKeyframes(prod, scene.name, [abs(k.path)], {
          frame: k.frame,
          meta: { tags: [...k.tags, 'split:test'], characters: k.characters, location: scene.setting, owner: k.rights.owner, licence: k.rights.licence, source: k.rights.source, cleared: k.rights.cleared_for_training },
        });
        for (const r of kr.keyframes) {
          if (r.status === 'rejected') rejected.push({ file: r.file, reason: r.reason ?? 'rejected' });
          for (const w of r.warnings ?? []) warnings.push(`shot ${scene.name} keyframe ${k.frame}: ${w}`);
        }
      }
      const shot = await getShot(prod, scene.name);
      shots.push({
        name: shot.name, frames: shot.frames.filter((f) => f.rough).length, range: shot.range, fps: shot.fps, passes: shot.passNames, keyframes: shot.keyframes,
      });
      if (shot.missing.length) warnings.push(`shot ${scene.name}: no rough frame for frames ${shot.missing.join(', ')}`);
    } catch (err) {
      rejected.push({ file: `test shot ${scene.name}`, reason: (err as Error).message });
    }
  }

  // 4. The dataset snapshot: this sample's cleared training pairs, concept art and character sheets.
  progress(`dataset ${datasetName}`);
  const expected = new Set<string>();
  for (const p of linkedPairs) for (const h of [p.paintover, p.rough, ...Object.values(p.passes)]) expected.add(h);
  for (const { f, training } of toIngest) {
    if (training && (f.kind === 'concept' || f.kind === 'character_sheet') && hashOf.has(f.path)) expected.add(hashOf.get(f.path)!);
  }
  const selection: DatasetSelection = {
    kinds: ['concept_art', 'character_sheet'], pairs: true, tags: [trainTag], onlyCleared: true,
    note: `sample production ${root} (manifest sha256 ${manifestHash}): training pairs, concept art and character sheets`,
  };
  let snapshot: DatasetSnapshot;
  let datasetReused = false;
  const prior = await prod.db.selectFrom('datasets').select('id').where('name', '=', datasetName).executeTakeFirst();
  if (prior) {
    snapshot = await getDataset(prod, datasetName);
    if (!sameSet(snapshot.assets.map((a) => a.hash), expected)) {
      throw new Error(`dataset ${datasetName} already exists with other material (${snapshot.assets.length} assets, ${snapshot.pairs.length} pairs; ` +
        `this sample's training set is ${expected.size} assets, ${linkedPairs.length} pairs). Snapshots are immutable: import with another dataset name ` +
        `(e.g. --dataset ${datasetName}-2). The files, pairs and shots are imported.`);
    }
    datasetReused = true;
  } else {
    const made = await createDataset(prod, datasetName, selection);
    snapshot = made.snapshot;
    if (made.leftOut.assets || made.leftOut.pairs) {
      warnings.push(`dataset ${datasetName}: left out ${made.leftOut.assets} assets and ${made.leftOut.pairs} pairs not cleared for training`);
    }
    const extra = snapshot.assets.filter((a) => !expected.has(a.hash));
    if (extra.length) warnings.push(`dataset ${datasetName}: ${extra.length} assets beyond this sample's material carry the tag ${trainTag}`);
  }

  const count = (k: AssetKind) => snapshot.assets.filter((a) => a.kind === k).length;
  return {
    sampleDir: root, productionDir: prod.dir, manifestHash,
    datasetId: snapshot.id, datasetName: snapshot.name, datasetReused, trainTag,
    pairs: snapshot.pairs.length, passNames: [...passNames].sort(), concepts: count('concept_art'), sheets: count('character_sheet'),
    datasetAssets: snapshot.assets.length, shots,
    ingest: { added: ingest.added, duplicates: ingest.duplicates, rejected: ingest.rejected },
    skipped, rejected, warnings, seconds: (performance.now() - t0) / 1000,
  };
}
