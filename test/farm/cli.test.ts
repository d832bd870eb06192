// The farm's commands and routes without Redis: bad input fails with a clear message before
// anything is queued, and GET /api/farm describes the in-process backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeFixture } from '../server/fixture.js';
import { makeFarmFixture } from './redis.js';
import { buildServer } from '../../src/server/app.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const fx = await makeFixture();
const atelier = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ATELIER_QUEUE: '', ATELIER_QUEUE_CONNECT_SECONDS: '1' } });

test('bad farm input: clear errors, nothing queued', () => {
  let r = atelier('worker', '--production', fx.dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /a farm needs a queue: --queue redis:\/\/host:6379/);
  r = atelier('render', 'sh010', '--production', fx.dir, '--farm');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--farm needs the farm's queue/);
  r = atelier('render', 'sh010', '--production', fx.dir, '--farm', '--queue', 'redis://127.0.0.1:1', '--model', 'some/file.safetensors');
  assert.match(r.stderr, /--farm needs a model version number/);
  r = atelier('render', 'sh010', '--production', fx.dir, '--farm', '--queue', 'redis://127.0.0.1:1', '--model', '1', '--tile', '10');
  assert.match(r.stderr, /--tile must be 0 \(never tile\) or at least 64 pixels/, 'tiling flags are read on the farm path too');
  r = atelier('farm', 'status', '--production', fx.dir, '--queue', 'redis://127.0.0.1:1');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot reach the farm's Redis at 127\.0\.0\.1:1 \(1 s\); is redis-server running there\?/);
});

test('GET /api/farm on the in-process backend: this server as a one-machine farm', async () => {
  const server = await buildServer({ production: fx.prod, webDir: null });
  try {
    const res = await server.app.inject({ method: 'GET', url: '/api/farm', headers: { authorization: `Bearer ${fx.tokens.viewer}` } });
    assert.equal(res.statusCode, 200);
    const farm = res.json() as { backend: string; workers: unknown[]; counts: Record<string, number>; throughput: { windowSeconds: number } };
    assert.equal(farm.backend, 'in-process');
    assert.equal(farm.workers.length, 1);
    assert.equal(farm.counts.waiting, 0);
    assert.equal(farm.throughput.windowSeconds, 600);
    const bad = await server.app.inject({ method: 'GET', url: '/api/farm?window=1', headers: { authorization: `Bearer ${fx.tokens.viewer}` } });
    assert.equal(bad.statusCode, 400);
  } finally { await server.close(); await fx.prod.close(); }
});

test('a render refused after its version folder was claimed gives the folder back (local and farm)', async () => {
  const ff = await makeFarmFixture(4, 32);
  try {
    const versions = () => (existsSync(join(ff.dir, 'renders', 'sh1')) ? readdirSync(join(ff.dir, 'renders', 'sh1')).sort() : []);
    const before = versions();
    let r = atelier('render', 'sh1', '--production', ff.dir, '--farm', '--queue', 'redis://127.0.0.1:1', '--model', String(ff.modelVersion));
    assert.match(r.stderr, /cannot reach the farm's Redis at 127\.0\.0\.1:1/);
    r = atelier('render', 'sh1', '--production', ff.dir, '--scale', '4');
    assert.match(r.stderr, /has no 4x upscaler: train one/);
    assert.deepEqual(versions(), before, 'no empty version folder left behind');
    r = atelier('render', 'sh1', '--production', ff.dir, '--no-movie');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(versions(), [...before, 'v001'].sort(), 'the next render takes the first number');
  } finally { await ff.prod.close(); }
});
