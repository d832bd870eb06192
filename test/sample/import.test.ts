// Importing a generated sample production into a production workspace: kinds, metadata and rights,
// pairs with passes, test shots, held-out ground truth kept out, the dataset snapshot, idempotence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleProduction, PASS_NAMES } from '../../src/sample/index.js';
import type { SampleManifest } from '../../src/sample/index.js';
import { importSampleProduction } from '../../src/sample/import.js';
import type { ImportReport } from '../../src/sample/import.js';
import { createDataset, getShot, initProduction, listAssets, sha256File } from '../../src/store/index.js';
import type { Asset, Production } from '../../src/store/index.js';

let dir = '';
let sample = '';
let manifest: SampleManifest;
let prod: Production;
let report: ImportReport;
const hashOf = new Map<string, string>(); // manifest path -> sha256 of the file

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-sample-import-'));
  sample = join(dir, 'sample');
  const res = await generateSampleProduction(sample, { width: 64, height: 64, seed: 3, shotFrames: 4, preview: true });
  manifest = res.manifest;
  for (const f of manifest.files) hashOf.set(f.path, sha256File(join(sample, f.path)));
  prod = await initProduction(join(dir, 'prod'));
  report = await importSampleProduction(sample, prod);
});

after(async () => {
  await prod?.close();
  rmSync(dir, { recursive: true, force: true });
});

const filesOf = (kind: string) => manifest.files.filter((f) => f.kind === kind);
const settingOf = (scene: string) => manifest.scenes.find((s) => s.name === scene)!.setting;
async function byHash(): Promise<Map<string, Asset>> {
  return new Map((await listAssets(prod)).map((a) => [a.hash, a]));
}

test('import report: pairs, concept art, sheets, shots, dataset; nothing rejected', () => {
  assert.equal(report.rejected.length, 0, JSON.stringify(report.rejected));
  assert.equal(report.datasetName, 'look-v1');
  assert.equal(report.pairs, filesOf('paintover').length);
  assert.equal(report.concepts, filesOf('concept').length);
  assert.equal(report.sheets, filesOf('character_sheet').length);
  assert.deepEqual(report.passNames, [...PASS_NAMES].sort());
  assert.deepEqual(report.shots.map((s) => s.name), manifest.scenes.filter((s) => s.split === 'test').map((s) => s.name));
  for (const s of report.shots) {
    assert.equal(s.frames, 4);
    assert.deepEqual(s.keyframes, [0, 3]);
  }
  assert.equal(report.skipped.heldOut, filesOf('ground_truth').length + 1); // + the preview strip showing ground truth
  assert.equal(report.skipped.preview, 1);
  assert.ok(report.seconds < 20, `import took ${report.seconds} s`);
});

test('every training file is ingested with its kind, tags, characters, location and rights', async () => {
  const assets = await byHash();
  const kinds: Record<string, string> = { paintover: 'paintover', rough: 'rough_frame', pass: 'render_pass', concept: 'concept_art', character_sheet: 'character_sheet', keyframe: 'keyframe' };
  for (const f of manifest.files) {
    const kind = kinds[f.kind];
    if (!kind) continue;
    const a = assets.get(hashOf.get(f.path)!);
    assert.ok(a, `${f.path} not ingested`);
    if (f.kind === 'pass' && f.pass === 'motion') continue; // still frames share one motion pass (identical bytes)
    assert.equal(a.kind, kind, f.path);
    for (const t of f.tags) assert.ok(a.tags.includes(t), `${f.path} lacks tag ${t}`);
    assert.deepEqual(a.characters, [...f.characters].sort(), f.path);
    assert.equal(a.location, settingOf(f.scene), f.path);
    assert.deepEqual(a.rights, { owner: 'Atelier Sample Studio', licence: 'CC0-1.0', source: 'procedural', clearedForTraining: f.rights.cleared_for_training });
  }
  for (const f of filesOf('character_sheet')) {
    const a = assets.get(hashOf.get(f.path)!)!;
    assert.equal(a.kind, 'character_sheet');
    assert.equal(a.characters.length, 1);
    assert.equal(a.characters[0], f.scene.replace(/_turnaround$/, ''));
    assert.ok(a.tags.includes(`character:${a.characters[0]}`), 'a sheet is tagged with its character');
  }
  assert.ok(assets.get(hashOf.get(filesOf('concept')[0]!.path)!)!.kind === 'concept_art');
});

test('held-out ground truth and previews are never ingested', async () => {
  const assets = await byHash();
  const keyHashes = new Set(filesOf('keyframe').map((f) => hashOf.get(f.path)!));
  let checked = 0;
  for (const f of filesOf('ground_truth')) {
    const h = hashOf.get(f.path)!;
    // A painted keyframe is the very painting of its frame, so it shares the bytes of that frame's ground truth.
    if (keyHashes.has(h)) { assert.equal(assets.get(h)?.kind, 'keyframe'); continue; }
    assert.equal(assets.get(h), undefined, `${f.path} was ingested`);
    checked++;
  }
  assert.equal(checked, filesOf('ground_truth').length - filesOf('keyframe').length);
  for (const f of filesOf('preview')) assert.equal(assets.get(hashOf.get(f.path)!), undefined, `${f.path} was ingested`);
});

test('test shots: rough frames, passes by name and painted keyframes paired with them', async () => {
  for (const scene of manifest.scenes.filter((s) => s.split === 'test')) {
    const shot = await getShot(prod, scene.name);
    assert.equal(shot.fps, scene.fps);
    assert.deepEqual(shot.range, [0, 3]);
    assert.deepEqual(shot.missing, []);
    assert.deepEqual(shot.passNames, [...PASS_NAMES].sort());
    assert.deepEqual(shot.keyframes, scene.keyframes);
    assert.deepEqual(shot.mismatched, []);
    for (const r of manifest.files.filter((f) => f.scene === scene.name && f.kind === 'rough')) {
      const fr = shot.frames.find((x) => x.frame === r.frame)!;
      assert.equal(fr.rough?.hash, hashOf.get(r.path));
      for (const p of PASS_NAMES) assert.equal(fr.passes[p]?.hash, hashOf.get(r.passes![p]!), `${scene.name} ${r.frame} ${p}`);
      if (r.keyframe) {
        assert.equal(fr.keyframe?.hash, hashOf.get(r.keyframe));
        assert.notEqual(fr.pairId, null);
      } else assert.equal(fr.keyframe, null);
    }
  }
});

test('the dataset holds the cleared training pairs with all passes, concept art and sheets, nothing from the test shots', async () => {
  const ds = await prod.dataset('look-v1');
  assert.equal(ds.id, report.datasetId);
  assert.equal(ds.pairs.length, filesOf('paintover').length);
  for (const p of ds.pairs) {
    assert.equal(p.painted.kind, 'paintover');
    assert.equal(p.rough.kind, 'rough_frame');
    assert.deepEqual(Object.keys(p.passes).sort(), [...PASS_NAMES].sort());
    const f = filesOf('paintover').find((x) => hashOf.get(x.path) === p.painted.hash)!;
    assert.equal(p.rough.hash, hashOf.get(f.rough!));
    for (const n of PASS_NAMES) assert.equal(p.passes[n]!.hash, hashOf.get(f.passes![n]!));
  }
  assert.ok(ds.assets.every((a) => a.rights.clearedForTraining));
  const trainingFiles = manifest.files.filter((f) => ['train', 'concept', 'character_sheet'].includes(manifest.scenes.find((s) => s.name === f.scene)?.split ?? ''));
  const expected = new Set(trainingFiles.filter((f) => f.kind !== 'preview').map((f) => hashOf.get(f.path)!));
  assert.deepEqual(new Set(ds.assets.map((a) => a.hash)), expected);
  assert.equal(ds.assets.filter((a) => a.kind === 'concept_art').length, filesOf('concept').length);
  assert.equal(ds.assets.filter((a) => a.kind === 'character_sheet').length, filesOf('character_sheet').length);
  assert.equal(ds.assets.filter((a) => a.kind === 'keyframe').length, 0);
});

test('importing again reuses everything, including the dataset', async () => {
  const again = await importSampleProduction(sample, prod);
  assert.equal(again.ingest.added, 0);
  assert.equal(again.datasetReused, true);
  assert.equal(again.datasetId, report.datasetId);
  assert.equal(again.pairs, report.pairs);
  assert.deepEqual(again.shots, report.shots);
  assert.deepEqual(again.rejected, []);
  // A dataset of that name holding other material is reported, not silently reused.
  await createDataset(prod, 'taken', { kinds: ['keyframe'] });
  await assert.rejects(importSampleProduction(sample, prod, { datasetName: 'taken' }), /dataset taken already exists with other material.*--dataset taken-2/);
});

test('files not cleared for training are ingested as such and left out of the dataset', async () => {
  const copy = join(dir, 'sample-uncleared');
  cpSync(sample, copy, { recursive: true });
  const m = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8')) as SampleManifest;
  const painted = m.files.find((f) => f.kind === 'paintover')!;
  painted.rights = { ...painted.rights, cleared_for_training: false };
  writeFileSync(join(copy, 'manifest.json'), JSON.stringify(m));
  const p2 = await initProduction(join(dir, 'prod2'));
  try {
    const r = await importSampleProduction(copy, p2, { datasetName: 'look-cleared' });
    assert.equal(r.pairs, filesOf('paintover').length - 1);
    const ds = await p2.dataset('look-cleared');
    assert.ok(ds.assets.every((a) => a.rights.clearedForTraining));
    assert.ok(!ds.assets.some((a) => a.hash === hashOf.get(painted.path)));
    const [a] = await listAssets(p2, { kinds: ['paintover'], cleared: false });
    assert.equal(a?.hash, hashOf.get(painted.path));
  } finally { await p2.close(); }
});
