// Shot, pass and dataset names become folder and file names: a 250-character shot name was
// accepted, and every render of it then failed with ENAMETOOLONG (a dataset's training run too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { addShot, createDataset, listShots } from '../../src/store/index.js';
import { checkName, NAME_MAX, NAME_PATTERN } from '../../src/store/names.js';
import { tempDir, writeImage } from './helpers.js';
import { forEachDialect } from './dialects.js';

test('a name is letters, digits, _ . - and at most NAME_MAX characters; the server schema is the same rule', () => {
  assert.doesNotThrow(() => checkName('shot', 'a'.repeat(NAME_MAX)));
  assert.throws(() => checkName('shot', 'a'.repeat(NAME_MAX + 1)), new RegExp(`^Error: shot name "a{24}…" is ${NAME_MAX + 1} characters; at most ${NAME_MAX}$`));
  assert.throws(() => checkName('dataset', '../x'), /dataset name "\.\.\/x" must be letters, digits, _ \. or -/);
  const re = new RegExp(NAME_PATTERN);
  assert.ok(re.test('a'.repeat(NAME_MAX)) && !re.test('a'.repeat(NAME_MAX + 1)));
});

forEachDialect((w) => {
  test('shot add and dataset create refuse an over-long name before storing anything', async (t) => {
    const dir = tempDir(t);
    const prod = await w.init(join(dir, 'p'));
    t.after(() => prod.close());
    await writeImage(join(dir, 'r.0001.png'), 1);
    const long = 'y'.repeat(250);
    await assert.rejects(addShot(prod, long, join(dir, 'r.####.png'), { fps: 24 }), /shot name "y+…" is 250 characters; at most 128/);
    assert.deepEqual(await listShots(prod), []);
    await assert.rejects(createDataset(prod, 'z'.repeat(300), { pairIds: [] }), /dataset name "z+…" is 300 characters; at most 128/);
  });
});
