import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import {
  initProduction, openProduction, ingestFiles, linkPair, createDataset, getDataset, updateAssets, UnclearedAssetsError, snapshotAssets,
  type IngestResult,
} from '../../src/store/index.js';
import { tempDir, writeImage, atelier } from './helpers.js';
import { forEachDialect } from './dialects.js';

const idOf = (r: IngestResult) => { assert.notEqual(r.status, 'rejected'); return r.status === 'rejected' ? -1 : r.asset.id; };

forEachDialect((w) => {
  async function fixture(t: { after: (fn: () => void) => void }) {
    const dir = tempDir(t);
    const prod = await w.init(join(dir, 'prod'), { defaultOwner: 'Studio North', defaultLicence: 'work for hire' });
    t.after(() => prod.close());
    const concept = await ingestFiles(prod, [await writeImage(join(dir, 'c1.png'), 1), await writeImage(join(dir, 'c2.png'), 2)], { kind: 'concept_art', characters: ['mira'], cleared: true });
    const stock = await ingestFiles(prod, [await writeImage(join(dir, 'stock.png'), 3)], { kind: 'concept_art', characters: ['mira'], owner: 'Stock Co', licence: 'editorial only' });
    const painted = await ingestFiles(prod, [await writeImage(join(dir, 'p1.png'), 4), await writeImage(join(dir, 'p2.png'), 5)], { kind: 'paintover', characters: ['mira'], cleared: true });
    const rough = await ingestFiles(prod, [await writeImage(join(dir, 'r1.png'), 6), await writeImage(join(dir, 'r2.png'), 7)], { kind: 'rough_frame', cleared: true });
    const depth = await ingestFiles(prod, [await writeImage(join(dir, 'd1.png'), 8)], { kind: 'render_pass', cleared: true });
    const pair1 = await linkPair(prod, idOf(painted[0]), idOf(rough[0]), { depth: idOf(depth[0]) });
    const pair2 = await linkPair(prod, idOf(painted[1]), idOf(rough[1]));
    return { dir, prod, concept: concept.map(idOf), stock: idOf(stock[0]), painted: painted.map(idOf), rough: rough.map(idOf), depth: idOf(depth[0]), pairs: [pair1.id, pair2.id] };
  }

  test('a snapshot with an asset not cleared for training is refused, naming it', async (t) => {
    const f = await fixture(t);
    await assert.rejects(createDataset(f.prod, 'mira-v1', { kinds: ['concept_art'], characters: ['mira'] }), (err: unknown) => {
      assert.ok(err instanceof UnclearedAssetsError);
      assert.deepEqual(err.assets.map((a) => a.id), [f.stock]);
      assert.match(err.message, /1 asset is not cleared for training: #\d+ stock\.png \(concept_art, owner Stock Co, licence editorial only\)/);
      return true;
    });
    assert.equal((await f.prod.db.selectFrom('datasets').selectAll().execute()).length, 0, 'nothing recorded');
    const { snapshot, leftOut } = await createDataset(f.prod, 'mira-v1', { kinds: ['concept_art'], characters: ['mira'], onlyCleared: true });
    assert.deepEqual(snapshot.assets.map((a) => a.id), f.concept);
    assert.equal(leftOut.assets, 1);
  });

  test('an uncleared rough frame refuses the pairs that use it', async (t) => {
    const f = await fixture(t);
    await updateAssets(f.prod, [f.rough[1]], { cleared: false });
    await assert.rejects(createDataset(f.prod, 'look-v1', { pairs: true }), /r2\.png \(rough_frame/);
    const { snapshot, leftOut } = await createDataset(f.prod, 'look-v1', { pairs: true, onlyCleared: true });
    assert.equal(snapshot.pairs.length, 1);
    assert.equal(leftOut.pairs, 1);
  });

  test('snapshots are immutable manifests: training reads them, not a live query', async (t) => {
    const f = await fixture(t);
    const { snapshot } = await createDataset(f.prod, 'look-v1', { pairs: true, kinds: ['concept_art'], onlyCleared: true, note: 'first look' });
    assert.equal(snapshot.pairs.length, 2);
    const pair = snapshot.pairs.find((p) => p.id === f.pairs[0])!;
    assert.equal(pair.passes.depth.id, f.depth);
    for (const p of snapshot.pairs) for (const a of [p.painted, p.rough, ...Object.values(p.passes)]) assert.ok(existsSync(a.path));
    assert.deepEqual(snapshotAssets(snapshot, 'concept_art').map((a) => a.id), f.concept);
    assert.equal(snapshot.assets.length, 2 + 2 + 2 + 1);
    const manifest = JSON.parse(readFileSync(snapshot.manifestPath, 'utf8'));
    assert.equal(manifest.assets.length, 7);
    assert.deepEqual(manifest.selection, { pairs: true, kinds: ['concept_art'], onlyCleared: true, note: 'first look' });

    // New matching data after the snapshot does not change it.
    const more = await ingestFiles(f.prod, [await writeImage(join(f.dir, 'c3.png'), 9)], { kind: 'concept_art', cleared: true });
    await linkPair(f.prod, idOf(more[0]), f.rough[0]);
    const later = await getDataset(f.prod, 'look-v1');
    assert.equal(later.assets.length, 7);
    assert.equal(later.pairs.length, 2);
    assert.equal(later.manifestHash, snapshot.manifestHash);

    await assert.rejects(createDataset(f.prod, 'look-v1', { pairs: true }), /already exists \(snapshots are immutable/);
    await assert.rejects(sql`UPDATE datasets SET name = 'renamed'`.execute(f.prod.db), /immutable/);
    await assert.rejects(sql`DELETE FROM dataset_assets`.execute(f.prod.db), /immutable/);

    // A damaged manifest is detected rather than trained on.
    const copy = readFileSync(snapshot.manifestPath);
    writeFileSync(snapshot.manifestPath + '.x', Buffer.concat([copy, Buffer.from(' ')]));
    renameSync(snapshot.manifestPath + '.x', snapshot.manifestPath);
    await assert.rejects(getDataset(f.prod, 'look-v1'), /does not match its hash/);
  });

  test('withdrawn rights make an existing snapshot unusable for training', async (t) => {
    const f = await fixture(t);
    await createDataset(f.prod, 'look-v1', { pairs: true });
    await updateAssets(f.prod, [f.painted[0]], { cleared: false, source: 'artist withdrew consent' });
    await assert.rejects(f.prod.registerModelVersion({ kind: 'look', datasetId: 'look-v1', config: {}, seed: 1 }), /p1\.png/);
  });

  test('atelier dataset create: refusal message on stderr, JSON error code, listing', async (t) => {
    const f = await fixture(t);
    await f.prod.close();
    const prodDir = join(f.dir, 'prod');
    const refused = atelier(['dataset', 'create', 'all', '--json', '--production', prodDir]);
    assert.equal(refused.status, 1);
    const err = JSON.parse(refused.stderr);
    assert.equal(err.code, 'NOT_CLEARED_FOR_TRAINING');
    assert.match(err.error, /stock\.png/);
    const ok = atelier(['dataset', 'create', 'look', '--pairs', '--production', prodDir]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /5 assets .* 2 paintover pairs/);
    const ls = atelier(['ls', 'datasets', '--json', '--production', prodDir]).json();
    assert.deepEqual(ls.map((d: { name: string; pairs: number }) => [d.name, d.pairs]), [['look', 2]]);
    const reopened = await openProduction(prodDir);
    t.after(() => reopened.close());
    assert.equal((await reopened.pairs('look')).length, 2);
  });
});
