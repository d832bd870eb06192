// The review tools' tables and queries on a PostgreSQL workspace (the other tests run on SQLite):
// server migration 0003, a note with a drawing read back as the same JSON, its CSV, and a playlist
// made, edited and read with its statuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresServer } from '../store/postgres-server.js';
import { addShot, createDataset, ingestFiles, initProduction, type Production } from '../../src/store/index.js';
import { buildServer, type AtelierServer } from '../../src/server/app.js';
import { migrateServer } from '../../src/server/db.js';
import { createToken } from '../../src/server/auth.js';
import { framePng } from './fixture.js';

let pg: PostgresServer;
let root: string;
let prod: Production;
let srv: AtelierServer;
let supervisor: string;
let versionId: number;

before(async () => {
  pg = await PostgresServer.start();
  root = mkdtempSync(join(tmpdir(), 'atelier-review-pg-'));
  mkdirSync(join(root, 'src'));
  for (let f = 1; f <= 3; f++) writeFileSync(join(root, 'src', `r.${String(f).padStart(4, '0')}.png`), await framePng(f, [0, 0, 0]));
  prod = await initProduction(join(root, 'production'), { name: 'pg review', databaseUrl: pg.url(await pg.createDatabase()) });
  await addShot(prod, 'sh010', join(root, 'src', 'r.####.png'), { fps: 24, meta: { cleared: true } });
  const run = join(prod.dir, 'runs', 'm');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'model.safetensors'), 'not a model');
  // A model version needs a dataset snapshot, which needs an asset.
  writeFileSync(join(root, 'src', 'concept.png'), await framePng(2, [80, 40, 0], 96, 64));
  await ingestFiles(prod, [join(root, 'src', 'concept.png')], { kind: 'concept_art', cleared: true });
  await createDataset(prod, 'd', { kinds: ['concept_art'], onlyCleared: true });
  const model = await prod.registerModelVersion({ kind: 'look', datasetId: 'd', config: {}, seed: 1, files: { 'model.safetensors': join(run, 'model.safetensors') }, metrics: {} });
  const out = join(prod.dir, 'renders', 'sh010', 'v001');
  mkdirSync(out, { recursive: true });
  for (const f of (await prod.shot('sh010')).frames) {
    const path = join(out, `sh010.${String(f.frame).padStart(4, '0')}.png`);
    writeFileSync(path, await framePng(f.frame, [0, 0, 150]));
    await prod.recordRenderedFrame({ path, modelVersion: model, inputHashes: { rough: f.rough!.hash }, params: { shot: 'sh010', frame: f.frame } });
  }
  supervisor = (await createToken(await migrateServer(prod), 'sue', 'supervisor')).token;
  srv = await buildServer({ production: prod, webDir: null, jobThreads: 1 });
  versionId = (await inject('GET', '/api/shots/sh010')).json().versions[0].id;
});

after(async () => {
  await srv?.close();
  await prod?.close();
  pg?.destroySync();
  rmSync(root, { recursive: true, force: true });
});

const inject = (method: string, url: string, payload?: unknown) =>
  srv.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${supervisor}` }, payload: payload as string });

test('PostgreSQL: a drawing, its CSV, and a playlist with its status', async () => {
  const drawing = { shapes: [{ kind: 'arrow', color: '#ff0000', width: 8, from: [0.1, 0.2], to: [0.5, 0.6] }, { kind: 'text', color: '#ffffff', size: 40, at: [0.2, 0.1], text: 'ça, "ici"' }] };
  const note = await inject('POST', `/api/shots/sh010/versions/${versionId}/reviews`, { note: '=cmd', frame: 2, drawing });
  assert.equal(note.statusCode, 201, note.body);
  await inject('POST', `/api/shots/sh010/versions/${versionId}/reviews`, { note: 'fine', verdict: 'approved' });
  const notes = (await inject('GET', `/api/shots/sh010/versions/${versionId}/reviews`)).json().notes;
  assert.deepEqual(notes[0].drawing, drawing);
  const csv = (await inject('GET', `/api/shots/sh010/versions/${versionId}/notes.csv`)).body;
  assert.match(csv, /,2,,,sue,supervisor,[^,]+,'=cmd,2\r\n/);

  const made = await inject('POST', '/api/playlists', { name: 'pg', items: [{ shot: 'sh010', versionId }] });
  assert.equal(made.statusCode, 201, made.body);
  assert.equal(made.json().items[0].status, 'approved');
  const id = made.json().id;
  assert.equal((await inject('PATCH', `/api/playlists/${id}`, { name: 'pg 2', items: [{ shot: 'sh010' }] })).statusCode, 200);
  const read = (await inject('GET', `/api/playlists/${id}`)).json();
  assert.deepEqual([read.name, read.items[0].versionId, read.items[0].pinned, read.items[0].frames.length], ['pg 2', versionId, false, 3]);
  assert.deepEqual((await inject('GET', '/api/playlists')).json().playlists.map((p: { id: number }) => p.id), [id]);
  assert.equal((await inject('DELETE', `/api/playlists/${id}`)).statusCode, 200);
});
