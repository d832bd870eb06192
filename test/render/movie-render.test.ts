// atelier render writes the preview movie: H.264 by default once the version folder holds every
// frame of the shot (checked with ffprobe), none (with a note) after a sub-range, ProRes with
// --prores when a later range completes the folder, and nothing with --no-movie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { initProduction, addShot, addShotPass } from '../../src/store/index.js';
import { makeConfig, inputChannels } from '../../src/models/look/config.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import { saveLookModel } from '../../src/models/look/model-file.js';
import { probeVideo } from '../../src/store/ffmpeg.js';

const BIN = fileURLToPath(new URL('../../../bin/atelier', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'atelier-movie-render-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const S = 32, N = 6;
const shotDir = join(dir, 'shot');
mkdirSync(shotDir);
for (let i = 0; i < N; i++) {
  const rgb = Buffer.alloc(S * S * 3), nrm = Buffer.alloc(S * S * 3, 128);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    const k = (y * S + x) * 3;
    const inside = (x - 8 - 2 * i) ** 2 + (y - 16) ** 2 < 30;
    rgb[k] = inside ? 220 : 40 + 4 * x; rgb[k + 1] = inside ? 80 : 90 + 3 * y; rgb[k + 2] = 160;
  }
  const f = String(1001 + i);
  await sharp(rgb, { raw: { width: S, height: S, channels: 3 } }).png().toFile(join(shotDir, `rough.${f}.png`));
  await sharp(nrm, { raw: { width: S, height: S, channels: 3 } }).png().toFile(join(shotDir, `normal.${f}.png`));
}
const prodDir = join(dir, 'prod');
const prod = await initProduction(prodDir);
await addShot(prod, 'sh1', join(shotDir, 'rough.####.png'), { fps: 12 });
await addShotPass(prod, 'sh1', 'normal', join(shotDir, 'normal.####.png'));
await prod.close();
E.manualSeed(7);
const config = makeConfig([{ name: 'normal', channels: 3 }], { arch: { baseChannels: 4, resBlocks: 1, discChannels: 4 } });
const g = new LookGenerator(inputChannels(config), config.arch);
const modelFile = join(dir, 'model.safetensors');
saveLookModel(modelFile, config, g.stateDict());
g.dispose();

function render(...args: string[]): any {
  const r = spawnSync(process.execPath, [BIN, 'render', 'sh1', '--model', modelFile, '--production', prodDir, '--json', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('a whole-shot render writes a playable H.264 preview with every frame at the shot fps', () => {
  const out = join(dir, 'v1');
  const r = render('--output', out);
  assert.equal(r.frames, N);
  assert.equal(r.movie, join(out, 'sh1.mp4'));
  const p = probeVideo(r.movie);
  assert.equal(p.codec, 'h264');
  assert.equal(p.frames, N);
  assert.equal(p.fps, 12);
  assert.deepEqual([p.width, p.height], [S, S]);
});

test('a sub-range leaves no movie and says so; the range that completes the folder writes it (--prores)', () => {
  const out = join(dir, 'v2');
  const a = render('--frames', '1001-1003', '--output', out);
  assert.equal(a.movie, null);
  assert.match(a.movieNote, /1004-1006/);
  assert.deepEqual(readdirSync(out).filter((f) => /\.(mp4|mov)$/.test(f)), []);
  const b = render('--frames', '1004-1006', '--output', out, '--prores');
  assert.equal(b.movie, join(out, 'sh1.mov'));
  const p = probeVideo(b.movie);
  assert.equal(p.codec, 'prores');
  assert.equal(p.frames, N);
});

test('--no-movie writes frames only', () => {
  const out = join(dir, 'v3');
  const r = render('--output', out, '--no-movie', '--no-coherence');
  assert.equal(r.frames, N);
  assert.equal(r.movie, null);
  assert.equal(existsSync(join(out, 'sh1.mp4')), false);
});
