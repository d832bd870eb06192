// Version folders: each new render claims its own version, record and folder vNNN named from its
// number, even when renders start at once in other processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import { initProduction, listShotVersionRecords, createDataset, addShot } from '../../src/store/index.js';
import { claimShotVersion, releaseIfEmpty, renderVersionId, versionFolderName } from '../../src/render/version-dir.js';
import { writeImage } from '../store/helpers.js';

async function production(t: { after: (fn: () => void | Promise<void>) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-vdir-'));
  const prod = await initProduction(join(dir, 'prod'));
  t.after(async () => { await prod.close(); rmSync(dir, { recursive: true, force: true }); });
  return prod;
}

test('versionFolderName: v001 … v999, then v1000', () => {
  assert.deepEqual([1, 42, 999, 1000].map(versionFolderName), ['v001', 'v042', 'v999', 'v1000']);
});

test('claimShotVersion: the next number past every record and vNNN folder, its folder named from it', async (t) => {
  const prod = await production(t);
  const a = await claimShotVersion(prod, 'sh1', { modelVersion: null });
  assert.deepEqual([a.number, basename(a.folder)], [1, 'v001']);
  assert.ok(existsSync(join(prod.dir, 'renders', 'sh1', 'v001')), 'claimed by creating it');
  assert.equal(basename((await claimShotVersion(prod, 'sh1', { modelVersion: null })).folder), 'v002', 'an empty claimed folder is taken');
  mkdirSync(join(prod.dir, 'renders', 'sh1', 'v010')); // a folder no version records (an older render)
  mkdirSync(join(prod.dir, 'renders', 'sh1', 'v011-refine'));
  const c = await claimShotVersion(prod, 'sh1', { modelVersion: null, quality: 'final' });
  assert.deepEqual([c.number, basename(c.folder), c.quality], [11, 'v011', 'final']);
  await assert.rejects(claimShotVersion(prod, 'sh1', { modelVersion: null, quality: 'best' }), /quality is preview or final, got best/);
  assert.deepEqual((await listShotVersionRecords(prod, 'sh1')).map((v) => v.number), [1, 2, 11], 'a refused claim leaves nothing');
  assert.ok(!existsSync(join(prod.dir, 'renders', 'sh1', 'v012')));

  // Eight threads, each with its own connection, claiming at once get eight versions, names agreeing.
  const url = new URL('../../src/render/version-dir.js', import.meta.url).href;
  const store = new URL('../../src/store/index.js', import.meta.url).href;
  const claims = await Promise.all(Array.from({ length: 8 }, () => new Promise<string>((res, rej) => {
    const w = new Worker(`Promise.all([import(${JSON.stringify(url)}), import(${JSON.stringify(store)})]).then(async ([v, s]) => {
      const prod = await s.openProduction(${JSON.stringify(prod.dir)});
      const c = await v.claimShotVersion(prod, 'sh2', { modelVersion: null });
      await prod.close();
      require('node:worker_threads').parentPort.postMessage(c.number + ' ' + require('node:path').basename(c.folder));
    })`, { eval: true });
    w.once('message', (m: string) => { res(m); void w.terminate(); });
    w.once('error', rej);
  })));
  assert.equal(new Set(claims).size, 8, `distinct: ${claims.join(', ')}`);
  for (const c of claims) { const [n, folder] = c.split(' '); assert.equal(folder, versionFolderName(Number(n))); }
  assert.deepEqual((await listShotVersionRecords(prod, 'sh2')).map((v) => v.number), [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('a version given back before its first frame is forgotten; its number is claimed again', async (t) => {
  const prod = await production(t);
  const a = await claimShotVersion(prod, 'sh1', { modelVersion: null });
  const b = await claimShotVersion(prod, 'sh1', { modelVersion: null });
  writeFileSync(join(a.folder, 'sh1.0000.png'), 'x');
  releaseIfEmpty(a.folder);
  releaseIfEmpty(b.folder);
  assert.ok(existsSync(join(a.folder, 'sh1.0000.png')) && !existsSync(b.folder));
  const c = await claimShotVersion(prod, 'sh1', { modelVersion: null });
  assert.deepEqual([c.number, basename(c.folder)], [2, 'v002']);
  assert.deepEqual((await listShotVersionRecords(prod, 'sh1')).map((v) => v.id), [a.id, c.id]);
});

test('renderVersionId: the version of a folder once it has a recorded frame', async (t) => {
  const prod = await production(t);
  await writeImage(join(prod.dir, 'plates', 'sh1.0001.png'), 1);
  await addShot(prod, 'sh1', join(prod.dir, 'plates', 'sh1.####.png'), { fps: 24, meta: { cleared: true } });
  await createDataset(prod, 'd', { kinds: ['rough_frame'] });
  const model = await prod.registerModelVersion({ kind: 'look', datasetId: 'd', config: {}, seed: 1 });
  const v = await claimShotVersion(prod, 'sh1', { modelVersion: model });
  assert.equal(await renderVersionId(prod, 'sh1', v.folder, model), null);
  const path = join(v.folder, 'sh1.0001.png');
  writeFileSync(path, 'frame');
  const hash = (await prod.shot('sh1')).frames[0]!.rough!.hash;
  await prod.recordRenderedFrame({ path, modelVersion: model, inputHashes: { rough: hash }, params: { shot: 'sh1', frame: 1 } });
  assert.equal(await renderVersionId(prod, 'sh1', 'renders/sh1/v001', model), v.id);
});
