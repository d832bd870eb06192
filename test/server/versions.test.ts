// Shot versions as the store records them: a shot named with LIKE's own characters (sq010_sh020)
// finds its versions and only its; a claimed version is listed under its number, folder and quality
// once it has a frame, and a refine names its source.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { makeFixture, framePng } from './fixture.js';
import { getShotVersion, listShotVersions } from '../../src/server/versions.js';
import { claimShotVersion } from '../../src/render/version-dir.js';

const fx = await makeFixture();
after(async () => { await fx.prod.close(); rmSync(dirname(fx.dir), { recursive: true, force: true }); });

test('a shot named with _ or % finds its own versions, not a look-alike\'s', async () => {
  const model = (await fx.prod.db.selectFrom('model_versions').select('id').executeTakeFirstOrThrow()).id;
  const hash = (await fx.prod.shot('sh010')).frames[0]!.rough!.hash;
  for (const shot of ['sq010_sh020', 'sq010Xsh020', 'a%b']) {
    const out = join(fx.dir, 'renders', shot, 'v1');
    mkdirSync(out, { recursive: true });
    for (const frame of [1, 2]) {
      const path = join(out, `${shot}.${String(frame).padStart(4, '0')}.png`);
      writeFileSync(path, await framePng(frame, [10, 20, 30]));
      await fx.prod.recordRenderedFrame({ path, modelVersion: model, inputHashes: { rough: hash }, params: { shot, frame } });
    }
  }
  for (const shot of ['sq010_sh020', 'sq010Xsh020', 'a%b']) {
    const v = await listShotVersions(fx.prod, shot);
    assert.equal(v.length, 1, `${shot}: ${v.length} versions`);
    assert.deepEqual(v[0]!.frames.map((f) => f.frame), [1, 2]);
    assert.equal(v[0]!.dir, join('renders', shot, 'v1'));
  }
  assert.equal((await listShotVersions(fx.prod, 'sq010')).length, 0);
});

test('claimed versions are listed by number with their folder and quality; a refine names its source', async () => {
  const model = (await fx.prod.db.selectFrom('model_versions').select('id').executeTakeFirstOrThrow()).id;
  const shot = await fx.prod.shot('sh010');
  const before = await listShotVersions(fx.prod, 'sh010');
  const record = async (folder: string, frames: number[]) => {
    for (const frame of frames) {
      const path = join(folder, `sh010.${String(frame).padStart(4, '0')}.png`);
      writeFileSync(path, await framePng(frame, [0, 90, 0]));
      await fx.prod.recordRenderedFrame({ path, modelVersion: model, inputHashes: { rough: shot.frames[frame - 1]!.rough!.hash }, params: { shot: 'sh010', frame } });
    }
  };
  const fin = await claimShotVersion(fx.prod, 'sh010', { modelVersion: model, quality: 'final' });
  const empty = await claimShotVersion(fx.prod, 'sh010', { modelVersion: model });
  await record(fin.folder, [2, 1]);
  const refine = await claimShotVersion(fx.prod, 'sh010', { modelVersion: model, quality: 'final', refineOf: fin.id, refineRequest: 7 });
  await record(refine.folder, [1]);
  const after = await listShotVersions(fx.prod, 'sh010');
  assert.deepEqual(after.slice(0, before.length), before, 'older versions unchanged');
  const added = after.slice(before.length);
  assert.deepEqual(added.map((v) => [v.id, v.number, v.folder, v.dir, v.quality, v.refine]), [
    [fin.id, fin.number, `v00${fin.number}`, join('renders', 'sh010', `v00${fin.number}`), 'final', null],
    [refine.id, fin.number + 2, `v00${fin.number + 2}`, join('renders', 'sh010', `v00${fin.number + 2}`), 'final', { requestId: 7, fromVersion: fin.id }],
  ], 'the version with no frame yet is not listed');
  assert.deepEqual(added[0]!.frames.map((f) => f.frame), [1, 2]);
  assert.equal(await getShotVersion(fx.prod, 'sh010', empty.id), null);
  assert.equal((await getShotVersion(fx.prod, 'sh010', refine.id))?.number, fin.number + 2);
  assert.equal(await getShotVersion(fx.prod, 'sq010_sh020', refine.id), null, 'another shot\'s version is not this shot\'s');
});
