// A dailies server killed (SIGKILL) or shut down mid-job and started again on the same production:
// the jobs it had queued or running are listed failed (interrupted, saying why), a render's partial
// version says it is incomplete (frames written of frames expected), and refine requests it was
// running or had queued are held again, so that they can be started once more. On SQLite and on
// PostgreSQL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { buildServer, type AtelierServer } from '../../src/server/app.js';
import { addShot, createDataset, ingestFiles, initProduction, type Production } from '../../src/store/index.js';
import { migrateServer } from '../../src/server/db.js';
import { createToken } from '../../src/server/auth.js';
import { PostgresServer } from '../store/postgres-server.js';
import { makeFixture, framePng, W, H } from './fixture.js';

const jobsModule = new URL('./jobs-fixture.js', import.meta.url);
const child = new URL('./restart-child.js', import.meta.url);
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => { for (const f of cleanup.reverse()) await f(); });

interface Prod { dir: string; prod: Production; token: string; versionId: number }

async function sqliteProd(): Promise<Prod> {
  const fx = await makeFixture();
  cleanup.push(async () => { await fx.prod.close(); rmSync(dirname(fx.dir), { recursive: true, force: true }); });
  return { dir: fx.dir, prod: fx.prod, token: fx.tokens.supervisor, versionId: fx.versionId };
}

async function postgresProd(): Promise<Prod> {
  const pg = await PostgresServer.start();
  const root = mkdtempSync(join(tmpdir(), 'atelier-restart-pg-'));
  mkdirSync(join(root, 'src'));
  for (let f = 1; f <= 6; f++) writeFileSync(join(root, 'src', `r.${String(f).padStart(4, '0')}.png`), await framePng(f, [0, 0, 0]));
  const prod = await initProduction(join(root, 'production'), { name: 'pg restart', databaseUrl: pg.url(await pg.createDatabase()) });
  cleanup.push(async () => { await prod.close(); pg.destroySync(); rmSync(root, { recursive: true, force: true }); });
  await addShot(prod, 'sh010', join(root, 'src', 'r.####.png'), { fps: 24, meta: { cleared: true } });
  writeFileSync(join(root, 'src', 'concept.png'), await framePng(2, [80, 40, 0], 96, 64));
  await ingestFiles(prod, [join(root, 'src', 'concept.png')], { kind: 'concept_art', cleared: true });
  await createDataset(prod, 'd', { kinds: ['concept_art'], onlyCleared: true });
  const run = join(prod.dir, 'runs', 'm');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'model.safetensors'), 'not a model');
  const model = await prod.registerModelVersion({ kind: 'look', datasetId: 'd', config: {}, seed: 1, files: { 'model.safetensors': join(run, 'model.safetensors') }, metrics: {} });
  const out = join(prod.dir, 'renders', 'sh010', 'v001');
  mkdirSync(out, { recursive: true });
  let renderId = 0;
  for (const f of (await prod.shot('sh010')).frames) {
    const path = join(out, `sh010.${String(f.frame).padStart(4, '0')}.png`);
    writeFileSync(path, await framePng(f.frame, [0, 0, 150]));
    renderId = await prod.recordRenderedFrame({ path, modelVersion: model, inputHashes: { rough: f.rough!.hash }, params: { shot: 'sh010', frame: f.frame } });
  }
  const versionId = (await prod.db.selectFrom('renders').select('version_id').where('id', '=', renderId).executeTakeFirstOrThrow()).version_id!;
  const token = (await createToken(await migrateServer(prod), 'sue', 'supervisor')).token;
  return { dir: prod.dir, prod, token, versionId };
}

async function refineBody(p: Prod) {
  const raw = Buffer.alloc(W * H);
  raw.fill(255, 0, Math.floor(W * H / 2));
  const maskPng = (await sharp(raw, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer()).toString('base64');
  return { url: `/api/shots/sh010/versions/${p.versionId}/refine`, body: { frame: 2, frameStart: 1, frameEnd: 6, maskPng } };
}

/** Runs restart-child.js on the production until it is ready, then kills it (kill -9). */
async function killMidJob(p: Prod, what: 'render' | 'refine'): Promise<void> {
  const env = { ...process.env, ATELIER_TEST_TOKEN: p.token, ATELIER_TEST_REFINE: JSON.stringify(await refineBody(p)) };
  const c = spawn(process.execPath, [child.pathname, p.dir, what], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  c.stderr.on('data', (d: Buffer) => { err += d; });
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => { c.kill('SIGKILL'); fail(new Error(`the child server was not ready in time: ${err}`)); }, 60000);
    c.stdout.on('data', (d: Buffer) => { out += d; if (out.includes('ready')) { clearTimeout(timer); ok(); } });
    c.on('exit', (code) => { clearTimeout(timer); fail(new Error(`the child server exited (${code}) before the kill: ${err}`)); });
  });
  const gone = new Promise((ok) => c.on('exit', ok));
  c.kill('SIGKILL');
  await gone;
}

async function restart(p: Prod, refine = 'fakeRefineJob'): Promise<AtelierServer> {
  const srv = await buildServer({ production: p.prod, webDir: null, jobThreads: 1, extraJobs: { refine: { module: jobsModule, export: refine }, 'render-shot': { module: jobsModule, export: 'slowRenderJob' } } });
  cleanup.push(() => srv.close());
  return srv;
}

const call = (srv: AtelierServer, p: Prod, method: 'GET' | 'POST', url: string) => srv.app.inject({ method, url, headers: { authorization: `Bearer ${p.token}` } });

async function until<T>(f: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) { const v = await f(); if (v !== undefined) return v; await new Promise((ok) => setTimeout(ok, 50)); }
  return assert.fail(`timed out waiting for ${what}`);
}

async function renderKilled(p: Prod) {
  await killMidJob(p, 'render');
  const srv = await restart(p);
  const jobs = (await call(srv, p, 'GET', '/api/jobs')).json().jobs;
  assert.equal(jobs.length, 1, JSON.stringify(jobs));
  assert.equal(jobs[0].status, 'failed');
  assert.match(jobs[0].error, /^interrupted: the dailies server stopped while this job was running .*start it again/);
  const versions = (await call(srv, p, 'GET', '/api/shots/sh010')).json().versions;
  assert.equal(versions.length, 2);
  assert.equal(versions[0].status, 'complete', 'a version no dailies job wrote is complete');
  const partial = versions[1];
  assert.equal(partial.status, 'incomplete');
  assert.equal(partial.expectedFrames, 6);
  assert.ok(partial.frames >= 2 && partial.frames < 6, `${partial.frames} frames written`);
  const one = (await call(srv, p, 'GET', `/api/shots/sh010/versions/${partial.id}`)).json();
  assert.deepEqual([one.status, one.expectedFrames], ['incomplete', 6]);
  // Started again: the same version continues where it stopped; the frames written before are kept.
  const again = await call(srv, p, 'POST', `/api/jobs/${jobs[0].id}/again`);
  assert.equal(again.statusCode, 202, again.body);
  assert.match(again.json().title, /^render sh010 \(resumed in v002\)$/);
  await until(async () => ((await call(srv, p, 'GET', `/api/shots/sh010/versions/${partial.id}`)).json().status === 'rendering' || undefined), 'the resumed render to run');
  const twice = await call(srv, p, 'POST', `/api/jobs/${jobs[0].id}/again`);
  assert.equal(twice.statusCode, 409);
  assert.match(twice.json().error.message, new RegExp(`is already being started again, as job ${again.json().id}`));
  const done = await until(async () => {
    const v = (await call(srv, p, 'GET', `/api/shots/sh010/versions/${partial.id}`)).json();
    return v.status === 'complete' ? v : undefined;
  }, 'the resumed render to finish');
  assert.equal(done.frames.length, 6);
  assert.deepEqual(done.frames.slice(0, one.frames.length), one.frames, 'the frames written before the kill are kept, not rendered again');
  assert.equal((await call(srv, p, 'GET', '/api/shots/sh010')).json().versions.length, 2, 'no new version');
  const finished = await call(srv, p, 'POST', `/api/jobs/${again.json().id}/again`);
  assert.equal(finished.statusCode, 409);
  assert.match(finished.json().error.message, /is done: only a failed, cancelled or interrupted job is started again/);
}

async function refinesKilled(p: Prod) {
  await killMidJob(p, 'refine');
  const srv = await restart(p);
  const refines = (await call(srv, p, 'GET', '/api/refine-requests')).json().refines.sort((a: { id: number }, b: { id: number }) => a.id - b.id);
  assert.deepEqual(refines.map((r: { status: string }) => r.status), ['held', 'held', 'held'], JSON.stringify(refines));
  assert.match(refines[0].error, /^interrupted: the dailies server stopped while this job was running/);
  assert.match(refines[1].error, /^interrupted: the dailies server stopped while this job was queued/);
  const jobs = (await call(srv, p, 'GET', '/api/jobs')).json().jobs.filter((j: { kind: string }) => j.kind === 'refine');
  assert.deepEqual(jobs.map((j: { status: string }) => j.status), ['failed', 'failed', 'failed']);
  const again = await call(srv, p, 'POST', `/api/jobs/${jobs[0].id}/again`);
  assert.equal(again.statusCode, 409);
  assert.match(again.json().error.message, /a refine job is started again through its request/);
  // Held again: each starts as before and runs to a new version.
  for (const r of refines) {
    const s = await call(srv, p, 'POST', `/api/refine-requests/${r.id}/start`);
    assert.equal(s.statusCode, 200, s.body);
    assert.deepEqual([s.json().status, s.json().error], ['pending', null]);
  }
  const done = await until(async () => {
    const rs = (await call(srv, p, 'GET', '/api/refine-requests')).json().refines;
    return rs.every((r: { status: string }) => r.status === 'done') ? rs : undefined;
  }, 'the restarted refines');
  assert.equal(new Set(done.map((r: { resultVersionId: number }) => r.resultVersionId)).size, 3);
}

test('killed mid-render: the job is listed failed (interrupted), its version incomplete (SQLite)', async () => {
  await renderKilled(await sqliteProd());
});

test('killed mid-refine: the running and queued refine requests are held again and start (SQLite)', async () => {
  await refinesKilled(await sqliteProd());
});

test('shut down mid-refine: its jobs end failed (interrupted), the requests held, listed so after a restart', async () => {
  const p = await sqliteProd();
  const a = await buildServer({ production: p.prod, webDir: null, jobThreads: 1, extraJobs: { refine: { module: jobsModule, export: 'slowRefineJob' } } });
  const { url, body } = await refineBody(p);
  for (let i = 0; i < 2; i++) assert.equal((await a.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${p.token}` }, payload: body })).statusCode, 201);
  await until(async () => ((await a.ctx.queue.list()).at(-1)!.progress ?? 0) > 0.2 || undefined, 'the first refine to run');
  await a.close();
  const b = await restart(p);
  const jobs = (await call(b, p, 'GET', '/api/jobs')).json().jobs;
  assert.deepEqual(jobs.map((j: { status: string }) => j.status), ['failed', 'failed']);
  for (const j of jobs) assert.match(j.error, /^interrupted: the dailies server stopped while this job was queued or running \(it was shut down\)/);
  const refines = (await call(b, p, 'GET', '/api/refine-requests')).json().refines;
  assert.deepEqual(refines.map((r: { status: string }) => r.status), ['held', 'held']);
  assert.equal((await call(b, p, 'POST', `/api/refine-requests/${refines[0].id}/start`)).statusCode, 200);
});

test('PostgreSQL: killed mid-render and mid-refine, as on SQLite', async () => {
  const p = await postgresProd();
  await renderKilled(p);
  for (const f of cleanup.splice(cleanup.length - 1)) await f(); // the first restarted server
  await refinesKilled(p);
});
