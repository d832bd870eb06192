// The dailies API: authentication, roles, path traversal, upload limits, JSON errors, OpenAPI,
// review notes, refine requests arriving as versions, jobs with SSE and cancel, responsiveness.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { buildServer, type AtelierServer } from '../../src/server/app.js';
import { framePng, makeFixture, W, H, type Fixture } from './fixture.js';

let fx: Fixture;
let srv: AtelierServer;
const jobsModule = new URL('./jobs-fixture.js', import.meta.url);

before(async () => {
  fx = await makeFixture();
  srv = await buildServer({
    production: fx.prod, webDir: null, limits: { uploadBytes: 200_000, jsonBytes: 1_000_000 }, jobThreads: 1,
    extraJobs: { busy: { module: jobsModule, export: 'busyJob' }, refine: { module: jobsModule, export: 'fakeRefineJob' } },
  });
});
after(async () => {
  await srv.close();
  await fx.prod.close();
  rmSync(dirname(fx.dir), { recursive: true, force: true });
});

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const inject = (method: string, url: string, token?: string, payload?: unknown, headers: Record<string, string> = {}) =>
  srv.app.inject({ method: method as 'GET', url, headers: { ...(token ? auth(token) : {}), ...headers }, payload: payload as string });

test('GET /health needs no token; every /api route does', async () => {
  const h = await inject('GET', '/health');
  assert.equal(h.statusCode, 200);
  assert.equal(h.json().status, 'ok');
  for (const r of srv.ctx.routes.filter((x) => x.url !== '/api/session')) {
    const url = r.url.replace(':name', 'sh010').replace(':id', '1').replace(':index', '0');
    const res = await inject(r.method, url);
    assert.equal(res.statusCode, 401, `${r.method} ${url} without a token`);
    assert.match(res.headers['content-type'] as string, /application\/json/);
    assert.equal(res.json().error.code, 'unauthorized');
  }
  const bad = await inject('GET', '/api/shots', 'atl_not-a-real-token');
  assert.equal(bad.statusCode, 401);
  assert.match(bad.json().error.message, /unknown or revoked/);
  assert.equal((await inject('GET', '/api/nonexistent')).statusCode, 401, 'unknown API routes are not probed without a token');
});

test('tokens are stored hashed, and a revoked token stops working', async () => {
  const rows = await srv.ctx.db.selectFrom('server_tokens').selectAll().execute();
  for (const r of rows) for (const t of Object.values(fx.tokens)) assert.ok(!r.token_hash.includes(t) && r.token_hash !== t);
  const { createToken, revokeToken } = await import('../../src/server/auth.js');
  const t = await createToken(srv.ctx.db, 'temp', 'viewer');
  assert.equal((await inject('GET', '/api/me', t.token)).statusCode, 200);
  await revokeToken(srv.ctx.db, t.id);
  assert.equal((await inject('GET', '/api/me', t.token)).statusCode, 401);
});

test('session cookie: sign in, read, and cookie-authenticated changes need the CSRF header', async () => {
  const bad = await inject('POST', '/api/session', undefined, { token: 'atl_nope' });
  assert.equal(bad.statusCode, 401);
  const ok = await inject('POST', '/api/session', undefined, { token: fx.tokens.artist });
  assert.equal(ok.statusCode, 200);
  const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
  assert.match(String(ok.headers['set-cookie']), /HttpOnly/);
  assert.match(String(ok.headers['set-cookie']), /SameSite=Strict/);
  const me = await inject('GET', '/api/me', undefined, undefined, { cookie });
  assert.equal(me.json().role, 'artist');
  const url = `/api/shots/sh010/versions/${fx.versionId}/reviews`;
  const noCsrf = await inject('POST', url, undefined, { note: 'hi' }, { cookie });
  assert.equal(noCsrf.statusCode, 403);
  assert.equal(noCsrf.json().error.code, 'csrf');
  const withCsrf = await inject('POST', url, undefined, { note: 'from the browser' }, { cookie, 'x-atelier-csrf': '1' });
  assert.equal(withCsrf.statusCode, 201);
});

test('roles: viewers read, artists note and render, supervisors judge and train', async () => {
  const url = `/api/shots/sh010/versions/${fx.versionId}/reviews`;
  assert.equal((await inject('GET', '/api/shots', fx.tokens.viewer)).statusCode, 200);
  const v = await inject('POST', url, fx.tokens.viewer, { note: 'looks good' });
  assert.equal(v.statusCode, 403);
  assert.match(v.json().error.message, /needs the artist role/);
  assert.equal((await inject('POST', url, fx.tokens.artist, { note: 'fox ear flickers', frame: 3 })).statusCode, 201);
  const verdict = await inject('POST', url, fx.tokens.artist, { note: 'ok', verdict: 'approved' });
  assert.equal(verdict.statusCode, 403);
  assert.match(verdict.json().error.message, /supervisor/);
  const sup = await inject('POST', url, fx.tokens.supervisor, { note: 'ship it', verdict: 'approved' });
  assert.equal(sup.statusCode, 201);
  const notes = (await inject('GET', url, fx.tokens.viewer)).json().notes;
  assert.ok(notes.some((n: { note: string; frame: number; author: string }) => n.note === 'fox ear flickers' && n.frame === 3 && n.author === 'ana'));
  assert.equal((await inject('GET', '/api/shots/sh010', fx.tokens.viewer)).json().versions[0].verdict, 'approved');
  // Training is for supervisors; rights changes too.
  assert.equal((await inject('POST', '/api/jobs/train', fx.tokens.artist, { dataset: 'look-test', steps: 5 })).statusCode, 403);
  assert.equal((await inject('PATCH', `/api/assets/${fx.conceptIds[2]}/rights`, fx.tokens.artist, { cleared: true })).statusCode, 403);
  const patched = await inject('PATCH', `/api/assets/${fx.conceptIds[2]}/rights`, fx.tokens.supervisor, { owner: 'Ref Library', licence: 'licensed' });
  assert.equal(patched.statusCode, 200);
  assert.equal(patched.json().rightsStatus, 'pending');
  // Notes on a frame the version lacks are refused with a clear message.
  const off = await inject('POST', url, fx.tokens.artist, { note: 'x', frame: 99 });
  assert.equal(off.statusCode, 400);
  assert.match(off.json().error.message, /no frame 99/);
});

test('library: filters by kind, tag and character; rights status; files by id only', async () => {
  const all = (await inject('GET', '/api/assets?kind=concept_art', fx.tokens.viewer)).json().assets;
  assert.equal(all.length, 2);
  const forest = (await inject('GET', '/api/assets?tag=forest&character=mira', fx.tokens.viewer)).json().assets;
  assert.deepEqual(forest.map((a: { originalName: string }) => a.originalName), ['forest_concept.png']);
  assert.equal(forest[0].rightsStatus, 'cleared');
  assert.equal(forest[0].path, undefined, 'server paths are not sent');
  const facets = (await inject('GET', '/api/assets/facets', fx.tokens.viewer)).json();
  assert.equal(facets.kinds.find((k: { kind: string }) => k.kind === 'rough_frame').count, 6);
  const file = await inject('GET', `/api/assets/${forest[0].id}/file`, fx.tokens.viewer);
  assert.equal(file.statusCode, 200);
  assert.equal(file.headers['content-type'], 'image/png');
  assert.equal((await sharp(file.rawPayload).metadata()).width, 96);
  const preview = await inject('GET', `/api/assets/${forest[0].id}/preview?size=32`, fx.tokens.viewer);
  assert.equal((await sharp(preview.rawPayload).metadata()).width, 32);
  assert.equal((await inject('GET', '/api/assets/99999/file', fx.tokens.viewer)).statusCode, 404);
  assert.equal((await inject('GET', '/api/assets?kind=nonsense', fx.tokens.viewer)).statusCode, 400);
});

test('no path traversal through any route', async () => {
  const secrets = ['atelier-production.json', 'atelier.db', 'etc/passwd'];
  const attempts = [
    '/api/assets/..%2F..%2Fatelier.db/file', '/api/assets/../../atelier.db', '/api/assets/1%2F..%2F..%2Fatelier.db/file',
    '/api/renders/..%2Fatelier-production.json/file', '/api/models/1/samples/..%2F..%2F..%2Fatelier.db',
    '/api/shots/..%2F..%2Fetc%2Fpasswd', '/api/shots/%2e%2e/versions/1', '/api/refine-requests/..%2F1/mask',
    '/api/assets/-1/file', '/api/assets/1e3/file', '/../atelier.db', '/%2e%2e/%2e%2e/etc/passwd', '/..%2F..%2Fetc%2Fpasswd',
  ];
  for (const url of attempts) {
    const res = await inject('GET', url, fx.tokens.supervisor);
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} -> ${res.statusCode}`);
    assert.doesNotMatch(res.body, /root:x:0|SQLite format|"database"/, `${url} leaked a file`);
    if (url.startsWith('/api')) assert.ok(res.json().error.message, `${url} answers a JSON error`);
  }
  // Uploaded file names are names only: a traversal in the name cannot place a file.
  const form = multipart([{ name: 'kind', value: 'concept_art' }, { name: 'files', filename: '../../../../tmp/evil.png', data: await framePng(5, [1, 2, 3], 40, 30) }]);
  const up = await inject('POST', '/api/assets', fx.tokens.artist, form.body, { 'content-type': form.type });
  assert.equal(up.statusCode, 200, up.body);
  const added = up.json().results[0];
  assert.equal(added.status, 'added');
  assert.equal(added.file, 'evil.png');
  void secrets;
});

function multipart(parts: { name: string; value?: string; filename?: string; data?: Buffer }[]) {
  const boundary = '----atelier' + Math.random().toString(16).slice(2);
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n${p.filename ? 'Content-Type: image/png\r\n' : ''}\r\n`));
    chunks.push(p.data ?? Buffer.from(p.value ?? ''));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

test('uploads: validated by the workspace, refused over the size limit, viewers refused', async () => {
  const good = multipart([{ name: 'kind', value: 'paintover' }, { name: 'tags', value: 'forest,night' }, { name: 'characters', value: 'pip' }, { name: 'files', filename: 'night.png', data: await framePng(2, [0, 0, 200], 50, 40) }]);
  const ok = await inject('POST', '/api/assets', fx.tokens.artist, good.body, { 'content-type': good.type });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().summary.added, 1);
  const id = ok.json().results[0].asset;
  const a = (await inject('GET', `/api/assets/${id}`, fx.tokens.viewer)).json();
  assert.deepEqual([a.kind, a.tags, a.characters], ['paintover', ['forest', 'night'], ['pip']]);

  const junk = multipart([{ name: 'kind', value: 'paintover' }, { name: 'files', filename: 'fake.png', data: Buffer.from('this is not an image at all') }]);
  const rej = await inject('POST', '/api/assets', fx.tokens.artist, junk.body, { 'content-type': junk.type });
  assert.equal(rej.statusCode, 422);
  assert.equal(rej.json().results[0].status, 'rejected');
  assert.ok(rej.json().results[0].reason.length > 0);
  assert.doesNotMatch(rej.body, new RegExp(fx.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '/tmp'), 'no server temp paths in errors');

  const big = multipart([{ name: 'kind', value: 'paintover' }, { name: 'files', filename: 'huge.png', data: Buffer.alloc(300_000, 7) }]);
  const tooBig = await inject('POST', '/api/assets', fx.tokens.artist, big.body, { 'content-type': big.type });
  assert.equal(tooBig.statusCode, 413);
  assert.equal(tooBig.json().error.code, 'payload_too_large');
  assert.match(tooBig.json().error.message, /limit/);

  const hugeJson = await inject('POST', `/api/shots/sh010/versions/${fx.versionId}/reviews`, fx.tokens.artist, JSON.stringify({ note: 'x'.repeat(2_000_000) }), { 'content-type': 'application/json' });
  assert.equal(hugeJson.statusCode, 413);
  assert.equal(hugeJson.json().error.code, 'payload_too_large');

  const viewer = await inject('POST', '/api/assets', fx.tokens.viewer, good.body, { 'content-type': good.type });
  assert.equal(viewer.statusCode, 403);
});

test('models: loss history, held-out evals, sample sheets and lineage', async () => {
  const list = (await inject('GET', '/api/models', fx.tokens.viewer)).json().models;
  assert.equal(list.length, 1);
  assert.equal(list[0].metrics.run, undefined, 'run folders stay on the server');
  const m = (await inject('GET', `/api/models/${list[0].id}`, fx.tokens.viewer)).json();
  assert.equal(m.history.losses.length, 10);
  assert.equal(m.history.evals.at(-1).psnr, 20.1);
  assert.deepEqual(m.samples, [{ index: 0, step: 100 }]);
  const sheet = await inject('GET', `/api/models/${m.id}/samples/0`, fx.tokens.viewer);
  assert.equal(sheet.statusCode, 200);
  assert.equal((await sharp(sheet.rawPayload).metadata()).width, 192);
  assert.equal((await inject('GET', `/api/models/${m.id}/samples/1`, fx.tokens.viewer)).statusCode, 404);
  const lin = (await inject('GET', `/api/models/${m.id}/lineage`, fx.tokens.viewer)).json();
  assert.equal(lin.dataset.name, 'look-test');
  assert.equal(lin.rights.notCleared, 0);
  assert.equal(lin.assets.length, 2, 'the uncleared asset was left out of the snapshot');
});

test('shots: frames, versions, coherence and rendered files', async () => {
  const s = (await inject('GET', '/api/shots/sh010', fx.tokens.viewer)).json();
  assert.deepEqual(s.range, [1, 6]);
  assert.equal(s.frames.length, 6);
  const v = (await inject('GET', `/api/shots/sh010/versions/${fx.versionId}`, fx.tokens.viewer)).json();
  assert.equal(v.frames.length, 6);
  assert.ok(Math.abs(v.coherence['3'] - 0.01) < 1e-9);
  const f = await inject('GET', `/api/renders/${v.frames[0].renderId}/file`, fx.tokens.viewer);
  assert.equal(f.statusCode, 200);
  assert.equal((await sharp(f.rawPayload).metadata()).width, W);
  assert.equal((await inject('GET', '/api/shots/sh999', fx.tokens.viewer)).statusCode, 404);
  assert.equal((await inject('GET', '/api/shots/sh010/versions/999999', fx.tokens.viewer)).statusCode, 404);
});

test('OpenAPI documents every route with its role', async () => {
  const doc = (await inject('GET', '/api/openapi.json', fx.tokens.viewer)).json();
  assert.equal(doc.openapi, '3.1.0');
  for (const r of srv.ctx.routes) {
    const op = doc.paths[r.url.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.url} is documented`);
    if (r.url !== '/api/session' || r.method !== 'POST') assert.equal(op['x-atelier-role'], r.role);
  }
  assert.ok(doc.paths['/health'].get);
});

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, ms = 20000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('refine request: mask validated and stored; the job composites inside the mask only and a new version arrives', async () => {
  const url = `/api/shots/sh010/versions/${fx.versionId}/refine`;
  const empty = await sharp({ create: { width: W, height: H, channels: 3, background: '#000' } }).png().toBuffer();
  const e = await inject('POST', url, fx.tokens.artist, { frame: 2, maskPng: empty.toString('base64') });
  assert.equal(e.statusCode, 400);
  assert.match(e.json().error.message, /empty/);
  assert.equal((await inject('POST', url, fx.tokens.artist, { frame: 2, maskPng: Buffer.from('nope').toString('base64') })).statusCode, 400);
  assert.equal((await inject('POST', url, fx.tokens.viewer, { frame: 2, maskPng: empty.toString('base64') })).statusCode, 403);
  // White on the right half: frames 2-3 get the new pixels there, the left half stays as it was.
  const raw = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) for (let x = W / 2; x < W; x++) raw[y * W + x] = 255;
  const mask = await sharp(raw, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer();
  const res = await inject('POST', url, fx.tokens.artist, { frame: 2, frameStart: 2, frameEnd: 3, feather: 1, note: 'brighter grass', maskPng: 'data:image/png;base64,' + mask.toString('base64') });
  assert.equal(res.statusCode, 201, res.body);
  const req = res.json();
  assert.equal(req.status, 'pending');
  assert.deepEqual(req.range, [2, 3]);
  const done = await waitFor(async () => {
    const r = (await inject('GET', '/api/refine-requests', fx.tokens.viewer)).json().refines.find((x: { id: number }) => x.id === req.id);
    return r.status === 'done' || r.status === 'failed' ? r : null;
  });
  assert.equal(done.status, 'done', done.error);
  const nv = (await inject('GET', `/api/shots/sh010/versions/${done.resultVersionId}`, fx.tokens.viewer)).json();
  assert.equal(nv.frames.length, 6);
  assert.deepEqual(nv.refine, { requestId: req.id, fromVersion: fx.versionId });
  const shot = (await inject('GET', '/api/shots/sh010', fx.tokens.viewer)).json();
  assert.equal(shot.versions.length, 2);
  const px = async (renderId: number) => (await sharp((await inject('GET', `/api/renders/${renderId}/file`, fx.tokens.viewer)).rawPayload).raw().toBuffer());
  const old = (await inject('GET', `/api/shots/sh010/versions/${fx.versionId}`, fx.tokens.viewer)).json();
  const [o2, n2, o5, n5] = await Promise.all([px(old.frames[1].renderId), px(nv.frames[1].renderId), px(old.frames[4].renderId), px(nv.frames[4].renderId)]);
  const at = (b: Buffer, x: number, y: number) => [...b.subarray((y * W + x) * 3, (y * W + x) * 3 + 3)];
  assert.deepEqual(at(n2, 60, 40), [0, 255, 0], 'inside the mask: the re-rendered pixels');
  assert.deepEqual(at(n2, 4, 40), at(o2, 4, 40), 'outside the mask: the old pixels');
  assert.ok(n5.equals(o5), 'frames outside the range are unchanged');
  const m = await inject('GET', `/api/refine-requests/${req.id}/mask`, fx.tokens.viewer);
  assert.equal((await sharp(m.rawPayload).metadata()).width, W);
});

test('train-upscale: a supervisor starts it; it runs as a job and reports the trainer\'s verdict', async () => {
  assert.equal((await inject('POST', '/api/jobs/train-upscale', fx.tokens.artist, { dataset: 'look-test', steps: 2 })).statusCode, 403);
  assert.equal((await inject('POST', '/api/jobs/train-upscale', fx.tokens.supervisor, { dataset: 'look-test', scale: 3 })).statusCode, 400);
  assert.equal((await inject('POST', '/api/jobs/train-upscale', fx.tokens.supervisor, { dataset: 'no-such-set' })).statusCode, 404);
  const res = await inject('POST', '/api/jobs/train-upscale', fx.tokens.supervisor, { dataset: 'look-test', steps: 2 });
  assert.equal(res.statusCode, 202, res.body);
  assert.match(res.json().title, /train 2x upscaler on look-test/);
  const done = await waitFor(async () => {
    const j = (await inject('GET', '/api/jobs', fx.tokens.viewer)).json().jobs.find((x: { id: string }) => x.id === res.json().id);
    return j.status === 'done' || j.status === 'failed' ? j : null;
  }, 60000);
  // The fixture's art is thumbnail-sized: the trainer refuses it with a message a supervisor can act on.
  assert.equal(done.status, 'failed');
  assert.match(done.error, /no training image is at least \d+x\d+ pixels.*full-resolution concept art/);
});

test('jobs: run off the main thread (the server stays responsive), stream progress over SSE, cancel by role', async () => {
  const address = await srv.app.listen({ port: 0, host: '127.0.0.1' });
  const events: { event: string; data: any }[] = [];
  const sse = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const r = httpRequest(`${address}/api/jobs/events`, { headers: auth(fx.tokens.viewer) }, resolve);
    r.on('error', reject);
    r.end();
  });
  assert.equal(sse.statusCode, 200);
  assert.match(String(sse.headers['content-type']), /text\/event-stream/);
  let buf = '';
  sse.setEncoding('utf8');
  sse.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i); buf = buf.slice(i + 2);
      const ev = /^event: (.*)$/m.exec(block)?.[1], data = /^data: (.*)$/m.exec(block)?.[1];
      if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
    }
  });
  await waitFor(async () => events.some((e) => e.event === 'snapshot'));

  const job = await srv.ctx.queue.submit({ kind: 'busy', title: 'busy', input: { ms: 4000 }, createdBy: 'ana#2' });
  await waitFor(async () => events.some((e) => e.event === 'progress' && e.data.id === job.id));
  // While the worker spins, the event loop answers at once.
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const res = await fetch(`${address}/health`);
    assert.equal(res.status, 200);
    times.push(performance.now() - t0);
  }
  assert.ok(Math.max(...times) < 250, `health took ${Math.max(...times).toFixed(0)} ms while a job ran`);
  const list = (await inject('GET', '/api/jobs', fx.tokens.viewer)).json().jobs;
  assert.equal(list.find((j: { id: string }) => j.id === job.id).status, 'running');

  // Another artist may not cancel it; a supervisor may.
  const other = await inject('POST', `/api/jobs/${job.id}/cancel`, fx.tokens.artist2);
  assert.equal(other.statusCode, 403);
  assert.equal((await inject('POST', `/api/jobs/${job.id}/cancel`, fx.tokens.viewer)).statusCode, 403);
  assert.equal((await inject('POST', `/api/jobs/${job.id}/cancel`, fx.tokens.supervisor)).statusCode, 200);
  await waitFor(async () => events.some((e) => e.event === 'job' && e.data.job.id === job.id && e.data.job.status === 'cancelled'));
  assert.equal((await inject('POST', '/api/jobs/00000000-0000-0000-0000-000000000000/cancel', fx.tokens.supervisor)).statusCode, 404);

  // A cancelled training starts again with the input it was submitted with, by whoever may start
  // its kind, and continues its run from the checkpoint the cancel wrote.
  const firstStep = new Map<string, number>(), lastStep = new Map<string, number>();
  const off = srv.ctx.queue.subscribe((e) => {
    if (e.type !== 'progress') return;
    const m = /^step (\d+)\//.exec(e.message);
    if (m && !firstStep.has(e.id)) firstStep.set(e.id, Number(m[1]));
    if (m) lastStep.set(e.id, Number(m[1]));
  });
  const train = (await inject('POST', '/api/jobs/train', fx.tokens.supervisor, { dataset: 'look-test', steps: 100000 })).json();
  await waitFor(async () => (lastStep.get(train.id) ?? 0) >= 20);
  await inject('POST', `/api/jobs/${train.id}/cancel`, fx.tokens.supervisor);
  await waitFor(async () => (await srv.ctx.queue.get(train.id))?.status === 'cancelled');
  assert.equal((await inject('POST', `/api/jobs/${train.id}/again`, fx.tokens.artist)).statusCode, 403);
  assert.equal((await inject('POST', `/api/jobs/${train.id}/again`, fx.tokens.viewer)).statusCode, 403);
  const { run_dir: run } = await srv.ctx.db.selectFrom('server_jobs').select('run_dir').where('id', '=', train.id).executeTakeFirstOrThrow();
  assert.ok(run && existsSync(join(run, 'checkpoint.safetensors')), `the cancelled run ${run} has its checkpoint`);
  const stoppedAt = lastStep.get(train.id)!;
  const again = await inject('POST', `/api/jobs/${train.id}/again`, fx.tokens.supervisor);
  assert.equal(again.statusCode, 202, again.body);
  await waitFor(async () => firstStep.has(again.json().id));
  off();
  assert.ok(firstStep.get(again.json().id)! > stoppedAt, `resumed at step ${firstStep.get(again.json().id)} (stopped at ${stoppedAt}), not from step 1`);
  assert.deepEqual([again.json().kind, again.json().title], ['train-look', 'train look on look-test (100000 steps) (resumed)']);
  const input = async () => (await srv.ctx.db.selectFrom('server_jobs').select('input').where('id', '=', again.json().id).executeTakeFirst())?.input;
  await waitFor(async () => (await input()) != null);
  assert.deepEqual(JSON.parse((await input())!), { productionDir: fx.prod.dir, dataset: 'look-test', steps: 100000, resume: run });
  await inject('POST', `/api/jobs/${again.json().id}/cancel`, fx.tokens.supervisor);
  const busy = await inject('POST', `/api/jobs/${job.id}/again`, fx.tokens.supervisor);
  assert.equal(busy.statusCode, 409);
  assert.match(busy.json().error.message, /a busy job cannot be started again/);
  assert.equal((await inject('POST', '/api/jobs/00000000-0000-0000-0000-000000000000/again', fx.tokens.supervisor)).statusCode, 404);

  // Starting a render checks its inputs on the server.
  const bad = await inject('POST', '/api/jobs/render', fx.tokens.artist, { shot: 'sh010', modelVersion: 1, frameStart: 0, frameEnd: 50 });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error.message, /outside shot sh010/);
  assert.equal((await inject('POST', '/api/jobs/render', fx.tokens.artist, { shot: 'sh010', modelVersion: 77 })).statusCode, 404);
  assert.equal((await inject('POST', '/api/jobs/render', fx.tokens.artist, { shot: '../x', modelVersion: 1 })).statusCode, 400);
  sse.destroy();
});
