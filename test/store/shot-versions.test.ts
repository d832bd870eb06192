// Shot versions as records: numbered per shot (claims made at once get distinct numbers, on both
// dialects), frames point at their version, bad input is refused, and the upgrade (migration 0005)
// makes versions of older frame records the way the dailies grouped them, keeping their ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Migrator } from 'kysely';
import {
  addShot, createDataset, createShotVersion, getShotVersionRecord, insertShotVersion, listShotVersionRecords, openProduction, type Production,
} from '../../src/store/index.js';
import { migrationsFor } from '../../src/store/migrations.js';
import { claimShotVersion } from '../../src/render/version-dir.js';
import { tempDir, writeImage } from './helpers.js';
import { forEachDialect } from './dialects.js';

/** A production with a shot of two plates, a look model, and a second model. */
async function build(prod: Production) {
  const plates = join(prod.dir, 'plates');
  for (const f of [1, 2]) await writeImage(join(plates, `sh010.000${f}.png`), f);
  await addShot(prod, 'sh010', join(plates, 'sh010.####.png'), { fps: 24, meta: { cleared: true } });
  await createDataset(prod, 'look', { kinds: ['rough_frame'] });
  const model = await prod.registerModelVersion({ kind: 'look', datasetId: 'look', config: {}, seed: 1 });
  const model2 = await prod.registerModelVersion({ kind: 'look', datasetId: 'look', config: {}, seed: 2 });
  const rough = (await prod.shot('sh010')).frames[0]!.rough!.hash;
  /** Writes and records frames of `shot` into renders/<shot>/<folder>; returns their render ids. */
  const frames = async (shot: string, folder: string, m: number, params: Record<string, unknown> = {}, nums = [1, 2]) => {
    const ids: number[] = [];
    for (const frame of nums) {
      const path = await writeImage(join(prod.dir, 'renders', shot, folder, `${shot}.000${frame}.png`), 100 + frame);
      ids.push(await prod.recordRenderedFrame({ path, modelVersion: m, inputHashes: { rough }, params: { shot, frame, ...params } }));
    }
    return ids;
  };
  return { model, model2, rough, frames };
}

const versionIds = async (prod: Production, ids: number[]) =>
  (await prod.db.selectFrom('renders').select(['id', 'version_id']).where('id', 'in', ids).orderBy('id').execute()).map((r) => r.version_id);

forEachDialect((w) => {
  test('versions are numbered per shot; claims made at once get distinct numbers', async (t) => {
    const dir = tempDir(t);
    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    const { model } = await build(prod);
    const a = await createShotVersion(prod, { shot: 'sh010', folder: join(prod.dir, 'renders', 'sh010', 'a'), modelVersion: model });
    const b = await createShotVersion(prod, { shot: 'sh020', folder: 'renders/sh020/a', modelVersion: model, quality: 'final' });
    assert.deepEqual([a.number, b.number], [1, 1], 'each shot counts its own');
    assert.equal(a.folder, join(prod.dir, 'renders', 'sh010', 'a'), 'read back absolute');
    assert.equal((await prod.db.withoutPlugins().selectFrom('shot_versions').select('folder').where('id', '=', b.id).executeTakeFirstOrThrow()).folder, 'renders/sh020/a', 'recorded relative');
    assert.deepEqual({ ...(await getShotVersionRecord(prod, b.id))!, createdAt: '' }, { ...b, createdAt: '' });
    assert.equal(b.quality, 'final');

    // Twelve claims at once; on PostgreSQL from two connections (SQLite: one per process, and
    // better-sqlite3 waits for a lock synchronously; other processes: test/render/version-dir).
    const other = w.dialect === 'postgres' ? await openProduction(prod.dir) : prod;
    if (other !== prod) t.after(() => other.close());
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => createShotVersion(i % 2 ? other : prod, { shot: 'sh010', folder: `renders/sh010/c${i}`, modelVersion: model })));
    assert.deepEqual(claims.map((c) => c.number).sort((x, y) => x - y), Array.from({ length: 12 }, (_, i) => i + 2));
    assert.deepEqual((await listShotVersionRecords(prod, 'sh010')).map((v) => v.number), Array.from({ length: 13 }, (_, i) => i + 1));

    // A number or folder the shot already has is refused; bad input names the problem.
    assert.equal(await insertShotVersion(prod, { shot: 'sh010', folder: 'renders/sh010/z', modelVersion: model }, 3), null);
    assert.equal(await insertShotVersion(prod, { shot: 'sh010', folder: 'renders/sh010/a', modelVersion: model }, 99), null);
    assert.equal((await insertShotVersion(prod, { shot: 'sh010', folder: 'renders/sh010/z', modelVersion: model }, 99))?.number, 99);
    await assert.rejects(createShotVersion(prod, { shot: 'sh010', folder: 'renders/sh010/a', modelVersion: model }), /shot sh010 already has a version \(v1\) of model #\d+ in renders\/sh010\/a/);
    await assert.rejects(createShotVersion(prod, { shot: 'sh010', folder: 'x', modelVersion: model, quality: 'ultra' }), /quality is preview or final, got ultra/);
    await assert.rejects(createShotVersion(prod, { shot: '', folder: 'x', modelVersion: model }), /needs its shot's name/);
    await assert.rejects(insertShotVersion(prod, { shot: 'sh010', folder: 'x', modelVersion: model }, 0), /number is a positive integer, got 0/);
  });

  test('renders claiming versions at once on two connections get distinct numbers and folders named from them', async (t) => {
    const dir = tempDir(t);
    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    const { model } = await build(prod);
    // SQLite: one connection per process (other processes: test/render/version-dir); PostgreSQL: two.
    const other = w.dialect === 'postgres' ? await openProduction(prod.dir) : prod;
    if (other !== prod) t.after(() => other.close());
    mkdirSync(join(prod.dir, 'renders', 'sh010', 'v1-final'), { recursive: true });
    await createShotVersion(prod, { shot: 'sh010', folder: 'renders/sh010/v1-final', modelVersion: model }); // an upgraded production's v1
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claimShotVersion(i % 2 ? other : prod, 'sh010', { modelVersion: model, quality: 'final' })));
    assert.deepEqual(claims.map((c) => c.number).sort((x, y) => x - y), [2, 3, 4, 5, 6, 7, 8, 9]);
    for (const c of claims) assert.equal(basename(c.folder), `v00${c.number}`);
  });

  test('frames point at the version claimed for their folder, else at one made for it', async (t) => {
    const dir = tempDir(t);
    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    const { model, model2, rough, frames } = await build(prod);
    const claimed = await createShotVersion(prod, { shot: 'sh010', folder: 'renders/sh010/v001', modelVersion: model, quality: 'final' });
    assert.deepEqual(await versionIds(prod, await frames('sh010', 'v001', model)), [claimed.id, claimed.id]);
    // An --output folder no render claimed: one version for it, and the next frames join it.
    const first = await frames('sh010', 'out', model, {}, [1]);
    const more = await frames('sh010', 'out', model, {}, [2]);
    const [made] = await versionIds(prod, first);
    assert.deepEqual(await versionIds(prod, more), [made]);
    const v = (await getShotVersionRecord(prod, made!))!;
    assert.deepEqual([v.number, v.quality, v.folder], [2, 'preview', join(prod.dir, 'renders', 'sh010', 'out')]);
    // Another model in the same folder is another version; a still is no frame of a shot.
    const [other] = await versionIds(prod, await frames('sh010', 'out', model2, {}, [1]));
    assert.equal((await getShotVersionRecord(prod, other!))!.number, 3);
    const still = await writeImage(join(prod.dir, 'stills', 'a.png'), 7);
    assert.deepEqual(await versionIds(prod, [await prod.recordRenderedFrame({ path: still, modelVersion: model, inputHashes: { rough }, params: { command: 'stylize' } })]), [null]);
    // A refine written by an older writer names its source: the version made for it says so.
    const [refine] = await versionIds(prod, await frames('sh010', 'old-refine', model, { refine: 4, from_version: claimed.id }, [1]));
    const r = (await getShotVersionRecord(prod, refine!))!;
    assert.deepEqual([r.refineOf, r.refineRequest, r.quality], [claimed.id, 4, 'final']);
  });

  test('the upgrade makes versions of older frame records as the dailies grouped them, with the same ids', async (t) => {
    const dir = tempDir(t);
    let prod = await w.init(join(dir, 'prod'));
    const { model, model2, frames } = await build(prod);
    // Records as an atelier before 0005 wrote them: folders named v1, v1-final, v1-refine…
    const v1 = await frames('sh010', 'v1', model);
    const fin = await frames('sh010', 'v1-final', model, { quality: 'final' });
    const other = await frames('sh020', 'v1', model);
    const refine = await frames('sh010', 'v1-refine3-20261125T153000Z', model, { refine: 3, from_version: fin[0] });
    const two = await frames('sh010', 'v1', model2, {}, [1]);
    const again = await frames('sh010', 'v1', model, {}, [2]); // a re-rendered frame joins its version
    const db = prod.db.withoutPlugins();
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrationsFor(prod.dialect, prod.dir) } });
    const down = await migrator.migrateTo('0004_production_relative_paths');
    assert.equal(down.error, undefined, String(down.error));
    await prod.close();

    prod = await openProduction(join(dir, 'prod')); // the upgrade
    t.after(() => prod.close());
    const sh010 = await listShotVersionRecords(prod, 'sh010');
    assert.deepEqual(sh010.map((v) => [v.id, v.number, v.folder.slice(prod.dir.length + 1), v.modelVersion, v.quality, v.refineOf, v.refineRequest]), [
      [v1[0], 1, 'renders/sh010/v1', model, 'preview', null, null],
      [fin[0], 2, 'renders/sh010/v1-final', model, 'final', null, null],
      [refine[0], 3, 'renders/sh010/v1-refine3-20261125T153000Z', model, 'final', fin[0], 3],
      [two[0], 4, 'renders/sh010/v1', model2, 'preview', null, null],
    ]);
    assert.deepEqual((await listShotVersionRecords(prod, 'sh020')).map((v) => [v.id, v.number]), [[other[0], 1]]);
    assert.deepEqual(await versionIds(prod, [...v1, ...again]), [v1[0], v1[0], v1[0]]);
    assert.deepEqual(await versionIds(prod, refine), [refine[0], refine[0]]);
    // New versions come after: the next number, an id no older version has.
    const next = await createShotVersion(prod, { shot: 'sh010', folder: 'renders/sh010/v005', modelVersion: model });
    assert.equal(next.number, 5);
    assert.ok(next.id > Math.max(...sh010.map((v) => v.id), other[0]!), `id ${next.id}`);
  });
});
