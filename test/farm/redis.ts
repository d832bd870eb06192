// Real processes for the farm tests: a redis-server on a random loopback port with its own temp
// folder (killed after), `atelier worker` processes, and a tiny production with a random-weight
// look model registered as a version (rendering mechanics need a model, not a good one).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { initProduction, addShot, addShotPass, ingestFiles, createDataset, type Production } from '../../src/store/index.js';
import { makeConfig, inputChannels } from '../../src/models/look/config.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import { saveLookModel } from '../../src/models/look/model-file.js';

export const HAVE_REDIS = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
export const NO_REDIS = 'redis-server is not installed (scripts/setup.sh installs Debian\'s redis-server); the farm tests need a real one';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    const done = (ok: boolean) => { c.destroy(); resolve(ok); };
    c.once('error', () => done(false));
    c.once('connect', () => c.write('PING\r\n'));
    c.once('data', (d) => done(d.toString().startsWith('+PONG')));
    setTimeout(() => done(false), 1000);
  });
}

export interface RedisServer { url: string; port: number; dir: string; kill(signal?: NodeJS.Signals): Promise<void>; start(): Promise<void>; stop(): Promise<void> }

/** A redis-server in a temp folder. persistent: append-only file fsynced on every write, so a
 *  SIGKILLed server restarted on the same folder has every job it had (what a farm's Redis needs). */
export async function startRedis(o: { persistent?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'atelier-redis-'));
  let proc: ChildProcess | null = null;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning',
    ...(o.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : [])];
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`, port, dir,
    async start() {
      proc = spawn('redis-server', args, { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        if (await ping(port)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`redis-server did not answer on port ${port}`);
    },
    async kill(signal = 'SIGKILL') {
      const p = proc;
      proc = null;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((r) => { p.once('exit', () => r()); p.kill(signal); });
    },
    async stop() {
      await server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface WorkerProcess { proc: ChildProcess; log: () => string; pid: number; exited: Promise<number | null> }

/** `atelier worker` as a real process; resolves once it is taking jobs. */
export async function startWorker(url: string, productionDir: string, extra: string[] = []): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, [MAIN, 'worker', '--queue', url, '--production', productionDir, '--threads', '1', '--lock-seconds', '2', '--progress-ms', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ATELIER_THREADS: '1' },
  });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const t0 = Date.now();
  while (!/ on queue atelier-/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`the worker exited (${proc.exitCode}):\n${out}`);
    if (Date.now() - t0 > 30000) { proc.kill('SIGKILL'); throw new Error(`the worker did not start:\n${out}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, log: () => out, pid: proc.pid!, exited };
}

export async function stopWorker(w: WorkerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (w.proc.exitCode !== null || w.proc.signalCode !== null) return;
  w.proc.kill(signal);
  await w.exited;
}

export interface FarmFixture { root: string; prod: Production; dir: string; modelVersion: number; frames: number }

/** A shot of `frames` frames of size×size (a disc moving over a gradient, with a normal pass) and a
 *  random-weight look model registered as version 1 of a one-image dataset. */
export async function makeFarmFixture(frames = 24, size = 96): Promise<FarmFixture> {
  const root = mkdtempSync(join(tmpdir(), 'atelier-farm-'));
  const src = join(root, 'src');
  mkdirSync(src, { recursive: true });
  for (let i = 0; i < frames; i++) {
    const rgb = Buffer.alloc(size * size * 3), nrm = Buffer.alloc(size * size * 3);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      const k = (y * size + x) * 3;
      const inside = (x - size / 4 - 2 * i) ** 2 + (y - size / 2) ** 2 < (size / 5) ** 2;
      rgb[k] = inside ? 220 : 40 + (x * 160) / size; rgb[k + 1] = inside ? 80 : 90 + (y * 120) / size; rgb[k + 2] = inside ? 60 : 160;
      nrm[k] = 128; nrm[k + 1] = inside ? 200 : 128; nrm[k + 2] = 255;
    }
    const f = String(i).padStart(4, '0');
    await sharp(rgb, { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(src, `rough.${f}.png`));
    await sharp(nrm, { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(src, `normal.${f}.png`));
  }
  await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toFile(join(src, 'concept.png'));
  const dir = join(root, 'production');
  const prod = await initProduction(dir, { name: 'Farm test production', defaultOwner: 'Test Studio', defaultLicence: 'work for hire' });
  await addShot(prod, 'sh1', join(src, 'rough.####.png'), { fps: 24 });
  await addShotPass(prod, 'sh1', 'normal', join(src, 'normal.####.png'));
  await ingestFiles(prod, [join(src, 'concept.png')], { kind: 'concept_art', cleared: true });
  await createDataset(prod, 'ds', { kinds: ['concept_art'], onlyCleared: true });
  E.manualSeed(7);
  const config = makeConfig([{ name: 'normal', channels: 3 }], { arch: { baseChannels: 8, resBlocks: 2, discChannels: 4 } });
  const g = new LookGenerator(inputChannels(config), config.arch);
  saveLookModel(join(root, 'model.safetensors'), config, g.stateDict());
  g.dispose();
  const modelVersion = await prod.registerModelVersion({ kind: 'look', datasetId: 'ds', config, seed: 7, files: { 'model.safetensors': join(root, 'model.safetensors') } });
  return { root, prod, dir, modelVersion, frames };
}
