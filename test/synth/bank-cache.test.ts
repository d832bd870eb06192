// The exemplar bank's guides on disk (synth/bank-cache.ts): a second process's bank reads them
// instead of running the look model on every pair, and equals a fresh build; a damaged, tampered or
// misshapen file is rebuilt, never used; other inputs get another file; the newest few are kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { addShot, addShotPass } from '../../src/store/index.js';
import { tinyProduction } from './tiny-production.js';
import { renderShotFrames } from '../../src/render/render-shot.js';
import { mkdirSync } from 'node:fs';
import { loadLookModel } from '../../src/models/look/model-file.js';
import { exemplarBank, exemplarsFromFiles, clearExemplarBanks } from '../../src/synth/exemplar-bank.js';
import { bankCacheDir, readCachedGuide, writeCachedGuide, KEPT_BANKS } from '../../src/synth/bank-cache.js';
import { DEFAULT_SYNTH } from '../../src/synth/synthesize.js';
import { BUILTIN_OCIO_CONFIG } from '../../src/data/builtin-ocio.js';
import { productionColour } from '../../src/store/colour-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'atelier-bank-cache-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const S = 24;

async function png(name: string, f: (x: number, y: number, c: number) => number): Promise<string> {
  const data = Buffer.alloc(S * S * 3);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) data[(y * S + x) * 3 + c] = f(x, y, c) & 255;
  await sharp(data, { raw: { width: S, height: S, channels: 3 } }).png().toFile(join(dir, name));
  return join(dir, name);
}

const production = (name = 'prod') => tinyProduction(dir, name, png);

const same = (a: E.Tensor, b: E.Tensor) => assert.deepEqual(a.toArray(), b.toArray());

test('the bank\'s guides are kept on disk, read back by the next process, and rebuilt when the file cannot be trusted', async () => {
  const { prod, version, modelFile } = await production();
  const model = loadLookModel(modelFile);
  const cacheDir = bankCacheDir(prod.dir);
  const snapshot = await prod.dataset('ds');
  const pairs = snapshot.pairs.map((p) => ({ painted: p.painted.path, rough: p.rough.path, passes: { normal: p.passes.normal!.path } }));
  const fresh = await exemplarsFromFiles(model, pairs, DEFAULT_SYNTH, await productionColour(prod));
  try {
    const before = E.liveTensors();

    const first = await exemplarBank(prod, version, model);
    same(first.guide, fresh.guide);
    same(first.style, fresh.style);
    const files = readdirSync(cacheDir);
    assert.equal(files.length, 1, 'one bank file written');
    const file = join(cacheDir, files[0]!), key = files[0]!.replace(/\.safetensors$/, '');
    clearExemplarBanks();

    // Read back (a new process has only the disk): a guide planted under the key proves it is read.
    const planted = E.tidy(() => fresh.guide.mul(0.5));
    assert.ok(writeCachedGuide(cacheDir, key, planted));
    const read = await exemplarBank(prod, version, model);
    same(read.guide, planted);
    same(read.style, fresh.style);
    clearExemplarBanks();

    // A damaged file, a file whose data no longer matches its hash, one of another shape: rebuilt.
    const good = readFileSync(file);
    const tampered = Buffer.from(good);
    tampered[tampered.length - 3] ^= 0x40;
    const misshapen = E.tidy(() => fresh.guide.slice(0, 0, 1).contiguous());
    for (const [what, damage] of [
      ['garbage', () => writeFileSync(file, 'not a safetensors file')],
      ['truncated', () => writeFileSync(file, good.subarray(0, good.length - 100))],
      ['tampered data', () => writeFileSync(file, tampered)],
      ['another shape', () => writeCachedGuide(cacheDir, key, misshapen)],
    ] as const) {
      damage();
      const rebuilt = await exemplarBank(prod, version, model);
      same(rebuilt.guide, fresh.guide);
      const back = readCachedGuide(cacheDir, key);
      assert.ok(back, `${what}: the file is written anew`);
      same(back.guide, fresh.guide);
      back.guide.dispose();
      clearExemplarBanks();
    }

    // Other guide weights: another key, another file.
    await exemplarBank(prod, version, model, { roughWeight: 0.5, passWeight: 0.5 });
    assert.equal(readdirSync(cacheDir).length, 2);
    clearExemplarBanks();
    E.disposeAll([planted, misshapen]);
    assert.equal(E.liveTensors(), before, 'no tensor left behind');

    // Switched off (work on the guides' own code): neither read nor written.
    process.env.ATELIER_BANK_CACHE = 'off';
    try {
      assert.equal(readCachedGuide(cacheDir, key), null);
      assert.equal(writeCachedGuide(join(dir, 'off'), 'k', fresh.guide), false);
    } finally { delete process.env.ATELIER_BANK_CACHE; }
    const on = readCachedGuide(cacheDir, key);
    assert.ok(on, 'read again once switched back on');
    on.guide.dispose();

    // The IDs the exemplars' ID passes hold travel with the guide, under its hash.
    const idsDir = join(dir, 'ids');
    const ids = new Map([['id', new Set(['0,0,0', '1024,41,41'])]]);
    const idGuide = E.ones([1, 3, 8, 8]);
    assert.ok(writeCachedGuide(idsDir, 'k', idGuide, ids));
    idGuide.dispose();
    const withIds = readCachedGuide(idsDir, 'k');
    assert.ok(withIds);
    assert.deepEqual(withIds.ids, ids);
    withIds.guide.dispose();
    const idsFile = join(idsDir, 'k.safetensors');
    writeFileSync(idsFile, readFileSync(idsFile).toString('latin1').replace('1024,41,41', '1024,41,42'), 'latin1');
    assert.equal(readCachedGuide(idsDir, 'k'), null, 'IDs changed in the file: not trusted');

    // Only the newest KEPT_BANKS are kept.
    const pruneDir = join(dir, 'prune');
    const t = E.zeros([1, 3, 8, 8]);
    for (let k = 0; k < KEPT_BANKS + 2; k++) {
      writeCachedGuide(pruneDir, `k${k}`, t);
      const when = new Date(Date.now() - (KEPT_BANKS + 2 - k) * 60_000);
      utimesSync(join(pruneDir, `k${k}.safetensors`), when, when);
    }
    writeCachedGuide(pruneDir, 'newest', t);
    t.dispose();
    const kept = ['newest', ...Array.from({ length: KEPT_BANKS - 1 }, (_, i) => `k${KEPT_BANKS + 1 - i}`)].map((n) => `${n}.safetensors`);
    assert.deepEqual(readdirSync(pruneDir).sort(), kept.sort());
  } finally {
    E.disposeAll([fresh.guide, fresh.style]);
    model.generator.dispose();
    await prod.close();
  }
});

test('a final render says it is preparing the strokes, and renders the same frames with its bank from disk', async () => {
  const { prod, version, modelFile } = await production('render');
  const model = loadLookModel(modelFile);
  try {
    const shotDir = join(dir, 'shot');
    mkdirSync(shotDir, { recursive: true });
    for (let f = 1; f <= 3; f++) {
      await png(join('shot', `rough.000${f}.png`), (x, y, c) => (x + f) * 9 + y * 5 + c * 40);
      await png(join('shot', `normal.000${f}.png`), (x, y, c) => (c === 2 ? 255 : (x + y + f) * 4));
    }
    await addShot(prod, 'sh1', join(shotDir, 'rough.####.png'), { fps: 24, meta: { cleared: true } });
    await addShotPass(prod, 'sh1', 'normal', join(shotDir, 'normal.####.png'), { meta: { cleared: true } });
    const render = async (name: string) => {
      clearExemplarBanks();
      const status: string[] = [];
      const r = await renderShotFrames(prod, 'sh1', model, version, { outDir: join(dir, 'out', name), quality: 'final', onStatus: (m) => status.push(m) });
      assert.match(status.join(' | '), /preparing the strokes/);
      return r.frames.map((f) => readFileSync(f.path));
    };
    process.env.ATELIER_BANK_CACHE = 'off';
    let fresh: Buffer[];
    try { fresh = await render('fresh'); } finally { delete process.env.ATELIER_BANK_CACHE; }
    assert.equal(fresh.length, 3);
    const written = await render('written');
    assert.equal(readdirSync(bankCacheDir(prod.dir)).length, 1, 'the bank kept on disk');
    const fromDisk = await render('from-disk');
    for (let i = 0; i < 3; i++) {
      assert.ok(written[i]!.equals(fresh[i]!) && fromDisk[i]!.equals(fresh[i]!), `frame ${i + 1}: the same bytes`);
    }
  } finally {
    clearExemplarBanks();
    model.generator.dispose();
    await prod.close();
  }
});

test('with an OCIO config file, a LUT edited along its search path gets a new bank; an unresolvable search path keeps none on disk', async () => {
  const { prod, version, modelFile } = await production('ocio');
  const model = loadLookModel(modelFile);
  const cacheDir = bankCacheDir(prod.dir);
  const show = join(dir, 'ocio-show');
  mkdirSync(join(show, 'luts'), { recursive: true });
  const lut = join(show, 'luts', 'grade.cube');
  writeFileSync(lut, 'LUT_3D_SIZE 2\n');
  const writeConfig = (searchPath: string) => writeFileSync(join(show, 'config.ocio'), BUILTIN_OCIO_CONFIG.replace(/^search_path:.*$/m, `search_path: ${searchPath}`));
  const banks = () => readdirSync(cacheDir).filter((n) => n.endsWith('.safetensors')).length;
  const bank = async () => { clearExemplarBanks(); await exemplarBank(prod, version, model); };
  try {
    writeConfig('luts');
    await prod.updateSettings({ ocioConfig: join(show, 'config.ocio') });
    await bank();
    assert.equal(banks(), 1);
    await bank();
    assert.equal(banks(), 1, 'nothing changed: the bank on disk is read');
    writeFileSync(lut, 'LUT_3D_SIZE 3\n');
    utimesSync(lut, new Date(2031, 0, 1), new Date(2031, 0, 1));
    await bank();
    assert.equal(banks(), 2, 'the LUT changed: another bank');
    writeConfig('$ATELIER_TEST_UNSET_SHOW/luts');
    delete process.env.ATELIER_TEST_UNSET_SHOW;
    await bank();
    assert.equal(banks(), 2, 'search path unknown: built, not kept on disk');
  } finally {
    clearExemplarBanks();
    model.generator.dispose();
    await prod.close();
  }
});
