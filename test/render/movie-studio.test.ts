// Studio deliveries: ProRes 4444 with the frames' alpha beside 422 HQ and H.264, and the shot's
// start timecode written into the movie, all checked with ffprobe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { writeMovie } from '../../src/render/movie.js';
import { addFrames, parseTimecode, formatTimecode } from '../../src/store/timecode.js';

function probe(path: string): { profile: string; pix_fmt: string; timecode: string | undefined } {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=profile,pix_fmt:stream_tags=timecode', '-of', 'json', path], { encoding: 'utf8' });
  const s = (JSON.parse(r.stdout) as { streams: { profile: string; pix_fmt: string; tags?: { timecode?: string } }[] }).streams[0]!;
  return { profile: s.profile, pix_fmt: s.pix_fmt, timecode: s.tags?.timecode };
}

/** RGBA frames: a half-transparent square over nothing. */
async function rgbaFrames(dir: string, n: number, first: number): Promise<string> {
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(16 * 8 * 4, 0);
    for (let y = 2; y < 6; y++) for (let x = 4 + i; x < 10 + i; x++) px.set([230, 120, 40, 128], (y * 16 + x) * 4);
    await sharp(px, { raw: { width: 16, height: 8, channels: 4 } }).png().toFile(join(dir, `sh010.${first + i}.png`));
  }
  return join(dir, 'sh010.####.png');
}

test('ProRes 4444 carries alpha; 422 HQ and H.264 carry the timecode', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-movie-tc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pattern = await rgbaFrames(dir, 3, 1001);
  const comp = await writeMovie(pattern, join(dir, 'sh010_comp.mov'), { codec: 'prores4444', fps: 24, timecode: '01:00:41:17' });
  assert.equal(comp.timecode, '01:00:41:17');
  const p = probe(comp.path);
  assert.equal(p.profile, '4444');
  assert.match(p.pix_fmt, /^yuva444p/);
  assert.equal(p.timecode, '01:00:41:17');
  // The alpha plane decodes back: transparent corner, half-transparent square.
  const a = spawnSync('ffmpeg', ['-v', 'error', '-i', comp.path, '-frames:v', '1', '-vf', 'alphaextract', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 20 });
  assert.equal(a.status, 0, a.stderr?.toString());
  assert.ok(a.stdout[0]! < 3, `corner alpha ${a.stdout[0]}`);
  assert.ok(Math.abs(a.stdout[3 * 16 + 6]! - 128) < 4, `square alpha ${a.stdout[3 * 16 + 6]}`);

  const hq = await writeMovie(pattern, join(dir, 'sh010_edit.mov'), { codec: 'prores', fps: 24, timecode: '10:00:00:00' });
  assert.deepEqual([probe(hq.path).profile, probe(hq.path).timecode], ['HQ', '10:00:00:00']);
  const h264 = await writeMovie(pattern, join(dir, 'sh010.mp4'), { fps: 25, timecode: '00:59:59:24' });
  assert.equal(probe(h264.path).timecode, '00:59:59:24');
  const none = await writeMovie(pattern, join(dir, 'plain.mp4'), { fps: 25 });
  assert.equal(probe(none.path).timecode, undefined);
});

test('bad timecodes and containers are refused before ffmpeg runs, nothing written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-movie-tc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pattern = await rgbaFrames(dir, 1, 1001);
  await assert.rejects(writeMovie(pattern, join(dir, 'a.mov'), { codec: 'prores4444', timecode: '1:00:00:00' }), /must look like 01:00:00:00/);
  await assert.rejects(writeMovie(pattern, join(dir, 'a.mov'), { codec: 'prores4444', fps: 24, timecode: '01:00:00:24' }), /frame 24 does not exist at 24 fps/);
  await assert.rejects(writeMovie(pattern, join(dir, 'a.mov'), { fps: 24, timecode: '01:00:00;12' }), /drop-frame timecode 01:00:00;12 needs 29\.97/);
  await assert.rejects(writeMovie(pattern, join(dir, 'a.mp4'), { codec: 'prores4444' }), /must end in \.mov/);
  await assert.rejects(writeMovie(pattern, join(dir, 'a.mov'), { codec: 'dnxhd' as never }), /codec must be one of h264, prores, prores4444/);
  assert.equal(existsSync(join(dir, 'a.mov')) || existsSync(join(dir, 'a.mp4')), false);
});

test('timecode arithmetic: a frame number to its timecode from the shot start', () => {
  const start = parseTimecode('01:00:41:17', 24);
  assert.equal(formatTimecode(addFrames(start, 0, 24)), '01:00:41:17');
  assert.equal(formatTimecode(addFrames(start, 7, 24)), '01:00:42:00');
  assert.equal(formatTimecode(addFrames(parseTimecode('23:59:59:24', 25), 1, 25)), '00:00:00:00');
  // Drop-frame at 29.97 and 59.94 skips labels at each minute but every tenth (it counted as
  // non-drop: an EXR header said 00:01:00;00 where the movie's timecode track said 00:01:00;02).
  const df = (tc: string, n: number, fps = 29.97) => formatTimecode(addFrames(parseTimecode(tc, fps), n, fps));
  assert.equal(df('00:00:59;28', 2), '00:01:00;02');
  assert.equal(df('00:09:59;29', 1), '00:10:00;00');
  assert.equal(df('00:00:00;00', 17982), '00:10:00;00');
  assert.equal(df('00:00:00;00', 107892), '01:00:00;00');
  assert.equal(df('23:59:59;29', 1), '00:00:00;00');
  assert.equal(df('00:01:00;02', -1), '00:00:59;29');
  assert.equal(df('00:00:00;00', 3600, 59.94), '00:01:00;04');
  assert.equal(df('00:00:59:28', 2), '00:01:00:00', 'non-drop at 29.97 counts every label');
});
