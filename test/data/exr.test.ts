// EXR in through OpenEXR: files written by OpenImageIO (oiiotool), multi-layer and multi-part,
// half and float, ZIP/PIZ/DWAA; truncated and corrupt files give clear errors, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { exrParts, readExrChannels, decodeAllExr, writeExrFile, ExrError } from '../../src/data/exr-file.js';
import { exrLayers, selectExrLayer } from '../../src/data/exr-layers.js';
import { loadExrPlanes } from '../../src/data/exr-read.js';
import { SPACE } from '../../src/data/colour.js';
import { oiiotool, writeMultiLayer } from './exr-fixtures.js';
import { AP1_TO_LIN709 } from '../../src/data/builtin-ocio.js';

function dir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'atelier-exr-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('a multi-layer file: layers found, selected by name or channel, values as written', (t) => {
  const f = writeMultiLayer(join(dir(t), 'ml.exr'), { compression: 'piz' });
  const parts = exrParts(f);
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.compression, 'piz');
  assert.deepEqual(exrLayers(parts).map((l) => [l.name, l.short.join('')]).sort(), [['beauty', 'RGBA'], ['depth', 'Z'], ['motion', 'XY']]);
  assert.equal(selectExrLayer(f, parts).name, 'beauty');
  assert.deepEqual(selectExrLayer(f, parts, 'Z').channels, ['depth.Z']);
  const [x, y] = readExrChannels(f, parts[0]!, ['motion.X', 'motion.Y']);
  assert.equal(x![0], 1.5); assert.equal(y![31], -2);
  assert.throws(() => selectExrLayer(f, parts, 'normals'), (e: Error) => e instanceof ExrError && /no layer or channel "normals" \(the file has: beauty \[R G B A\], depth \[Z\], motion \[X Y\]\)/.test(e.message));
});

test('a multi-part file (float, DWAA and ZIP parts): each part a layer', (t) => {
  const f = join(dir(t), 'mp.exr');
  oiiotool(['--pattern', 'constant:color=0.25,0.5,1', '8x4', '3', '--attrib', 'oiio:subimagename', 'beauty',
    '--pattern', 'constant:color=7', '8x4', '1', '--chnames', 'Z', '--attrib', 'oiio:subimagename', 'depth', '--siappend', '-d', 'float', '--compression', 'dwaa', '-o', f]);
  const parts = exrParts(f);
  assert.deepEqual(parts.map((p) => p.name), ['beauty', 'depth']);
  assert.equal(parts[0]!.compression, 'dwaa');
  const depth = selectExrLayer(f, parts, 'Z');
  assert.equal(depth.part, 1);
  assert.equal(readExrChannels(f, parts[1]!, ['Z'])[0]![5], 7);
  // No colour metadata: the default EXR space (ACEScg) -> the working space (sRGB - Texture).
  const beauty = loadExrPlanes(f, { parts });
  assert.equal(beauty.sourceSpace, SPACE.acescg);
  // DWAA is lossy: the expectation starts from the decoded values (near what was written).
  const raw = readExrChannels(f, parts[0]!, ['R', 'G', 'B']).map((p) => p[0]!);
  raw.forEach((v, c) => assert.ok(Math.abs(v - [0.25, 0.5, 1][c]!) < 5e-3));
  const lin = [0, 1, 2].map((r) => AP1_TO_LIN709[r * 3]! * raw[0]! + AP1_TO_LIN709[r * 3 + 1]! * raw[1]! + AP1_TO_LIN709[r * 3 + 2]! * raw[2]!);
  const enc = (v: number) => (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);
  lin.forEach((v, c) => assert.ok(Math.abs(beauty.planes[c]![0]! - enc(v)) < 1e-5, `channel ${c}: ${beauty.planes[c]![0]} vs ${enc(v)}`));
});

test('truncated and corrupt files: an ExrError saying which, never a crash', (t) => {
  const d = dir(t);
  const whole = readFileSync(writeMultiLayer(join(d, 'whole.exr'), { w: 320, h: 240, compression: 'zip' }));
  const cases: [string, Buffer, RegExp][] = [
    ['header.exr', whole.subarray(0, 60), /truncated EXR file/],
    ['half.exr', whole.subarray(0, Math.floor(whole.length * 0.6)), /truncated EXR file/],
    ['lastbyte.exr', whole.subarray(0, whole.length - 1), /truncated EXR file/],
  ];
  const noisy = Buffer.from(whole);
  for (let i = Math.floor(noisy.length * 0.6); i < Math.floor(noisy.length * 0.6) + 64; i++) noisy[i] = (i * 97) & 255;
  cases.push(['noise.exr', noisy, /(corrupt|truncated) EXR file/]);
  const magicOnly = Buffer.from([0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0, 1, 2, 3]);
  cases.push(['magic.exr', magicOnly, /(corrupt|truncated) EXR file/]);
  for (const [name, bytes, want] of cases) {
    const p = join(d, name);
    writeFileSync(p, bytes);
    assert.throws(() => decodeAllExr(p), (e: Error) => e instanceof ExrError && want.test(e.message) && e.message.startsWith(p), name);
  }
  assert.throws(() => exrParts(join(d, 'absent.exr')), /absent\.exr: no such file/);
});

test('writer: half and float channels, multi-part, checked arguments; exrheader reads it', (t) => {
  const d = dir(t);
  const f = join(d, 'w.exr');
  const ramp = Float32Array.from({ length: 12 }, (_, i) => i / 7);
  writeExrFile(f, [{ name: 'beauty', width: 4, height: 3, channels: [{ name: 'R', data: ramp }, { name: 'G', type: 'float', data: ramp }] },
    { name: 'depth', width: 4, height: 3, compression: 'piz', channels: [{ name: 'Z', type: 'float', data: ramp }] }]);
  const header = spawnSync('exrheader', [f], { encoding: 'utf8' }).stdout;
  assert.match(header, /part 0:[\s\S]*R, 16-bit floating-point[\s\S]*name \(type string\): "beauty"[\s\S]*part 1:[\s\S]*compression \(type compression\): piz/);
  const parts = exrParts(f);
  const [r, g] = readExrChannels(f, parts[0]!, ['R', 'G']);
  assert.ok(Math.abs(r![5]! - 5 / 7) < 5e-4 && r![5] !== g![5], 'half rounds, float does not');
  assert.equal(g![5], Math.fround(5 / 7));
  assert.throws(() => writeExrFile(f, [{ width: 4, height: 3, channels: [{ name: 'R', data: new Float32Array(5) }] }]), /Float32Array of 12 values, got 5/);
  assert.throws(() => writeExrFile(f, [{ width: 4, height: 3, compression: 'lzw' as never, channels: [{ name: 'R', data: ramp }] }]), /compression must be one of/);
  assert.throws(() => writeExrFile(f, [{ name: 'a', width: 4, height: 3, channels: [{ name: 'R', data: ramp }] }, { name: 'a', width: 4, height: 3, channels: [{ name: 'R', data: ramp }] }]), /distinct names/);
  assert.deepEqual(parts.map((p) => p.name), ['beauty', 'depth'], 'a refused write leaves the file as it was');
});
