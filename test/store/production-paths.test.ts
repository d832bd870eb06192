// Paths in records are relative to the production: a moved production reads its renders, shots and
// assets at the new place, lookups by absolute path still find them, paths outside stay absolute,
// and the upgrade (migration 0004) rewrites older absolute records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addShot, createDataset, getAssets, getRenderedFrame, ingestFiles, openProduction, type IngestResult, type Production } from '../../src/store/index.js';
import { storedPath, resolvedPath } from '../../src/store/production-paths.js';
import { migrationsFor } from '../../src/store/migrations.js';
import { tempDir, writeImage } from './helpers.js';
import { forEachDialect } from './dialects.js';

const idOf = (r: IngestResult | undefined) => (!r || r.status === 'rejected' ? assert.fail(JSON.stringify(r)) : r.asset.id);

/** A production with a shot whose plates are inside it, an asset from inside and one from outside,
 *  a model, and a render inside and one outside. */
async function build(prod: Production, outside: string) {
  const plates = join(prod.dir, 'plates');
  for (const f of [1, 2]) await writeImage(join(plates, `sh010.000${f}.png`), f);
  await addShot(prod, 'sh010', join(plates, 'sh010.####.png'), { fps: 24, meta: { cleared: true } });
  const inner = idOf((await ingestFiles(prod, [await writeImage(join(plates, 'concept.png'), 7)], { kind: 'concept_art', cleared: true }))[0]);
  const outer = idOf((await ingestFiles(prod, [await writeImage(join(outside, 'concept.png'), 8)], { kind: 'concept_art', cleared: true }))[0]);
  await createDataset(prod, 'look', { kinds: ['concept_art'] });
  const model = await prod.registerModelVersion({ kind: 'look', datasetId: 'look', config: {}, seed: 1 });
  const shot = await prod.shot('sh010');
  const inside = await writeImage(join(prod.dir, 'renders', 'sh010', 'v001', 'sh010.0001.png'), 11);
  const away = await writeImage(join(outside, 'renders', 'sh010.0001.png'), 12);
  const input = { rough: shot.frames[0]!.rough!.hash };
  const render = await prod.recordRenderedFrame({ path: inside, modelVersion: model, inputHashes: input, params: { shot: 'sh010', frame: 1 } });
  const outsideRender = await prod.recordRenderedFrame({ path: away, modelVersion: model, inputHashes: input, params: { shot: 'sh010', frame: 1 } });
  return { inner, outer, render, outsideRender, away, model };
}

/** What the database itself holds (no path plugin). */
const raw = async (prod: Production) => ({
  renders: (await prod.db.withoutPlugins().selectFrom('renders').select(['id', 'path']).orderBy('id').execute()).map((r) => r.path),
  assets: (await prod.db.withoutPlugins().selectFrom('assets').select('source_path').orderBy('id').execute()).map((r) => r.source_path),
  shots: (await prod.db.withoutPlugins().selectFrom('shots').select('source').execute()).map((r) => r.source),
});

forEachDialect((w) => {
  test('a moved production reads its records at the new place; paths outside it stay as they were', async (t) => {
    const dir = tempDir(t);
    const outside = join(dir, 'outside');
    const first = join(dir, 'prod');
    let prod = await w.init(first);
    const b = await build(prod, outside);
    assert.deepEqual(await raw(prod), {
      renders: ['renders/sh010/v001/sh010.0001.png', b.away],
      assets: ['plates/sh010.0001.png', 'plates/sh010.0002.png', 'plates/concept.png', join(outside, 'concept.png')],
      shots: ['plates/sh010.####.png'],
    });
    await prod.close();

    const moved = join(dir, 'moved', 'film');
    mkdirSync(join(dir, 'moved'));
    renameSync(first, moved);
    prod = await openProduction(moved);
    t.after(() => prod.close());
    const frame = join(moved, 'renders', 'sh010', 'v001', 'sh010.0001.png');
    const r = await getRenderedFrame(prod, b.render);
    assert.equal(r.path, frame);
    assert.ok(existsSync(r.path));
    assert.equal((await getRenderedFrame(prod, b.outsideRender)).path, b.away);
    assert.equal((await prod.shot('sh010')).source, join(moved, 'plates', 'sh010.####.png'));
    const [inner, outer] = await getAssets(prod, [b.inner, b.outer]);
    assert.equal(inner!.sourcePath, join(moved, 'plates', 'concept.png'));
    assert.equal(outer!.sourcePath, join(outside, 'concept.png'));

    // Direct queries by absolute path (as the render jobs and the dailies make them) find the record.
    const found = await prod.db.selectFrom('renders').select(['id', 'path as file']).where('path', 'in', [frame, join(moved, 'nope.png')]).execute();
    assert.deepEqual(found, [{ id: b.render, file: frame }]);
    assert.equal((await prod.db.selectFrom('renders').select('id').where('path', '=', b.away).executeTakeFirst())?.id, b.outsideRender);
    assert.equal((await prod.db.selectFrom('renders').select('id').where('path', '=', join(first, 'renders', 'sh010', 'v001', 'sh010.0001.png')).executeTakeFirst()), undefined, 'the old place is not the production any more');

    // Lineage by absolute path: by hash, and by the recorded path once the file changed.
    assert.equal((await prod.lineage(frame)).render?.id, b.render);
    writeFileSync(frame, 'changed');
    const l = await prod.lineage(frame);
    assert.equal(l.render?.id, b.render);
    assert.match(l.subject.note ?? '', /matched by path/);

    // New records after the move are relative too, and an update writes the relative form.
    const again = await writeImage(join(moved, 'renders', 'sh010', 'v002', 'sh010.0001.png'), 13);
    const id = await prod.recordRenderedFrame({ path: again, modelVersion: b.model, inputHashes: [] });
    await prod.db.updateTable('renders').set({ path: frame }).where('id', '=', b.outsideRender).execute();
    const now = await raw(prod);
    assert.deepEqual(now.renders, ['renders/sh010/v001/sh010.0001.png', 'renders/sh010/v001/sh010.0001.png', 'renders/sh010/v002/sh010.0001.png']);
    assert.equal((await getRenderedFrame(prod, id)).path, again);
  });

  test('the upgrade rewrites absolute records that lie inside the production, and only those', async (t) => {
    const dir = tempDir(t);
    const outside = join(dir, 'outside');
    const first = join(dir, 'prod');
    let prod = await w.init(first);
    const b = await build(prod, outside);
    // Records as an older atelier wrote them: every path absolute, migration 0004 not yet run.
    const old = prod.db.withoutPlugins();
    const sibling = join(dir, 'prod-other', 'x.png'); // shares the folder's name as a prefix, lies outside
    await old.updateTable('renders').set({ path: join(first, 'renders', 'sh010', 'v001', 'sh010.0001.png') }).where('id', '=', b.render).execute();
    await old.updateTable('renders').set({ path: sibling }).where('id', '=', b.outsideRender).execute();
    await old.updateTable('shots').set({ source: join(first, 'plates', 'sh010.####.png') }).execute();
    await old.updateTable('assets').set({ source_path: join(first, 'plates', 'concept.png') }).where('id', '=', b.inner).execute();
    // Back to before 0004 (and 0005, which came after it and is run again).
    await migrationsFor(prod.dialect, prod.dir)['0005_shot_versions']!.down!(old);
    await old.deleteFrom('kysely_migration' as never).where('name' as never, 'in', ['0004_production_relative_paths', '0005_shot_versions'] as never).execute();
    await prod.close();

    prod = await openProduction(first); // the upgrade
    const after = await raw(prod);
    assert.deepEqual(after.renders, ['renders/sh010/v001/sh010.0001.png', sibling]);
    assert.deepEqual(after.shots, ['plates/sh010.####.png']);
    assert.equal(after.assets[2], 'plates/concept.png');
    assert.equal(after.assets[3], join(outside, 'concept.png'));
    await prod.close();

    const moved = join(dir, 'moved');
    renameSync(first, moved);
    prod = await openProduction(moved);
    t.after(() => prod.close());
    assert.equal((await getRenderedFrame(prod, b.render)).path, join(moved, 'renders', 'sh010', 'v001', 'sh010.0001.png'));
    assert.equal((await getRenderedFrame(prod, b.outsideRender)).path, sibling);
  });
});

test('storedPath: relative inside the production, absolute outside; resolvedPath inverts it', () => {
  const root = '/studio/film';
  assert.equal(storedPath(root, '/studio/film/renders/a.png'), 'renders/a.png');
  assert.equal(storedPath(root, '/studio/film/../film/x/../renders/a.png'), 'renders/a.png');
  assert.equal(storedPath(root, '/studio/film'), '.');
  assert.equal(storedPath(root, '/studio/film/..hidden/a.png'), '..hidden/a.png', 'a name that starts with .. is inside');
  assert.equal(storedPath(root, '/studio/film-b/a.png'), '/studio/film-b/a.png');
  assert.equal(storedPath(root, '/studio/a.png'), '/studio/a.png');
  assert.equal(storedPath(root, 'renders/a.png'), 'renders/a.png', 'relative: already relative to the production');
  assert.equal(storedPath(root, '../elsewhere/a.png'), '/studio/elsewhere/a.png');
  assert.equal(storedPath(['/mnt/nas/film', '/studio/film'], '/studio/film/a.png'), 'a.png', 'the real folder behind a symlink counts');
  assert.equal(resolvedPath('/mnt/film', 'renders/a.png'), '/mnt/film/renders/a.png');
  assert.equal(resolvedPath('/mnt/film', '/studio/a.png'), '/studio/a.png');
  assert.equal(resolvedPath('/mnt/film', '.'), '/mnt/film');
});
