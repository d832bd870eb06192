// Hardened dailies: server-side sessions that sign-out ends, Secure cookies over TLS, failed
// sign-ins limited and logged, the audit log, a cap on live event streams, symlinks resolved
// before serving, no server paths or hosts for viewers, the source map behind a token, CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildServer, type AtelierServer } from '../../src/server/app.js';
import { createToken, revokeToken } from '../../src/server/auth.js';
import { makeFixture, framePng, type Fixture } from './fixture.js';

let fx: Fixture;
let srv: AtelierServer;
let web: string;
const jobsModule = new URL('./jobs-fixture.js', import.meta.url);

before(async () => {
  fx = await makeFixture();
  // A built app of two files: the shell and a source map.
  web = mkdtempSync(join(tmpdir(), 'atelier-web-'));
  mkdirSync(join(web, 'assets'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(web, 'assets', 'index.js'), 'console.log(1)');
  writeFileSync(join(web, 'assets', 'index.js.map'), '{"version":3,"sources":["src/web/App.tsx"]}');
  srv = await buildServer({
    production: fx.prod, webDir: web, jobThreads: 1, limits: { streamsPerToken: 2 },
    extraJobs: { busy: { module: jobsModule, export: 'busyJob' }, refine: { module: jobsModule, export: 'fakeRefineJob' } },
  });
});
after(async () => {
  await srv.close();
  await fx.prod.close();
  rmSync(dirname(fx.dir), { recursive: true, force: true });
  rmSync(web, { recursive: true, force: true });
});

const inject = (method: string, url: string, o: { token?: string; payload?: unknown; headers?: Record<string, string>; ip?: string } = {}) =>
  srv.app.inject({ method: method as 'GET', url, remoteAddress: o.ip, headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers }, payload: o.payload as string });

const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']).split(';')[0]!;

test('sessions: the cookie carries a session id, not the token; sign-out ends it on the server', async () => {
  const signIn = await inject('POST', '/api/session', { payload: { token: fx.tokens.artist } });
  assert.equal(signIn.statusCode, 200);
  const cookie = cookieOf(signIn);
  assert.match(cookie, /^atelier_session=ses_/);
  assert.ok(!String(signIn.headers['set-cookie']).includes(fx.tokens.artist), 'the token never goes into the cookie');
  assert.doesNotMatch(String(signIn.headers['set-cookie']), /Secure/, 'plain HTTP: no Secure flag (the browser would drop it)');
  assert.equal((await inject('GET', '/api/me', { headers: { cookie } })).json().name, 'ana');
  const out = await inject('DELETE', '/api/session', { headers: { cookie, 'x-atelier-csrf': '1' } });
  assert.equal(out.statusCode, 200);
  assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
  const after = await inject('GET', '/api/me', { headers: { cookie } });
  assert.equal(after.statusCode, 401, 'the old cookie no longer works');
  assert.match(after.json().error.message, /session has ended/);
  // A forged or garbled cookie is refused the same way.
  assert.equal((await inject('GET', '/api/me', { headers: { cookie: 'atelier_session=%E0%A4%A' } })).statusCode, 401);
  assert.equal((await inject('GET', '/api/me', { headers: { cookie: `atelier_session=${encodeURIComponent(fx.tokens.artist)}` } })).statusCode, 401, 'a raw token in the cookie is not a session');
});

test('sessions: revoking the token ends its sessions', async () => {
  const t = await createToken(srv.ctx.db, 'temp-session', 'viewer');
  const cookie = cookieOf(await inject('POST', '/api/session', { payload: { token: t.token } }));
  assert.equal((await inject('GET', '/api/shots', { headers: { cookie } })).statusCode, 200);
  await revokeToken(srv.ctx.db, t.id);
  assert.equal((await inject('GET', '/api/shots', { headers: { cookie } })).statusCode, 401);
});

test('TLS: serve over HTTPS with a certificate; the session cookie is Secure, HSTS is sent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const tls = await buildServer({ production: fx.prod, webDir: null, jobThreads: 1, https: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) } });
    try {
      const address = await tls.app.listen({ port: 0, host: '127.0.0.1' });
      assert.match(address, /^https:/);
      const res = await new Promise<{ status: number; headers: IncomingMessage['headers'] }>((resolve, reject) => {
        const r = httpsRequest(`${address}/api/session`, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (m) => { m.resume(); resolve({ status: m.statusCode!, headers: m.headers }); });
        r.on('error', reject);
        r.end(JSON.stringify({ token: fx.tokens.viewer }));
      });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['set-cookie']), /; Secure/);
      assert.match(String(res.headers['strict-transport-security']), /max-age=/);
    } finally { await tls.close(); }
    // Behind a TLS reverse proxy (trustProxy), X-Forwarded-Proto: https marks the cookie Secure too.
    const proxied = await buildServer({ production: fx.prod, webDir: null, jobThreads: 1, trustProxy: true });
    try {
      const r = await proxied.app.inject({ method: 'POST', url: '/api/session', headers: { 'x-forwarded-proto': 'https' }, payload: { token: fx.tokens.viewer } });
      assert.match(String(r.headers['set-cookie']), /; Secure/);
    } finally { await proxied.close(); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('failed sign-ins: logged with the address, limited per address (429 + Retry-After), others unaffected', async () => {
  const ip = '10.9.8.7';
  for (let i = 0; i < 10; i++) assert.equal((await inject('POST', '/api/session', { payload: { token: `atl_guess${i}` }, ip })).statusCode, 401);
  const blocked = await inject('POST', '/api/session', { payload: { token: fx.tokens.viewer }, ip });
  assert.equal(blocked.statusCode, 429, 'even a right token waits once the address is blocked');
  assert.equal(blocked.json().error.code, 'too_many_attempts');
  assert.ok(Number(blocked.headers['retry-after']) > 0);
  assert.equal((await inject('POST', '/api/session', { payload: { token: fx.tokens.viewer }, ip: '10.9.8.8' })).statusCode, 200, 'another address signs in');
  const log = (await inject('GET', '/api/audit?action=sign-in-failed', { token: fx.tokens.supervisor })).json().entries;
  assert.ok(log.filter((e: { ip: string }) => e.ip === ip).length >= 10);
  assert.ok(!JSON.stringify(log).includes('atl_guess1'), 'the log keeps a prefix of a tried token, never all of it');
});

test('audit log: notes, verdicts, rights changes, refine requests and jobs, with who and when; supervisors only', async () => {
  const url = `/api/shots/sh010/versions/${fx.versionId}/reviews`;
  assert.equal((await inject('POST', url, { token: fx.tokens.artist, payload: { note: 'logged note' } })).statusCode, 201);
  assert.equal((await inject('POST', url, { token: fx.tokens.supervisor, payload: { note: 'ok', verdict: 'approved' } })).statusCode, 201);
  assert.equal((await inject('PATCH', `/api/assets/${fx.conceptIds[2]}/rights`, { token: fx.tokens.supervisor, payload: { owner: 'Ref Library' } })).statusCode, 200);
  const res = await inject('GET', '/api/audit', { token: fx.tokens.supervisor });
  assert.equal(res.statusCode, 200);
  const entries = res.json().entries as { actor: string; action: string; target: string; detail: any; at: string }[];
  assert.ok(entries.some((e) => e.action === 'note' && e.actor === 'ana' && e.target === `shot sh010 version ${fx.versionId}`));
  assert.ok(entries.some((e) => e.action === 'verdict' && e.actor === 'sue' && e.detail.verdict === 'approved'));
  const rights = entries.find((e) => e.action === 'rights')!;
  assert.deepEqual([rights.actor, rights.target, rights.detail.before.owner, rights.detail.after.owner], ['sue', `asset ${fx.conceptIds[2]}`, null, 'Ref Library']);
  assert.equal((await inject('GET', '/api/audit', { token: fx.tokens.artist })).statusCode, 403);
});

test('live event streams: a token may hold only a few open; closing one frees its place', async () => {
  const address = await srv.app.listen({ port: 0, host: '127.0.0.1' });
  const open = () => new Promise<IncomingMessage>((resolve, reject) => {
    const r = httpRequest(`${address}/api/jobs/events`, { headers: { authorization: `Bearer ${fx.tokens.viewer}` } }, resolve);
    r.on('error', reject);
    r.end();
  });
  const a = await open(), b = await open();
  assert.deepEqual([a.statusCode, b.statusCode], [200, 200]);
  const c = await open();
  assert.equal(c.statusCode, 429);
  c.resume();
  a.destroy();
  const t0 = Date.now();
  let d: IncomingMessage | null = null;
  while (Date.now() - t0 < 3000) {
    d = await open();
    if (d.statusCode === 200) break;
    d.resume();
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(d!.statusCode, 200, 'a closed stream gives its place back');
  b.destroy(); d!.destroy();
});

test('symlinks among rendered frames are resolved: a link to a file outside the production is not served', async () => {
  const secret = join(dirname(fx.dir), 'outside-secret.txt');
  writeFileSync(secret, 'root:x:0:0:secret');
  const dir = join(fx.dir, 'renders', 'sh010', 'planted');
  mkdirSync(dir, { recursive: true });
  const link = join(dir, 'sh010.0001.png');
  const hash = (await fx.prod.shot('sh010')).frames[0]!.rough!.hash;
  const model = (await fx.prod.db.selectFrom('model_versions').select('id').executeTakeFirstOrThrow()).id;
  // A frame recorded as a file, then swapped for a link by someone with access to the folder.
  writeFileSync(link, await framePng(1, [0, 0, 0]));
  const id = await fx.prod.recordRenderedFrame({ path: link, modelVersion: model, inputHashes: { rough: hash }, params: { shot: 'sh010-planted', frame: 1 } });
  rmSync(link);
  symlinkSync(secret, link);
  const res = await inject('GET', `/api/renders/${id}/file`, { token: fx.tokens.viewer });
  assert.equal(res.statusCode, 404);
  assert.doesNotMatch(res.body, /root:x:0/);
  // A link that stays inside the production is served (resolving is not refusing links).
  const inner = join(dir, 'sh010.0002.png');
  writeFileSync(join(dir, 'real.png'), await framePng(2, [0, 0, 0]));
  symlinkSync(join(dir, 'real.png'), inner);
  const id2 = await fx.prod.recordRenderedFrame({ path: inner, modelVersion: model, inputHashes: { rough: hash }, params: { shot: 'sh010-planted', frame: 2 } });
  assert.equal((await inject('GET', `/api/renders/${id2}/file`, { token: fx.tokens.viewer })).statusCode, 200);
});

test('viewers see no absolute server paths, host names or process ids (jobs, models, farm)', async () => {
  const job = await srv.ctx.queue.submit({ kind: 'busy', title: 'busy', input: { ms: 50, productionDir: fx.dir }, createdBy: 'sue#4' });
  for (let i = 0; i < 100 && (await srv.ctx.queue.get(job.id))?.status !== 'done'; i++) await new Promise((r) => setTimeout(r, 50));
  for (const url of ['/api/jobs', '/api/models', '/api/models/1', '/api/models/1/lineage', '/api/farm', '/api/refine-requests', `/api/shots/sh010/versions/${fx.versionId}`]) {
    const body = (await inject('GET', url, { token: fx.tokens.viewer })).body;
    assert.ok(!body.includes(fx.dir), `${url} shows the production's absolute path`);
    assert.ok(!body.includes(tmpdir() + '/'), `${url} shows a server path`);
  }
  const farm = (await inject('GET', '/api/farm', { token: fx.tokens.viewer })).json();
  for (const w of farm.workers) {
    assert.equal(w.pid, undefined);
    assert.equal(w.host, undefined);
    assert.doesNotMatch(w.id, new RegExp(`:${process.pid}$`));
  }
  const sup = (await inject('GET', '/api/farm', { token: fx.tokens.supervisor })).json();
  assert.equal(sup.workers[0].pid, process.pid, 'supervisors run the farm: they see its machines');
  // Error texts too: a job that failed on a path says only the file's name.
  assert.equal(srv.ctx.redact(`ENOENT: no such file, open '${fx.dir}/renders/x.png'`, true), "ENOENT: no such file, open 'renders/x.png'");
  assert.equal(srv.ctx.redact('cannot open /srv/other/place/file.exr', true), 'cannot open …/file.exr');
  assert.deepEqual(srv.ctx.redact({ $ref: '#/components/responses/Error', type: 'image/png' }, true), { $ref: '#/components/responses/Error', type: 'image/png' });
});

test('the source map needs a token; the app shell does not; CSP sets base-uri and form-action', async () => {
  assert.equal((await inject('GET', '/')).statusCode, 200);
  assert.equal((await inject('GET', '/assets/index.js')).statusCode, 200);
  const map = await inject('GET', '/assets/index.js.map');
  assert.equal(map.statusCode, 401);
  assert.doesNotMatch(map.body, /App\.tsx/);
  assert.equal((await inject('GET', '/assets/index.js.map', { token: fx.tokens.viewer })).statusCode, 200);
  const csp = String((await inject('GET', '/')).headers['content-security-policy']);
  assert.match(csp, /base-uri 'none'/);
  assert.match(csp, /form-action 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal((await inject('GET', '/health')).statusCode, 200);
});

test('role messages read "an artist", "a viewer"', async () => {
  const r = await inject('POST', `/api/shots/sh010/versions/${fx.versionId}/reviews`, { token: fx.tokens.artist, payload: { note: 'x', verdict: 'approved' } });
  assert.match(r.json().error.message, /is an artist/);
  const v = await inject('POST', '/api/jobs/train', { token: fx.tokens.viewer, payload: { dataset: 'look-test' } });
  assert.match(v.json().error.message, /is a viewer/);
});
