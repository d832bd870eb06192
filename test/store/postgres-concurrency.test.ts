// Two machines, one workspace: each has its own production folder, both point at the same
// PostgreSQL database and the same content store (the studio's NAS; here a shared temp folder).
// They initialize at once (the migration lock makes them take turns) and ingest overlapping files
// at once: every file is recorded once, every blob is whole, nothing is left behind.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, readdirSync, renameSync, utimesSync, existsSync } from 'node:fs';
import { openProduction, initProduction, ingestFiles, listAssets, verifyProduction, collectGarbage, MARKER } from '../../src/store/index.js';
import { tempDir, writeImage, BIN } from './helpers.js';
import { DIALECTS, TestWorkspace } from './dialects.js';
import { PostgresServer } from './postgres-server.js';
import { migrateServer } from '../../src/server/db.js';

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('postgres: two machines on one workspace', { skip: !DIALECTS.includes('postgres') && 'ATELIER_TEST_DIALECTS leaves out postgres' }, () => {
  const w = new TestWorkspace('postgres');
  before(async () => { w.server = await PostgresServer.start(); });
  after(() => { w.server?.destroySync(); w.server = null; });

  test('concurrent init and concurrent ingest of overlapping files: no duplicate rows, no corrupted files', async (t) => {
    const dir = tempDir(t);
    const N = 24;
    const files: string[] = [];
    for (let i = 0; i < N; i++) files.push(await writeImage(join(dir, 'in', `f${String(i).padStart(2, '0')}.png`), 900 + i, i % 2 ? 'png' : 'png16', 256, 192));
    const nas = join(dir, 'nas', 'store');
    const dbArgs = await w.initArgs(); // --db-env VAR, the URL in this process's environment
    const [a, b] = await Promise.all([
      run(['init', join(dir, 'machine-a'), '--store', nas, '--owner', 'Studio North', '--json', ...dbArgs]),
      run(['init', join(dir, 'machine-b'), '--store', nas, '--owner', 'Studio North', '--json', ...dbArgs]),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const ja = JSON.parse(a.stdout), jb = JSON.parse(b.stdout);
    assert.equal(ja.store, nas);
    assert.equal(jb.store, nas);
    assert.equal(ja.settings.defaultOwner, 'Studio North');
    const config = JSON.parse(readFileSync(join(dir, 'machine-a', MARKER), 'utf8'));
    assert.equal(config.store, nas, 'an absolute --store is recorded as given');

    // The two machines add the same files at once, in opposite orders, so that they collide.
    const [ra, rb] = await Promise.all([
      run(['add', ...files, '--kind', 'rough_frame', '--tag', 'from-a', '--production', join(dir, 'machine-a'), '--json']),
      run(['add', ...[...files].reverse(), '--kind', 'rough_frame', '--production', join(dir, 'machine-b'), '--json']),
    ]);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rb.code, 0, rb.stderr);
    const sa = JSON.parse(ra.stdout).summary, sb = JSON.parse(rb.stdout).summary;
    t.diagnostic(`machine a: ${JSON.stringify(sa)}; machine b: ${JSON.stringify(sb)}`);
    assert.equal(sa.added + sa.duplicates, N);
    assert.equal(sb.added + sb.duplicates, N);
    assert.equal(sa.added + sb.added, N, 'each file was added by exactly one machine');
    assert.equal(sa.rejected + sb.rejected, 0);

    for (const machine of ['machine-a', 'machine-b']) {
      const prod = await openProduction(join(dir, machine));
      try {
        assert.equal(prod.store.root, nas);
        const assets = await listAssets(prod);
        assert.equal(assets.length, N);
        assert.equal(new Set(assets.map((x) => x.hash)).size, N, 'no duplicate rows');
        const report = await verifyProduction(prod, { deep: true }); // every blob re-hashed
        assert.deepEqual(report.problems, []);
        assert.equal(report.orphanBlobs.length, 0);
        assert.deepEqual(report.tempFiles, []);
        assert.equal(report.counts.blobs, N);
        // Tags went in the same transaction as the row: machine a's rows carry its tag, b's none.
        assert.equal(assets.filter((x) => x.tags.includes('from-a')).length, sa.added);
      } finally { await prod.close(); }
    }
    const stored = readdirSync(join(nas, 'sha256'), { recursive: true }).map(String).filter((p) => !p.endsWith('.tmp') && p.includes('/'));
    assert.equal(stored.length, N);
  });

  test('the server\'s own tables: two servers migrating at once take turns; ids and counts come back as numbers', async (t) => {
    const dir = tempDir(t);
    const first = await w.init(join(dir, 'prod'));
    const second = await openProduction(join(dir, 'prod'));
    t.after(async () => { await first.close(); await second.close(); });
    const [db1, db2] = await Promise.all([migrateServer(first), migrateServer(second)]);
    // Each server migration applied once, however many there are.
    const applied = (await db1.selectFrom('atelier_server_migration' as never).selectAll().execute()) as { name: string }[];
    const names = applied.map((r) => r.name);
    assert.ok(names.length >= 1);
    assert.equal(new Set(names).size, names.length, `applied twice: ${names.join(', ')}`);
    const now = new Date().toISOString();
    const row = await db1.insertInto('server_tokens').values({ name: 'ana', role: 'supervisor', token_hash: 'h1', created_at: now, revoked_at: null }).returning('id').executeTakeFirstOrThrow();
    assert.equal(typeof row.id, 'number');
    await assert.rejects(db2.insertInto('server_tokens').values({ name: 'bob', role: 'viewer', token_hash: 'h1', created_at: now, revoked_at: null }).execute(), /unique/i);
    const { n } = await db2.selectFrom('server_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(n, 1);
  });

  test('gc on one machine while another records the same bytes: the blob being recorded is never deleted', async (t) => {
    const dir = tempDir(t);
    const a = await w.init(join(dir, 'prod'));
    const b = await openProduction(join(dir, 'prod'));
    t.after(async () => { await a.close(); await b.close(); });
    // An orphan blob (a killed ingest left it), old enough for gc.
    const { hash, path } = a.store.putBytes(readFileSync(await writeImage(join(dir, 'x.png'), 77)));
    utimesSync(path, new Date(Date.now() - 3600e3), new Date(Date.now() - 3600e3));
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let inserted!: () => void;
    const insertedP = new Promise<void>((r) => { inserted = r; });
    const now = new Date().toISOString();
    // Machine b re-ingests those bytes: its row is inserted, not yet committed.
    const writer = b.transaction(async (trx) => {
      await trx.insertInto('assets').values({ hash, kind: 'concept_art', original_name: 'x.png', source_path: '/x.png', format: 'png', width: 96, height: 64, channels: 3, bit_depth: 8, bytes: 1, phash: null, near_duplicate_of: null, near_duplicate_distance: null, location: null, owner: null, licence: null, source: null, cleared_for_training: 0, created_at: now, updated_at: now }).execute();
      inserted();
      await gate;
      b.store.putBytes(readFileSync(join(dir, 'x.png')), hash);
    });
    await insertedP;
    let gcDone = false;
    const gc = collectGarbage(a, { minAgeSeconds: 60 }).then((r) => { gcDone = true; return r; });
    await new Promise((r) => setTimeout(r, 700));
    const waited = !gcDone;
    release();
    await writer;
    assert.ok(waited, 'gc waits for the writer holding the lock');
    const report = await gc;
    assert.deepEqual(report.removedBlobs, []);
    assert.ok(existsSync(path), 'the recorded blob is still there');
    assert.deepEqual((await verifyProduction(a, { deep: true })).problems, []);
  });

  test('over the unix socket: the same workspace, described by its socket', async (t) => {
    const dir = tempDir(t);
    const url = w.pg.socketUrl(await w.pg.createDatabase());
    const prod = await initProduction(join(dir, 'prod'), { databaseUrl: url });
    t.after(() => prod.close());
    assert.match(prod.databaseLabel, /^PostgreSQL database "t_\d+_\d+" on socket \/.*\/\.s\.PGSQL\.\d+ as atelier$/);
    const [r] = await ingestFiles(prod, [await writeImage(join(dir, 'a.png'), 5)], { kind: 'concept_art' });
    assert.equal(r.status, 'added');
  });

  test('a relative --store is taken from the current folder and recorded relative to the production', async (t) => {
    const dir = tempDir(t);
    const dbArgs = await w.initArgs();
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'init', 'prod', '--store', 'shared/store', ...dbArgs], { cwd: dir, env: process.env });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    assert.equal(r.code, 0, r.stderr);
    const config = JSON.parse(readFileSync(join(dir, 'prod', MARKER), 'utf8'));
    assert.equal(config.store, join('..', 'shared', 'store'));
    const prod = await openProduction(join(dir, 'prod'));
    assert.equal(prod.store.root, join(dir, 'shared', 'store'));
    await prod.close();
    // The NAS is not mounted: refused at open, naming the store, rather than writing elsewhere.
    renameSync(join(dir, 'shared'), join(dir, 'unmounted'));
    await assert.rejects(openProduction(join(dir, 'prod')), /content store of .* is not reachable: .*shared\/store has no sha256\/ folder \(is the shared store mounted\?\)/);
  });
});
