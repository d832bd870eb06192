// A shared workspace on PostgreSQL when the database goes away: at open, inside a transaction, and
// in the middle of a real `atelier add`. Clear errors that name the database and never its
// password, retries where they are safe, nothing half-written, an intact workspace afterwards.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readdirSync, existsSync } from 'node:fs';
import { sql } from 'kysely';
import { openProduction, ingestFiles, listAssets, verifyProduction, DatabaseUnavailableError, MARKER, type Production } from '../../src/store/index.js';
import { tempDir, writeImage, atelier, BIN, checkIntact as check } from './helpers.js';
import { DIALECTS, TestWorkspace } from './dialects.js';
import { PostgresServer, PG_PASSWORD } from './postgres-server.js';


function withRetryBudget<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const before = process.env.ATELIER_DB_RETRY_MS;
  process.env.ATELIER_DB_RETRY_MS = String(ms);
  return fn().finally(() => { if (before === undefined) delete process.env.ATELIER_DB_RETRY_MS; else process.env.ATELIER_DB_RETRY_MS = before; });
}

describe('postgres faults', { skip: !DIALECTS.includes('postgres') && 'ATELIER_TEST_DIALECTS leaves out postgres' }, () => {
  const w = new TestWorkspace('postgres');
  before(async () => { w.server = await PostgresServer.start(); });
  after(() => { w.server?.destroySync(); w.server = null; });
  const pg = () => w.server!;

  test('unreachable at open: retried for the budget, then a clear error naming the database; data intact after restart', async (t) => {
    const dir = tempDir(t);
    const prodDir = join(dir, 'prod');
    const prod = await w.init(prodDir);
    await ingestFiles(prod, [await writeImage(join(dir, 'a.png'), 1)], { kind: 'concept_art' });
    const dbName = new URL(prod.config.database.dialect === 'postgres' ? prod.config.database.url! : '').pathname.slice(1);
    await prod.close();
    pg().stopSync('fast');
    try {
      const t0 = Date.now();
      await assert.rejects(withRetryBudget(1500, () => openProduction(prodDir)), (err: unknown) => {
        assert.ok(err instanceof DatabaseUnavailableError, String(err));
        assert.match(err.message, new RegExp(`PostgreSQL database "${dbName}" on 127\\.0\\.0\\.1:${pg().port} as atelier is unreachable: .*ECONNREFUSED.*tried \\d+ times`));
        assert.ok(!err.message.includes(PG_PASSWORD), 'no password in the message');
        return true;
      });
      assert.ok(Date.now() - t0 >= 1000, 'it kept trying before giving up');
      const cli = atelier(['ls', '--production', prodDir, '--json'], { env: { ATELIER_DB_RETRY_MS: '300' } });
      assert.equal(cli.status, 1);
      const err = JSON.parse(cli.stderr);
      assert.equal(err.code, 'DATABASE_UNAVAILABLE');
      assert.match(err.error, /PostgreSQL database ".*" on 127\.0\.0\.1:\d+ as atelier is unreachable/);
      assert.ok(!cli.stderr.includes(PG_PASSWORD));
    } finally { pg().startSync(); }
    const { assets } = await check(prodDir);
    assert.equal(assets.length, 1);
  });

  test('init: a missing database or a wrong password fails at once with the reason, no marker written, no password shown', async (t) => {
    const dir = tempDir(t);
    const missing = pg().url('no_such_db');
    const r1 = atelier(['init', join(dir, 'p1'), '--db', missing, '--json']);
    assert.equal(r1.status, 1);
    const e1 = JSON.parse(r1.stderr.split('\n').filter((l) => l.startsWith('{')).pop()!);
    assert.equal(e1.code, 'DATABASE_UNAVAILABLE');
    assert.match(e1.error, /cannot open the PostgreSQL database "no_such_db" on 127\.0\.0\.1:\d+ as atelier: database "no_such_db" does not exist/);
    assert.match(r1.stderr, /note: the database password is stored in the production config; use --db-env/);
    assert.ok(!existsSync(join(dir, 'p1', MARKER)));
    const wrong = pg().url(await pg().createDatabase()).replace(PG_PASSWORD, 'not-the-password');
    const t0 = Date.now();
    const r2 = atelier(['init', join(dir, 'p2'), '--db', wrong]);
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /atelier: cannot open the PostgreSQL database "t_\d+_\d+" on .* as atelier: password authentication failed for user "atelier"/);
    assert.ok(!r2.stderr.includes('not-the-password') && !r2.stderr.includes(PG_PASSWORD));
    assert.ok(Date.now() - t0 < 15_000, 'not retried: waiting would not fix it');
    const noEnv = atelier(['init', join(dir, 'p3'), '--db-env', 'ATELIER_TEST_UNSET_VAR']);
    assert.equal(noEnv.status, 1);
    assert.match(noEnv.stderr, /read from \$ATELIER_TEST_UNSET_VAR, which is not set/);
  });

  test('a server that comes back within the retry budget is waited for; the operation completes', async (t) => {
    const dir = tempDir(t);
    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    const files = [await writeImage(join(dir, 'a.png'), 1), await writeImage(join(dir, 'b.png'), 2)];
    await ingestFiles(prod, files.slice(0, 1), { kind: 'concept_art' });
    pg().stopSync('immediate'); // every pooled connection dies
    const restart = setTimeout(() => pg().startSync(), 800);
    try {
      const r = await withRetryBudget(20_000, () => ingestFiles(prod, files, { kind: 'concept_art' }));
      assert.deepEqual(r.map((x) => x.status), ['duplicate', 'added']);
    } finally { clearTimeout(restart); if (!(await reachable(prod))) pg().startSync(); }
    assert.equal((await listAssets(prod)).length, 2);
  });

  test('the server goes down during a read and stays down: the read is retried, then a clear error (the connection released once)', async (t) => {
    const dir = tempDir(t);
    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    const read = withRetryBudget(1200, () => prod.db.selectFrom('settings').select(sql<string>`pg_sleep(1)::text`.as('s')).execute());
    await new Promise((r) => setTimeout(r, 300));
    pg().stopSync('immediate');
    try {
      await assert.rejects(read, (err: unknown) => {
        assert.ok(err instanceof DatabaseUnavailableError, String(err));
        assert.match(err.message, /PostgreSQL database "t_\d+_\d+" on 127\.0\.0\.1:\d+ as atelier is unreachable/);
        return true;
      });
    } finally { pg().startSync(); }
    assert.ok((await prod.db.selectFrom('settings').select('key').execute()).length > 0, 'the same handle works again once the server is back');
  });

  test('a connection lost inside a transaction: rolled back and run again once; a lost write outside one is reported, not repeated', async (t) => {
    const dir = tempDir(t);
    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    let attempts = 0;
    const now = new Date().toISOString();
    await prod.transaction(async (trx) => {
      attempts++;
      await trx.insertInto('shots').values({ name: 'sh010', source_kind: 'sequence', source: 's', source_hash: null, frame_start: 1, frame_end: 2, fps: 24, width: null, height: null, created_at: now, updated_at: now }).execute();
      if (attempts === 1) await sql`SELECT pg_terminate_backend(pg_backend_pid())`.execute(trx); // the connection dies mid-transaction
    });
    assert.equal(attempts, 2);
    const shots = await prod.db.selectFrom('shots').select('name').execute();
    assert.deepEqual(shots.map((s) => s.name), ['sh010'], 'written exactly once');

    // Outside a transaction, a write whose connection dies is not repeated blindly.
    await assert.rejects(
      sql`INSERT INTO settings (key, value) SELECT 'probe', '1' FROM (SELECT pg_terminate_backend(pg_backend_pid())) AS x`.execute(prod.db),
      (err: unknown) => err instanceof DatabaseUnavailableError && /may or may not have been applied/.test(err.message) && !err.message.includes(PG_PASSWORD));
    // A read whose connection dies is simply run again on a fresh connection (the sequence is not
    // transactional, so only the first run kills its own connection).
    await sql`CREATE SEQUENCE kill_once`.execute(prod.db);
    const keys = await prod.db.selectFrom('settings').select('key')
      .where(sql<boolean>`(SELECT CASE WHEN nextval('kill_once') = 1 THEN pg_terminate_backend(pg_backend_pid()) ELSE true END)`).execute();
    assert.ok(keys.length > 0);
    assert.equal(Number((await sql<{ v: string }>`SELECT last_value AS v FROM kill_once`.execute(prod.db)).rows[0].v), 2, 'ran twice');
  });

  test('PostgreSQL stopped in the middle of `atelier add`: clear error, nothing half-written, intact and resumable after restart', async (t) => {
    const dir = tempDir(t);
    const N = 30;
    for (let i = 0; i < N; i++) await writeImage(join(dir, 'in', `f${String(i).padStart(2, '0')}.png`), 700 + i, 'png', 256, 192);
    const prodDir = join(dir, 'prod');
    const init = atelier(['init', prodDir, ...await w.initArgs()]);
    assert.equal(init.status, 0, init.stderr);
    const blobCount = () => { try { return readdirSync(join(prodDir, 'store', 'sha256'), { recursive: true }).length; } catch { return 0; } };
    const child = spawn(process.execPath, [BIN, 'add', join(dir, 'in'), '--kind', 'rough_frame', '--production', prodDir],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ATELIER_DB_RETRY_MS: '1500' } });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let running = true;
    void exited.then(() => { running = false; });
    while (running && blobCount() < 8) await new Promise((r) => setTimeout(r, 5));
    pg().stopSync('immediate');
    let code: number | null;
    try {
      code = await exited;
    } finally { pg().startSync(); }
    assert.equal(code, 1, `add should fail once the database is gone (stderr: ${stderr})`);
    assert.match(stderr, /atelier: (the |lost the connection to the )PostgreSQL database "[^"]+" on 127\.0\.0\.1:\d+ as atelier/);
    assert.doesNotMatch(stderr, /rejected/, 'files are not blamed for the database');
    assert.ok(!stderr.includes(PG_PASSWORD));

    const { assets, report } = await check(prodDir); // every recorded asset has its blob, intact
    assert.ok(assets.length > 0 && assets.length < N, `stopped midway (${assets.length} of ${N} recorded)`);
    for (const a of assets) assert.equal(a.width, 256);
    assert.ok(report.orphanBlobs.length <= 1, `at most the blob of the file in flight is unrecorded, got ${report.orphanBlobs.length}`);
    const rerun = atelier(['add', join(dir, 'in'), '--kind', 'rough_frame', '--production', prodDir, '--json']);
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.equal(rerun.json().summary.added + rerun.json().summary.duplicates, N);
    const done = await check(prodDir);
    assert.equal(done.assets.length, N);
    assert.equal(done.report.orphanBlobs.length, 0);
  });
});

async function reachable(prod: Production): Promise<boolean> {
  try { await withRetryBudget(0, () => sql`SELECT 1`.execute(prod.db)); return true; } catch { return false; }
}
