// A file OCIO config's fingerprint: its bytes and the files along its search paths, so caches of
// what it makes change when a LUT does; null when the search paths cannot be known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { searchPaths, ocioConfigFingerprint, MAX_CONFIG_FILES } from '../../src/data/ocio-files.js';

const dir = mkdtempSync(join(tmpdir(), 'atelier-ocio-files-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('search paths: one line (quoted or not, colon-separated), a flow list, a block list, none', () => {
  assert.deepEqual(searchPaths('ocio_profile_version: 2\nsearch_path: luts:shared/luts\nroles:\n'), ['luts', 'shared/luts']);
  assert.deepEqual(searchPaths('search_path: "luts"  # the show LUTs\n'), ['luts']);
  assert.deepEqual(searchPaths("search_path: ['a', b]\n"), ['a', 'b']);
  assert.deepEqual(searchPaths('search_path:\n  - luts\n  - "$SHOW/luts"\n\nroles:\n  default: raw\n'), ['luts', '$SHOW/luts']);
  assert.deepEqual(searchPaths('search_path: ""\n'), []);
  assert.deepEqual(searchPaths('roles:\n  default: raw\n'), []);
});

test('the fingerprint follows the config and every file along its search paths', () => {
  const cfg = join(dir, 'show', 'config.ocio');
  mkdirSync(join(dir, 'show', 'luts', 'sub'), { recursive: true });
  writeFileSync(cfg, 'ocio_profile_version: 2\nsearch_path: luts\n');
  const lut = join(dir, 'show', 'luts', 'sub', 'grade.cube');
  writeFileSync(lut, 'LUT_3D_SIZE 2\n');
  const a = ocioConfigFingerprint(cfg);
  assert.match(a ?? '', /^[0-9a-f]{64}$/);
  assert.equal(ocioConfigFingerprint(cfg), a, 'nothing changed: the same fingerprint');
  writeFileSync(lut, 'LUT_3D_SIZE 3\n');
  utimesSync(lut, new Date(2030, 0, 1), new Date(2030, 0, 1));
  const b = ocioConfigFingerprint(cfg);
  assert.notEqual(b, a, 'a LUT edited in place');
  writeFileSync(join(dir, 'show', 'luts', 'extra.spi1d'), '');
  assert.notEqual(ocioConfigFingerprint(cfg), b, 'a LUT added');
  // Files outside the search paths are not read by OCIO: they do not count.
  writeFileSync(join(dir, 'show', 'notes.txt'), 'x');
  const c = ocioConfigFingerprint(cfg);
  writeFileSync(join(dir, 'show', 'notes.txt'), 'xy');
  assert.equal(ocioConfigFingerprint(cfg), c);
  writeFileSync(cfg, 'ocio_profile_version: 2\nsearch_path: luts\n# edited\n');
  assert.notEqual(ocioConfigFingerprint(cfg), c, 'the config itself');
});

test('no fingerprint when the search paths cannot be known: a variable not set, too many files, no config', () => {
  const cfg = join(dir, 'vars.ocio');
  writeFileSync(cfg, 'search_path: $ATELIER_TEST_UNSET_SHOW/luts\n');
  delete process.env.ATELIER_TEST_UNSET_SHOW;
  assert.equal(ocioConfigFingerprint(cfg), null);
  process.env.ATELIER_TEST_UNSET_SHOW = join(dir, 'show');
  try { assert.notEqual(ocioConfigFingerprint(cfg), null, 'set: walked'); } finally { delete process.env.ATELIER_TEST_UNSET_SHOW; }
  mkdirSync(join(dir, 'many'));
  for (let i = 0; i <= MAX_CONFIG_FILES; i++) writeFileSync(join(dir, 'many', `${i}.cube`), '');
  const many = join(dir, 'many.ocio');
  writeFileSync(many, 'search_path: many\n');
  assert.equal(ocioConfigFingerprint(many), null);
  assert.equal(ocioConfigFingerprint(join(dir, 'absent.ocio')), null);
});
