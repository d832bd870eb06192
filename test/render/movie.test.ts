// Preview movies: H.264 and ProRes from tiny generated PNG sequences, checked with ffprobe; and
// the errors (missing frames, mixed sizes, a broken frame) leave no file under the final name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { writeMovie, ffmpegRate } from '../../src/render/movie.js';
import { probeVideo } from '../../src/store/ffmpeg.js';

const root = mkdtempSync(join(tmpdir(), 'atelier-movie-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/** n frames 33x21 (odd on purpose), a moving bar, as shot.####.png from frame `first`. */
async function frames(dir: string, n: number, first = 1001, w = 33, h = 21): Promise<string> {
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(w * h * 3, 40);
    for (let y = 0; y < h; y++) for (let x = 0; x < 4; x++) px.fill(220, (y * w + ((x + i * 3) % w)) * 3, (y * w + ((x + i * 3) % w)) * 3 + 3);
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(join(dir, `shot.${String(first + i).padStart(4, '0')}.png`));
  }
  return join(dir, 'shot.####.png');
}

function profile(path: string): string {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=profile,pix_fmt', '-of', 'default=nw=1', path]);
  return r.stdout.toString();
}

test('H.264 MP4: codec, frame count, fps, even size, yuv420p; no temp files left', async () => {
  const dir = join(root, 'h264');
  (await import('node:fs')).mkdirSync(dir);
  const pattern = await frames(dir, 6);
  const out = join(dir, 'preview.mp4');
  let progressed = 0;
  const r = await writeMovie(pattern, out, { fps: 12, onProgress: (d) => { progressed = d; } });
  assert.equal(r.frames, 6);
  assert.equal(r.firstFrame, 1001);
  const p = probeVideo(out);
  assert.equal(p.codec, 'h264');
  assert.equal(p.frames, 6);
  assert.equal(p.fps, 12);
  assert.deepEqual([p.width, p.height], [32, 20]);
  assert.match(profile(out), /pix_fmt=yuv420p/);
  assert.ok(progressed >= 0);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  // A sub-range, printf-style pattern.
  const r2 = await writeMovie(join(dir, 'shot.%04d.png'), join(dir, 'part.mp4'), { fps: 24, range: [1002, 1004] });
  assert.equal(probeVideo(r2.path).frames, 3);
  // 23.976 as typed is NTSC's 24000/1001 (ffmpeg read it as 2997/125).
  const ntsc = await writeMovie(pattern, join(dir, 'ntsc.mp4'), { fps: 23.976 });
  const rate = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=r_frame_rate', '-of', 'csv=p=0', ntsc.path]).stdout.toString().trim();
  assert.equal(rate, '24000/1001');
  assert.deepEqual([ffmpegRate(29.97), ffmpegRate(59.94), ffmpegRate(25), ffmpegRate(23.98)], ['30000/1001', '60000/1001', '25', '24000/1001']);
});

test('a % in the folders is a folder name, not a pattern (a show_100%d folder broke every movie)', async () => {
  const dir = join(root, 'show_100%d', '50%');
  (await import('node:fs')).mkdirSync(dir, { recursive: true });
  const r = await writeMovie(await frames(dir, 3), join(dir, 'p.mp4'), { fps: 24 });
  assert.equal(probeVideo(r.path).frames, 3);
});

test('frames numbered below 0 (a pre-roll before 0000) make a movie too, and leave no links behind', async () => {
  const dir = join(root, 'negative');
  (await import('node:fs')).mkdirSync(dir);
  await frames(dir, 3, 0);
  const { renameSync } = await import('node:fs');
  // shot.-0002, shot.-0001, shot.0000: named as sequences and renders name them.
  renameSync(join(dir, 'shot.0000.png'), join(dir, 'shot.-0002.png'));
  renameSync(join(dir, 'shot.0001.png'), join(dir, 'shot.-0001.png'));
  renameSync(join(dir, 'shot.0002.png'), join(dir, 'shot.0000.png'));
  const r = await writeMovie(join(dir, 'shot.####.png'), join(dir, 'neg.mp4'), { fps: 24 });
  assert.deepEqual([r.firstFrame, r.frames, probeVideo(r.path).frames], [-2, 3, 3]);
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), [], 'the renumbered links are gone');
});

test('ProRes 422 HQ .mov on request (and by extension)', async () => {
  const dir = join(root, 'prores');
  (await import('node:fs')).mkdirSync(dir);
  const pattern = await frames(dir, 4, 1);
  const r = await writeMovie(pattern, join(dir, 'edit.mov'), { fps: 25 });
  assert.equal(r.codec, 'prores');
  const p = probeVideo(r.path);
  assert.equal(p.codec, 'prores');
  assert.equal(p.frames, 4);
  assert.equal(p.fps, 25);
  assert.match(profile(r.path), /profile=HQ/);
  assert.match(profile(r.path), /pix_fmt=yuv422p10le/);
});

test('errors: missing frames, mixed sizes, a broken frame, nothing to encode; no half-written movie', async () => {
  const dir = join(root, 'bad');
  (await import('node:fs')).mkdirSync(dir);
  const pattern = await frames(dir, 6);
  rmSync(join(dir, 'shot.1003.png'));
  rmSync(join(dir, 'shot.1004.png'));
  const out = join(dir, 'preview.mp4');
  await assert.rejects(writeMovie(pattern, out), /missing frames 1003-1004 of 1001-1006/);
  await frames(dir, 1, 1003);
  await frames(dir, 1, 1004, 34, 21);
  await assert.rejects(writeMovie(pattern, out), /shot\.1004\.png is 34x21 but frame 1001 is 33x21/);
  // A PNG header with garbage after it: ffmpeg itself fails.
  const good = (await import('node:fs')).readFileSync(join(dir, 'shot.1001.png'));
  writeFileSync(join(dir, 'shot.1004.png'), Buffer.concat([good.subarray(0, 33), Buffer.alloc(200, 7)]));
  await assert.rejects(writeMovie(pattern, out), /ffmpeg could not encode .*preview\.mp4/);
  assert.ok(!existsSync(out), 'a failed encode left a movie under the final name');
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  await assert.rejects(writeMovie(join(dir, 'none.####.png'), out), /no frames match/);
});
