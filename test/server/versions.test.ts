// Shot versions are found by the shot name inside each rendered frame's params: names with LIKE's
// own characters (sq010_sh020) must find their renders, and only theirs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { makeFixture, framePng } from './fixture.js';
import { listShotVersions } from '../../src/server/versions.js';

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
