// Burn-ins on dailies movies (shot, version, frame, timecode). Decoded luma of a lossless H.264
// movie (crf 0) with burn-ins differs from the one without in the band at the bottom and nowhere
// else, and the band changes from frame to frame (the frame number, the timecode); without the
// option the movies are the frames of the code before burn-ins (ProRes 422 HQ / 4444 decoded luma
// pinned, sha256 from commit d23ae04); a missing font and a nameless shot are refused, no file left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, existsSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { writeMovie } from '../../src/render/movie.js';
import { burnInBand } from '../../src/render/burn-in.js';

const W = 96, H = 64, N = 4;
const dir = mkdtempSync(join(tmpdir(), 'atelier-burn-in-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
for (let i = 0; i < N; i++) {
  const px = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const k = (y * W + x) * 3;
    px[k] = (x * 2 + i * 7) & 255; px[k + 1] = (y * 3 + i * 5) & 255; px[k + 2] = ((x + y) * 2) & 255;
  }
  await sharp(px, { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(dir, `sh.${1001 + i}.png`));
}
const pattern = join(dir, 'sh.####.png');

/** The movie's frames as 8-bit luma planes (ffmpeg decodes; gray is the Y plane as coded). */
function luma(movie: string): Buffer[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', movie, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr?.toString());
  assert.equal(r.stdout.length, W * H * N);
  return Array.from({ length: N }, (_, i) => r.stdout.subarray(i * W * H, (i + 1) * W * H));
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);

test('burn-ins change the band at the bottom and nothing else; the band changes with the frame', async () => {
  const plain = await writeMovie(pattern, join(dir, 'plain.mp4'), { fps: 24, crf: 0, timecode: '01:00:00:00' });
  const burnt = await writeMovie(pattern, join(dir, 'burnt.mp4'), { fps: 24, crf: 0, timecode: '01:00:00:00', burnIn: { shot: 'sh010', version: 'v003' } });
  assert.equal(burnt.timecode, '01:00:00:00');
  const a = luma(plain.path), b = luma(burnt.path);
  const band = burnInBand(H);
  assert.equal(band, 10);
  for (let f = 0; f < N; f++) {
    let changed = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (y < H - band) assert.equal(b[f]![i], a[f]![i], `frame ${f}: (${x}, ${y}) is above the band but changed`);
      else if (b[f]![i] !== a[f]![i]) changed++;
    }
    assert.ok(changed > W * band * 0.5, `frame ${f}: only ${changed} pixels of the band changed`);
  }
  // The source frames differ everywhere; inside the band the text differs between frames too.
  const textOf = (f: number) => b[f]!.subarray((H - band) * W);
  assert.notDeepEqual(textOf(0), textOf(1));
});

test('without burn-ins the movie is the one the code before them wrote', async () => {
  const before: Record<string, string> = { prores: '4649bfd446769986', prores4444: '985f2ff0d1d03973' };
  for (const codec of ['prores', 'prores4444'] as const) {
    const m = await writeMovie(pattern, join(dir, `m-${codec}.mov`), { fps: 24, codec, timecode: '01:00:00:00', burnIn: null });
    assert.equal(sha(Buffer.concat(luma(m.path))), before[codec], codec);
  }
});

test('a missing font or a nameless shot is refused before ffmpeg runs, nothing written', async () => {
  await assert.rejects(writeMovie(pattern, join(dir, 'nofont.mp4'), { burnIn: { shot: 'sh010', font: join(dir, 'none.ttf') } }),
    /burn-ins need the font .*none\.ttf, which is not there \(Debian: apt-get install fonts-dejavu-core\)/);
  await assert.rejects(writeMovie(pattern, join(dir, 'noshot.mp4'), { burnIn: { shot: '' } }), /a burn-in needs the shot's name/);
  assert.equal(existsSync(join(dir, 'nofont.mp4')) || existsSync(join(dir, 'noshot.mp4')), false);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
});
