// The farm's commands and routes without Redis: bad input fails with a clear message before
// anything is queued, and GET /api/farm describes the in-process backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeFixture } from '../server/fixture.js';
import { makeFarmFixture, startRedis, startWorker, stopWorker, HAVE_REDIS, NO_REDIS } from './redis.js';
import { burnInBand } from '../../src/render/burn-in.js';
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
  r = atelier('render', 'sh010', '--production', fx.dir, '--farm', '--queue', 'redis://127.0.0.1:1', '--model', '1', '--prores', '--prores4444');
  assert.match(r.stderr, /--prores and --prores4444 each choose the movie codec: give one/);
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

test('render --farm --prores4444 --burn-in --matte: the farm writes every codec the local render does, with burn-ins, and cuts frames out alike', { skip: !HAVE_REDIS && NO_REDIS }, async () => {
  const ff = await makeFarmFixture(4, 64);
  const redis = await startRedis();
  const worker = await startWorker(redis.url, ff.dir);
  try {
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, [MAIN, 'render', 'sh1', '--production', ff.dir, '--model', String(ff.modelVersion), '--json', ...args], { encoding: 'utf8', env: { ...process.env, ATELIER_QUEUE: '' } });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { movie: string | null; outDir?: string; dir?: string };
    };
    // The normal pass as a matte: its red channel becomes the frames' alpha, on the farm as locally.
    const farm = run('--farm', '--queue', redis.url, '--prores4444', '--burn-in', '--matte', 'normal');
    const local = run('--prores4444', '--matte', 'normal');
    const frameDir = (r: { outDir?: string; dir?: string }) => resolve(ff.dir, (r.outDir ?? r.dir)!);
    const pngs = readdirSync(frameDir(local)).filter((n) => n.endsWith('.png')).sort();
    assert.equal(pngs.length, 4);
    for (const n of pngs) {
      const [a, b] = [readFileSync(join(frameDir(farm), n)), readFileSync(join(frameDir(local), n))];
      assert.deepEqual(a, b, `${n}: the farm's frame is the local one`);
      assert.equal(a[25], 6, `${n}: RGBA (PNG colour type 6)`);
    }
    const movies = [farm.movie, local.movie].map((m) => (m!.startsWith('/') ? m! : join(ff.dir, m!)));
    for (const m of movies) {
      assert.ok(m.endsWith('.mov') && existsSync(m), m);
      const p = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,profile,pix_fmt', '-of', 'default=nw=1', m], { encoding: 'utf8' }).stdout;
      assert.match(p, /codec_name=prores/);
      assert.match(p, /profile=4444/);
      assert.match(p, /pix_fmt=yuva444p/);
    }
    // The farm's movie carries the burn-in band (a dark band at the bottom), the local one not;
    // above the band they are the same frames (ProRes is lossy: equal within a few levels).
    const luma = (m: string) => spawnSync('ffmpeg', ['-v', 'error', '-i', m, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 24 }).stdout;
    const [a, b] = movies.map(luma) as [Buffer, Buffer];
    const band = burnInBand(64);
    const mean = (buf: Buffer, y0: number, y1: number) => { let t = 0; for (let i = y0 * 64; i < y1 * 64; i++) t += buf[i]!; return t / ((y1 - y0) * 64); };
    assert.ok(Math.abs(mean(a, 0, 64 - band) - mean(b, 0, 64 - band)) < 2, 'the same picture above the band');
    assert.ok(mean(a, 64 - band, 64) < mean(b, 64 - band, 64) - 10, `the band is darkened on the farm's movie (${mean(a, 64 - band, 64)} vs ${mean(b, 64 - band, 64)})`);
  } finally {
    await stopWorker(worker);
    await redis.stop();
    await ff.prod.close();
  }
});
