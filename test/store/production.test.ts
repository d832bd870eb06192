import { migrationsFor } from '../../src/store/migrations.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { initProduction, openProduction, MARKER, parseKind, hammingDistance, phashFromGrey32 } from '../../src/store/index.js';
import { tempDir, writeImage, atelier } from './helpers.js';
import { forEachDialect } from './dialects.js';

forEachDialect((w) => {
  test('init creates database, store and marker; commands find the production from a subfolder', async (t) => {
    const dir = tempDir(t);
    const prodDir = join(dir, 'ep01');
    const init = atelier(['init', prodDir, '--name', 'Episode 1', '--owner', 'Studio North', '--json', ...await w.initArgs()]);
    assert.equal(init.status, 0, init.stderr);
    const j = init.json();
    assert.equal(j.settings.name, 'Episode 1');
    assert.equal(j.settings.defaultClearedForTraining, false);
    if (w.dialect === 'sqlite') {
      assert.deepEqual(j.database, { dialect: 'sqlite', file: 'atelier.db' });
      for (const p of [MARKER, 'atelier.db', 'store/sha256']) assert.ok(existsSync(join(prodDir, p)), p);
    } else {
      assert.equal(j.database.dialect, 'postgres');
      assert.match(j.database.urlEnv, /^ATELIER_TEST_DB_/);
      assert.equal(j.joined, false);
      const config = readFileSync(join(prodDir, MARKER), 'utf8');
      assert.ok(!config.includes('postgres://'), 'with --db-env the config holds no connection string');
      for (const p of [MARKER, 'store/sha256']) assert.ok(existsSync(join(prodDir, p)), p);
      assert.ok(!existsSync(join(prodDir, 'atelier.db')));
    }
    assert.equal(atelier(['init', prodDir]).status, 1, 'init twice is refused');

    const sub = join(prodDir, 'work', 'deep');
    mkdirSync(sub, { recursive: true });
    const ls = atelier(['ls', '--json'], { cwd: sub });
    assert.equal(ls.status, 0, ls.stderr);
    assert.deepEqual(ls.json(), []);
    const outside = atelier(['ls'], { cwd: dir });
    assert.equal(outside.status, 1);
    assert.match(outside.stderr, /no atelier production here/);
    const wrong = atelier(['ls', '--production', dir, '--json']);
    assert.match(JSON.parse(wrong.stderr).error, /is not an atelier production/);

    const env = atelier(['config', 'default_owner', '--json'], { cwd: dir, env: { ATELIER_PRODUCTION: prodDir } });
    assert.deepEqual(env.json(), { default_owner: 'Studio North' });
    assert.equal(atelier(['config', 'default_cleared_for_training', 'true', '--production', prodDir]).status, 0);
    // A limit of 0 would reject every new file: refused, as `add --max-megapixels 0` is, and the setting kept.
    const zero = atelier(['config', 'max_megapixels', '0', '--production', prodDir]);
    assert.equal(zero.status, 1);
    assert.match(zero.stderr, /max_megapixels 0: expected a positive number/);
    assert.equal(atelier(['config', 'max_megapixels', '--json', '--production', prodDir]).json().max_megapixels, 100);
    assert.equal(atelier(['config', 'near_duplicate_distance', '0', '--production', prodDir]).status, 0, 'exact look-alikes only');
    await writeImage(join(dir, 'a.png'), 1);
    atelier(['add', join(dir, 'a.png'), '--kind', 'concept', '--production', prodDir]);
    const shown = atelier(['show', join(dir, 'a.png'), '--json', '--production', prodDir]).json();
    assert.equal(shown.type, 'asset');
    assert.equal(shown.rights.clearedForTraining, true, 'the changed default applies');
    assert.equal(shown.rights.owner, 'Studio North');
    const byId = atelier(['show', '#1', '--production', prodDir]);
    assert.match(byId.stdout, /asset #1 a\.png \(concept_art\)/);
    const set = atelier(['set', '#1', '--no-cleared', '--licence', 'unclear', '--production', prodDir, '--json']).json();
    assert.deepEqual(set[0].rights, { owner: 'Studio North', licence: 'unclear', source: null, clearedForTraining: false });
    assert.equal(atelier(['ls', '--not-cleared', '--json', '--production', prodDir]).json().length, 1);
  });

  test('opening runs pending migrations once and keeps data; the database enforces foreign keys', async (t) => {
    const dir = tempDir(t);
    const p1 = await w.init(join(dir, 'p'));
    await p1.close();
    const p2 = await openProduction(join(dir, 'p'));
    t.after(() => p2.close());
    const migrations = await p2.db.selectFrom('kysely_migration' as never).selectAll().execute();
    assert.equal(migrations.length, Object.keys(migrationsFor(w.dialect)).length);
    assert.equal(JSON.parse(readFileSync(join(dir, 'p', MARKER), 'utf8')).format, 1);
    if (w.dialect === 'sqlite') {
      const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(p2.db);
      assert.equal(mode.rows[0].journal_mode, 'wal');
    }
    await assert.rejects(p2.db.insertInto('shot_frames').values({ shot_id: 99, frame: 1, asset_id: 99 }).execute(), /FOREIGN KEY|foreign key constraint/);
    // Types round-trip the same on both dialects: ids and counts as numbers, fps as a double.
    await p2.db.insertInto('shots').values({ name: 'x', source_kind: 'sequence', source: 's', source_hash: null, frame_start: 1, frame_end: 2, fps: 23.976, width: null, height: null, created_at: 'c', updated_at: 'u' }).execute();
    const shot = await p2.db.selectFrom('shots').selectAll().executeTakeFirstOrThrow();
    assert.equal(shot.fps, 23.976);
    assert.equal(typeof shot.id, 'number');
    const { n } = await p2.db.selectFrom('shots').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(n, 1);
  });
});

test('help explains commands and options', () => {
  const add = atelier(['add', '--help']);
  assert.equal(add.status, 0);
  for (const s of ['--kind', 'concept_art', '--cleared', '--no-cleared', '--owner', '--licence', '--production', '--json', 'Exit status']) assert.ok(add.stdout.includes(s), s);
  const ds = atelier(['dataset', 'create', '--help']);
  assert.match(ds.stdout, /--only-cleared/);
  assert.match(atelier(['lineage', '--help']).stdout, /training assets and their rights/);
});

test('kinds and perceptual hashes', () => {
  assert.equal(parseKind('Concept Art'), 'concept_art');
  assert.equal(parseKind('render-pass'), 'render_pass');
  assert.throws(() => parseKind('sketch'), /kinds are/);
  const pattern = (a: number, b: number) => Array.from({ length: 1024 }, (_, i) => 128 + 60 * Math.sin((i % 32) / a) * Math.cos(Math.floor(i / 32) / b));
  const p1 = phashFromGrey32(pattern(3, 5));
  assert.match(p1, /^[0-9a-f]{16}$/);
  assert.equal(hammingDistance(p1, phashFromGrey32(pattern(3, 5).map((v) => v * 0.9 + 10))), 0, 'brightness and contrast do not change the hash');
  assert.ok(hammingDistance(p1, phashFromGrey32(pattern(2, 7))) > 10);
});

// A read-only mount needs mount rights (root in a container may have them); elsewhere this is skipped.
const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
test('a production on a read-only mount: opening it says the folder cannot be written, not that a migration failed', { skip: !canMount && 'needs root to bind-mount read-only' }, async (t) => {
  const dir = tempDir(t);
  const prod = await initProduction(join(dir, 'prod'));
  await prod.close();
  const ro = join(dir, 'ro');
  mkdirSync(ro);
  const bind = spawnSync('mount', ['--bind', join(dir, 'prod'), ro]);
  if (bind.status !== 0) return t.skip(`mount --bind refused: ${bind.stderr}`);
  try { // unmounted before the temporary folder is removed
    if (spawnSync('mount', ['-o', 'remount,bind,ro', ro]).status !== 0) return t.skip('remount read-only refused');
    await assert.rejects(openProduction(ro), /^Error: cannot open the production's database: unable to open database file \(the production's folder or disk cannot be written by this user/);
    const r = atelier(['ls', 'shots', '--production', ro]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot open the production's database: .*cannot be written by this user/);
    assert.doesNotMatch(r.stderr, /migration failed/);
  } finally { spawnSync('umount', [ro]); }
});
