// Movies of a rendered shot carry the shot's start timecode (ffprobe): H.264 of a PNG render,
// ProRes 4444 (.mov, with the rough frames' alpha) of an EXR render; a shot without a timecode
// gets none; conflicting or farm-unsupported codec flags are refused before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeFormatProduction } from './format-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/atelier', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'atelier-movie-tc-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const { prodDir, modelFile } = await makeFormatProduction(dir);

function render(shot: string, ...args: string[]) {
  return spawnSync(process.execPath, [BIN, 'render', shot, '--model', modelFile, '--production', prodDir, '--json', ...args], { encoding: 'utf8' });
}
function probe(path: string): { codec: string; profile: string; pix_fmt: string; timecode: string | undefined } {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,profile,pix_fmt:stream_tags=timecode', '-of', 'json', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = (JSON.parse(r.stdout) as { streams: { codec_name: string; profile: string; pix_fmt: string; tags?: { timecode?: string } }[] }).streams[0]!;
  return { codec: s.codec_name, profile: s.profile, pix_fmt: s.pix_fmt, timecode: s.tags?.timecode };
}

test('the H.264 movie of a PNG render starts at the shot\'s timecode', () => {
  const r = render('sh1');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.movie, join(out.outDir, 'sh1.mp4'));
  assert.deepEqual([probe(out.movie).codec, probe(out.movie).timecode], ['h264', '01:00:00:00']);
});

test('an EXR render\'s ProRes 4444 movie is a .mov with the timecode and the alpha; no timecode on a shot without one', () => {
  const r = render('sh1', '--format', 'exr', '--prores4444');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.movie, join(out.outDir, 'sh1.mov'));
  const p = probe(out.movie);
  assert.deepEqual([p.codec, p.profile, p.timecode], ['prores', '4444', '01:00:00:00']);
  assert.deepEqual(readdirSync(out.outDir).filter((n) => n.startsWith('.')), [], 'no PNG copies left');
  const a = render('sha', '--format', 'exr', '--prores4444');
  assert.equal(a.status, 0, a.stderr);
  const pa = probe(JSON.parse(a.stdout).movie);
  assert.equal(pa.pix_fmt, 'yuva444p12le', 'alpha kept');
  assert.equal(pa.timecode, undefined);
});

// (The farm takes --prores4444 too since 1bc74fa: test/farm/cli.test.ts renders one with a worker.)
test('--prores with --prores4444: refused before any work', () => {
  const before = existsSync(join(prodDir, 'renders', 'sh1')) ? readdirSync(join(prodDir, 'renders', 'sh1')).length : 0;
  const both = render('sh1', '--prores', '--prores4444');
  assert.equal(both.status, 1);
  assert.match(both.stderr, /--prores and --prores4444 each choose the movie codec: give one/);
  assert.equal(readdirSync(join(prodDir, 'renders', 'sh1')).length, before);
});
