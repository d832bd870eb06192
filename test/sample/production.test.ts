// The generated sample production: files, manifest roles and links, rights, determinism, speed.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { generateSampleProduction } from '../../src/sample/index.js';
import type { SampleResult } from '../../src/sample/index.js';
import { readPng } from '../../src/sample/write.js';
import { testShots } from '../../src/sample/scenes.js';
import { idColor } from '../../src/sample/passes.js';
import { highFrequency } from './helpers.js';

const SIZE = { width: 64, height: 64 };
const OPTS = { ...SIZE, seed: 5, shotFrames: 4, preview: false };
let dir = '';
let res: SampleResult;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-sample-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  res = await generateSampleProduction(join(dir, 'a'), OPTS);
});

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p); else out.push(relative(root, p).split('\\').join('/'));
    }
  };
  walk(root);
  return out.sort();
}

const digest = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

test('every file on disk is in the manifest, and every manifest path exists', () => {
  const onDisk = listFiles(res.outDir).filter((f) => f !== 'manifest.json');
  const listed = res.manifest.files.map((f) => f.path).sort();
  assert.deepEqual(onDisk, listed);
  assert.equal(res.files, listed.length + 1);
  for (const f of res.manifest.files) if (f.kind !== 'preview') assert.match(f.path, /\.\d{4}\.png$/, `image-sequence name: ${f.path}`);
});

test('same seed gives byte-identical files; another seed gives other paintings', async () => {
  const again = await generateSampleProduction(join(dir, 'b'), OPTS);
  assert.deepEqual(again.manifest, res.manifest);
  for (const f of res.manifest.files) assert.equal(digest(join(again.outDir, f.path)), digest(join(res.outDir, f.path)), f.path);
  const other = await generateSampleProduction(join(dir, 'c'), { ...OPTS, seed: 6, shotFrames: 2 });
  const p = res.manifest.files.find((f) => f.kind === 'paintover')!;
  assert.notEqual(digest(join(other.outDir, p.path)), digest(join(res.outDir, p.path)));
});

test('roles, links and rights: paintovers link rough + passes; test ground truth is held out', () => {
  const m = res.manifest;
  const byPath = new Map(m.files.map((f) => [f.path, f]));
  const kinds = (k: string) => m.files.filter((f) => f.kind === k);
  assert.ok(kinds('paintover').length >= 9);
  assert.ok(kinds('concept').length >= 3);
  assert.equal(kinds('character_sheet').length, 2);
  const tests = m.scenes.filter((s) => s.split === 'test');
  assert.ok(tests.length >= 3);
  for (const f of [...kinds('paintover'), ...kinds('ground_truth'), ...kinds('keyframe')]) {
    assert.equal(byPath.get(f.rough!)?.kind, 'rough', f.path);
    assert.deepEqual(Object.keys(f.passes!).sort(), ['albedo', 'depth', 'diffuse', 'id', 'motion', 'normal']);
    for (const [name, p] of Object.entries(f.passes!)) {
      const pass = byPath.get(p)!;
      assert.equal(pass.kind, 'pass');
      assert.equal(pass.pass, name);
      assert.equal(pass.rough, f.rough);
      assert.equal(pass.frame, f.frame);
    }
  }
  for (const f of m.files) {
    const training = ['paintover', 'rough', 'pass', 'concept', 'character_sheet', 'keyframe'].includes(f.kind);
    if (f.kind === 'ground_truth') {
      assert.equal(f.rights.cleared_for_training, false);
      assert.equal(f.rights.held_out, true);
    } else if (training) {
      assert.equal(f.rights.cleared_for_training, true, f.path);
      assert.equal(f.rights.held_out, undefined);
    }
    assert.equal(f.rights.owner, 'Atelier Sample Studio');
    assert.equal(f.rights.licence, 'CC0-1.0');
  }
  for (const s of tests) {
    const gt = kinds('ground_truth').filter((f) => f.scene === s.name).map((f) => f.frame);
    const rough = kinds('rough').filter((f) => f.scene === s.name).map((f) => f.frame);
    assert.deepEqual(gt, [...Array(s.frames).keys()]);
    assert.deepEqual(rough, gt);
    assert.deepEqual(kinds('keyframe').filter((f) => f.scene === s.name).map((f) => f.frame), [0, s.frames - 1]);
    assert.deepEqual(s.keyframes, [0, s.frames - 1]);
  }
  // The same character id in every scene; characters listed per file.
  for (const s of m.scenes) for (const row of s.ids) if (row.kind === 'character') assert.equal(row.id, row.name === 'mira' ? 10 : 11);
  // Every id names one thing in every scene (as a studio's ID pass does): house 2 of the village is
  // house2 wherever it is seen, and no id is a house in one scene and a tree in another.
  const named = new Map<number, Set<string>>();
  for (const s of m.scenes) for (const row of s.ids) named.set(row.id, (named.get(row.id) ?? new Set()).add(row.name));
  for (const [id, names] of named) assert.equal(names.size, 1, `id ${id} names ${[...names].join(', ')}`);
  assert.ok([...named.values()].some((n) => n.has('house0')), 'the village\'s houses are in the sample');
  assert.ok(kinds('ground_truth').some((f) => f.characters.includes('mira')));
  assert.deepEqual(m.characters.map((c) => c.name), ['mira', 'pip']);
  const sheet = kinds('character_sheet').find((f) => f.characters[0] === 'mira')!;
  assert.equal(sheet.width, SIZE.width * 2);
  assert.ok(existsSync(join(res.outDir, 'manifest.json')));
});

test('characters: the cast appears in at least four held-out shots, each in its own light and setting, by the id pass', async () => {
  const m = res.manifest;
  const tests = m.scenes.filter((s) => s.split === 'test');
  assert.ok(tests.length >= 5);
  assert.equal(new Set(tests.map((s) => `${s.setting}/${s.light}`)).size, tests.length, 'every test shot has its own light and setting');
  for (const name of ['mira', 'pip']) {
    const shots = tests.filter((s) => s.characters.includes(name));
    assert.ok(shots.length >= 4, `${name} is in ${shots.length} test shots`);
    // The id pass shows the character in its fixed colour in the first and last frames of each of them.
    const [r, g, b] = idColor(name === 'mira' ? 10 : 11);
    for (const s of shots) {
      for (const frame of [0, s.frames - 1]) {
        const f = m.files.find((x) => x.kind === 'pass' && x.pass === 'id' && x.scene === s.name && x.frame === frame)!;
        const { data } = await readPng(join(res.outDir, f.path));
        let n = 0;
        for (let i = 0; i < data.length; i += 3) if (data[i] === r && data[i + 1] === g && data[i + 2] === b) n++;
        assert.ok(n >= 10, `${name} has ${n} id pixels in ${f.path}`);
      }
    }
  }
  // Ground truth of every test shot stays held out; sheets are tied to their character.
  for (const s of tests) assert.ok(m.files.filter((f) => f.scene === s.name && f.kind === 'ground_truth').every((f) => f.rights.held_out && !f.rights.cleared_for_training));
  for (const f of m.files.filter((x) => x.kind === 'character_sheet')) assert.ok(f.tags.includes(`character:${f.characters[0]}`), f.path);
});

test('painted frames differ from rough frames and carry high-frequency brush texture', async () => {
  for (const p of res.manifest.files.filter((f) => f.kind === 'paintover').slice(0, 4)) {
    const painted = await readPng(join(res.outDir, p.path));
    const rough = await readPng(join(res.outDir, p.rough!));
    const id = await readPng(join(res.outDir, p.passes!.id!));
    const diffuse = await readPng(join(res.outDir, p.passes!.diffuse!));
    const { width: w, height: h } = painted;
    // Interior pixels only (same id and no shadow edge in a 5x5 window): the rough frame is smooth
    // there, paint is not.
    const idv = (i: number) => (id.data[i * 3]! << 16) | (id.data[i * 3 + 1]! << 8) | id.data[i * 3 + 2]!;
    const interior = (i: number) => {
      const x = i % w, y = (i - x) / w;
      if (x < 2 || y < 2 || x >= w - 2 || y >= h - 2) return false;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const j = i + dy * w + dx;
          if (idv(j) !== idv(i) || Math.abs(diffuse.data[j * 3]! - diffuse.data[i * 3]!) > 24) return false;
        }
      }
      return true;
    };
    const hfPaint = highFrequency(painted.data as Uint8Array, w, h, interior);
    const hfRough = highFrequency(rough.data as Uint8Array, w, h, interior);
    assert.ok(hfPaint > 2 * hfRough + 2, `${p.path}: painted HF ${hfPaint.toFixed(2)} vs rough ${hfRough.toFixed(2)}`);
    let diff = 0;
    for (let i = 0; i < painted.data.length; i++) diff += Math.abs(painted.data[i]! - rough.data[i]!);
    assert.ok(diff / painted.data.length > 10, `${p.path}: painted too close to rough`);
  }
});

test('the look is not a colour transfer: shadows turn cool in paint only, and a global transfer leaves a large error', async () => {
  let shifts = 0, checked = 0;
  for (const p of res.manifest.files.filter((f) => f.kind === 'paintover')) {
    const P = (await readPng(join(res.outDir, p.path))).data, R = (await readPng(join(res.outDir, p.rough!))).data;
    const D = (await readPng(join(res.outDir, p.passes!.diffuse!))).data, I = (await readPng(join(res.outDir, p.passes!.id!))).data;
    const n = P.length / 3;
    // Per-channel mean/std transfer of the rough frame onto the painting's statistics.
    const stats = (a: ArrayLike<number>) => [0, 1, 2].map((c) => {
      let s1 = 0, s2 = 0;
      for (let i = 0; i < n; i++) { s1 += a[i * 3 + c]!; s2 += a[i * 3 + c]! ** 2; }
      const mu = s1 / n;
      return [mu, Math.sqrt(Math.max(1e-6, s2 / n - mu * mu))] as const;
    });
    const sp = stats(P), sr = stats(R);
    let err = 0;
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) err += Math.abs((R[i * 3 + c]! - sr[c]![0]) / sr[c]![1] * sp[c]![1] + sp[c]![0] - P[i * 3 + c]!);
    assert.ok(err / (n * 3) > 10, `${p.path}: a global colour transfer gets within ${(err / n / 3).toFixed(1)}`);
    // Ground (id 1): blue-minus-red of shadowed vs sunlit pixels.
    const coolShift = (a: ArrayLike<number>) => {
      let maxD = 0;
      for (let i = 0; i < n; i++) if (I[i * 3] === 90 && I[i * 3 + 1] === 70 && I[i * 3 + 2] === 40) maxD = Math.max(maxD, D[i * 3]!);
      const acc = { sh: 0, nsh: 0, li: 0, nli: 0 };
      for (let i = 0; i < n; i++) {
        if (!(I[i * 3] === 90 && I[i * 3 + 1] === 70 && I[i * 3 + 2] === 40)) continue;
        const br = (a[i * 3 + 2]! - a[i * 3]!) / (a[i * 3]! + a[i * 3 + 1]! + a[i * 3 + 2]! + 1);
        if (D[i * 3]! < 8) { acc.sh += br; acc.nsh++; } else if (D[i * 3]! > 0.8 * maxD) { acc.li += br; acc.nli++; }
      }
      return acc.nsh >= 20 && acc.nli >= 20 ? acc.sh / acc.nsh - acc.li / acc.nli : null;
    };
    const sp2 = coolShift(P), sr2 = coolShift(R);
    if (sp2 === null || sr2 === null) continue;
    checked++;
    assert.ok(Math.abs(sr2) < 0.02, `${p.path}: rough shadows are neutral (${sr2.toFixed(3)})`);
    if (sp2 > 0.025 && sp2 > 4 * Math.abs(sr2)) shifts++;
  }
  assert.ok(checked >= 3 && shifts >= checked - 1, `painted shadows turned cool in ${shifts} of ${checked} frames`);
});

test('regenerating into a production folder replaces it; a folder with other files is refused', async () => {
  const out = join(dir, 'regen');
  await generateSampleProduction(out, { width: 40, height: 40, shotFrames: 3, preview: false });
  const second = await generateSampleProduction(out, { width: 40, height: 40, shotFrames: 2, preview: false });
  assert.deepEqual(listFiles(out).filter((f) => f !== 'manifest.json'), second.manifest.files.map((f) => f.path).sort());
  const foreign = join(dir, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'notes.txt'), 'keep me');
  await assert.rejects(generateSampleProduction(foreign, { width: 40, height: 40, shotFrames: 2 }), /not a sample production/);
  assert.equal(readFileSync(join(foreign, 'notes.txt'), 'utf8'), 'keep me');
});

test('generation at a small size is fast', async () => {
  const t = performance.now();
  await generateSampleProduction(join(dir, 'd'), { width: 48, height: 48, shotFrames: 2, preview: false });
  const s = (performance.now() - t) / 1000;
  assert.ok(s < 20, `took ${s.toFixed(1)} s`);
});

test('atelier sample CLI writes a production and reports it as JSON; bad sizes are refused', () => {
  const bin = join(process.cwd(), 'bin', 'atelier');
  const out = join(dir, 'cli');
  const r = spawnSync(process.execPath, [bin, 'sample', out, '--size', '40x32', '--seed', '3', '--shot-frames', '2', '--no-preview', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.width, 40);
  assert.equal(j.height, 32);
  assert.equal(j.seed, 3);
  assert.equal(j.counts.ground_truth, testShots(2).length * 2);
  assert.ok(existsSync(join(out, 'manifest.json')));
  const bad = spawnSync(process.execPath, [bin, 'sample', join(dir, 'bad'), '--size', '10'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /WxH/);
});
