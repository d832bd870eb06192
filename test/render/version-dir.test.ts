// Version folders: each new render claims its own, even when renders start at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import { claimVersionDir, claimDir, versionStamp, releaseIfEmpty } from '../../src/render/version-dir.js';

test('claimVersionDir: the next vNNN after the highest, created; never the same folder twice', async () => {
  const prod = mkdtempSync(join(tmpdir(), 'atelier-vdir-'));
  assert.equal(basename(claimVersionDir(prod, 'sh1')), 'v001');
  assert.ok(existsSync(join(prod, 'renders', 'sh1', 'v001')), 'claimed by creating it');
  assert.equal(basename(claimVersionDir(prod, 'sh1')), 'v002', 'an empty claimed folder is taken');
  mkdirSync(join(prod, 'renders', 'sh1', 'v010'));
  mkdirSync(join(prod, 'renders', 'sh1', 'v011-refine'));
  assert.equal(basename(claimVersionDir(prod, 'sh1')), 'v011');
  // Eight threads claiming at once get eight different folders.
  const url = new URL('../../src/render/version-dir.js', import.meta.url).href;
  const claims = await Promise.all(Array.from({ length: 8 }, () => new Promise<string>((res, rej) => {
    const w = new Worker(`import(${JSON.stringify(url)}).then((m) => require('node:worker_threads').parentPort.postMessage(m.claimVersionDir(${JSON.stringify(prod)}, 'sh2')))`, { eval: true });
    w.once('message', (m: string) => { res(basename(m)); void w.terminate(); });
    w.once('error', rej);
  })));
  assert.equal(new Set(claims).size, 8, `distinct: ${claims.join(', ')}`);
});

test('claimDir: the name, then -2, -3 (dailies renders started in the same second)', () => {
  const prod = mkdtempSync(join(tmpdir(), 'atelier-vdir-'));
  const base = join(prod, 'renders', 'sh1', `v3-${versionStamp(new Date('2026-11-25T15:30:00.123Z'))}`);
  assert.equal(basename(base), 'v3-20261125T153000Z');
  assert.equal(claimDir(base), base, 'parents are created');
  assert.equal(claimDir(base), `${base}-2`);
  assert.equal(claimDir(base), `${base}-3`);
});

test('releaseIfEmpty: an empty claimed folder goes, one with files stays', () => {
  const prod = mkdtempSync(join(tmpdir(), 'atelier-vdir-'));
  const a = claimVersionDir(prod, 'sh1'), b = claimVersionDir(prod, 'sh1');
  writeFileSync(join(b, 'sh1.0000.png'), 'x');
  releaseIfEmpty(a);
  releaseIfEmpty(b);
  assert.ok(!existsSync(a) && existsSync(join(b, 'sh1.0000.png')));
  assert.equal(basename(claimVersionDir(prod, 'sh1')), 'v003', 'numbering goes on after the highest that exists');
});
