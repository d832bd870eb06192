import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { initProduction, openProduction, ingestFiles, listAssets, getAsset, sha256, resolveAssetRef, updateAssets } from '../../src/store/index.js';
import { tempDir, writeImage, writeExr, writeBombPng, atelier } from './helpers.js';
import { forEachDialect } from './dialects.js';

forEachDialect((w) => {
  test('ingest accepts every supported format and rejects bad files one by one, naming file and reason', async (t) => {
    const dir = tempDir(t);
    const src = join(dir, 'in');
    const good = [
      await writeImage(join(src, 'a.png'), 1),
      await writeImage(join(src, 'b16.png'), 2, 'png16'),
      await writeImage(join(src, 'c.jpg'), 3, 'jpeg'),
      await writeImage(join(src, 'd.tif'), 4, 'tiff'),
      await writeImage(join(src, 'e.webp'), 5, 'webp'),
      writeExr(join(src, 'f.exr')),
    ];
    const empty = join(src, 'empty.png'); writeFileSync(empty, '');
    const pngBytes = readFileSync(await writeImage(join(src, 'whole.png'), 6));
    const truncated = join(src, 'truncated.png'); writeFileSync(truncated, pngBytes.subarray(0, pngBytes.length - 40));
    const jpgBytes = readFileSync(good[2]);
    const truncJpg = join(src, 'truncated.jpg'); writeFileSync(truncJpg, jpgBytes.subarray(0, Math.floor(jpgBytes.length * 0.7)));
    const corrupt = join(src, 'corrupt.png'); const c = Buffer.from(pngBytes); for (let i = 60; i < c.length - 20; i++) c[i] ^= 0xa5; writeFileSync(corrupt, c);
    const exrBytes = readFileSync(good[5]);
    const truncExr = join(src, 'truncated.exr'); writeFileSync(truncExr, exrBytes.subarray(0, Math.floor(exrBytes.length / 2)));
    const text = join(src, 'notes.png'); writeFileSync(text, 'not an image at all');
    const gif = join(src, 'anim.gif'); writeFileSync(gif, await (await import('sharp')).default({ create: { width: 8, height: 8, channels: 3, background: '#f00' } }).gif().toBuffer());
    const bomb = writeBombPng(join(src, 'bomb.png'));
    const missing = join(src, 'missing.png');

    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    const bad = [empty, truncated, truncJpg, corrupt, truncExr, text, gif, bomb, missing];
    const results = await ingestFiles(prod, [good[0], ...bad.slice(0, 4), ...good.slice(1), ...bad.slice(4)], { kind: 'concept_art' });
    const added = results.filter((r) => r.status === 'added');
    const rejected = new Map(results.filter((r) => r.status === 'rejected').map((r) => [r.file, (r as { reason: string }).reason]));
    assert.equal(added.length, good.length, JSON.stringify(results, null, 1));
    assert.deepEqual([...rejected.keys()].sort(), [...bad].sort());
    assert.match(rejected.get(empty)!, /empty/);
    assert.match(rejected.get(truncated)!, /truncated PNG/);
    assert.match(rejected.get(truncJpg)!, /truncated JPEG/i);
    assert.match(rejected.get(corrupt)!, /corrupt|truncated/i);
    assert.match(rejected.get(truncExr)!, /truncated EXR/);
    assert.match(rejected.get(text)!, /unsupported format/);
    assert.match(rejected.get(gif)!, /GIF/);
    assert.match(rejected.get(bomb)!, /100000×100000.*over the limit of 100 MP.*decompression bomb/);
    assert.match(rejected.get(missing)!, /no such file/);

    const assets = await listAssets(prod);
    assert.deepEqual(assets.map((a) => a.format).sort(), ['exr', 'jpeg', 'png', 'png', 'tiff', 'webp']);
    assert.equal(assets.find((a) => a.originalName === 'b16.png')!.bitDepth, 16);
    for (const a of assets) {
      assert.ok(existsSync(a.path), `blob of ${a.originalName}`);
      assert.equal(sha256(readFileSync(a.path)), a.hash);
      assert.match(a.path, /store\/sha256\/[0-9a-f]{2}\/[0-9a-f]{62}$/);
      assert.equal(a.rights.clearedForTraining, false, 'not cleared unless the production says so');
    }
  });

  test('identical files are stored once, look-alikes are flagged, metadata and rights are kept', async (t) => {
    const dir = tempDir(t);
    const a = await writeImage(join(dir, 'in', 'hero.png'), 11, 'png', 160, 120);
    const copy = join(dir, 'in', 'hero-copy.png'); writeFileSync(copy, readFileSync(a));
    const near = await writeImage(join(dir, 'in', 'hero-small.jpg'), 11, 'jpeg', 120, 90);
    const other = await writeImage(join(dir, 'in', 'forest.png'), 12, 'png', 160, 120);
    const prod = await w.init(join(dir, 'prod'), { defaultOwner: 'Studio North' });
    t.after(() => prod.close());
    const r = await ingestFiles(prod, [a, copy, near, other], {
      kind: 'character_sheet', tags: ['turnaround', 'v2'], characters: ['mira'], location: 'harbour', licence: 'work for hire', source: 'A. Artist', cleared: true,
    });
    assert.deepEqual(r.map((x) => x.status), ['added', 'duplicate', 'added', 'added']);
    assert.equal(r[1].status === 'duplicate' && r[1].asset.id, r[0].status === 'added' && r[0].asset.id);
    assert.deepEqual(r[2].status === 'added' && r[2].nearDuplicateOf?.id, r[0].status === 'added' && r[0].asset.id);
    assert.equal(r[3].status === 'added' && r[3].nearDuplicateOf, null);
    const { hashes } = prod.store.scan();
    assert.equal(hashes.length, 3, 'one blob per distinct content');
    const hero = await getAsset(prod, await resolveAssetRef(prod, copy));
    assert.deepEqual(hero.tags, ['turnaround', 'v2']);
    assert.deepEqual(hero.characters, ['mira']);
    assert.equal(hero.location, 'harbour');
    assert.deepEqual(hero.rights, { owner: 'Studio North', licence: 'work for hire', source: 'A. Artist', clearedForTraining: true });
    assert.equal((await listAssets(prod, { nearDuplicates: true })).length, 1);
    assert.equal((await listAssets(prod, { characters: ['mira'], tags: ['v2'] })).length, 3);
    assert.equal((await listAssets(prod, { tags: ['nope'] })).length, 0);
    const [edited] = await updateAssets(prod, [hero.id], { cleared: false, addTags: ['archived'], removeTags: ['v2'] });
    assert.equal(edited.rights.clearedForTraining, false);
    assert.deepEqual(edited.tags, ['archived', 'turnaround']);
  });

  test('a full disk stops the batch with one error naming it; what was added stays, and the same add finishes later', async (t) => {
    const dir = tempDir(t);
    const prod = await w.init(join(dir, 'p'));
    t.after(() => prod.close());
    const files = await Promise.all([1, 2, 3].map((i) => writeImage(join(dir, `f${i}.png`), 40 + i)));
    const put = prod.store.putBytes.bind(prod.store);
    let writes = 0;
    // The second new file finds the disk full (each file is put twice: before its row, and again inside its transaction).
    prod.store.putBytes = ((data: Buffer, hash?: string) => {
      if (++writes === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return put(data, hash);
    }) as typeof prod.store.putBytes;
    await assert.rejects(ingestFiles(prod, files, { kind: 'concept_art' }), (e: Error) => e.message.startsWith(`the disk holding the production is full (ENOSPC: no space left on device, write): stopped at ${files[1]}; what was added before it is kept`));
    assert.equal((await listAssets(prod)).length, 1);
    prod.store.putBytes = put;
    const again = await ingestFiles(prod, files, { kind: 'concept_art' });
    assert.deepEqual(again.map((r) => r.status), ['duplicate', 'added', 'added']);
  });

  test('the pixel limit is configurable and the production default decides clearance', async (t) => {
    const dir = tempDir(t);
    const big = await writeImage(join(dir, 'big.png'), 21, 'png', 1200, 1000);
    const prod = await w.init(join(dir, 'prod'), { maxMegapixels: 1, defaultClearedForTraining: true });
    t.after(() => prod.close());
    const [r] = await ingestFiles(prod, [big], { kind: 'concept_art' });
    assert.equal(r.status, 'rejected');
    assert.match((r as { reason: string }).reason, /image 1200×1000 \(1\.2 MP\) is over the limit of 1\.0 MP/);
    const [ok] = await ingestFiles(prod, [big], { kind: 'concept_art' }, { maxMegapixels: 2 });
    assert.equal(ok.status, 'added');
    assert.equal((await listAssets(prod))[0].rights.clearedForTraining, true);
  });

  test('atelier add: folders and globs, --json document, exit status 2 when some files are rejected', async (t) => {
    const dir = tempDir(t);
    await writeImage(join(dir, 'art', 'one.png'), 31);
    await writeImage(join(dir, 'art', 'sub', 'two.jpg'), 32, 'jpeg');
    writeFileSync(join(dir, 'art', 'readme.txt'), 'skip me');
    writeFileSync(join(dir, 'art', 'broken.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
    await writeImage(join(dir, 'loose', 'x1.webp'), 33, 'webp');
    await writeImage(join(dir, 'loose', 'x2.webp'), 34, 'webp');
    assert.equal(atelier(['init', join(dir, 'prod'), '--owner', 'Studio', '--json', ...await w.initArgs()]).status, 0);
    const r = atelier(['add', join(dir, 'art'), join(dir, 'loose', '*.webp'), '--kind', 'concept art', '--tag', 'a,b', '--production', join(dir, 'prod'), '--json']);
    assert.equal(r.status, 2, r.stderr);
    const out = r.json();
    assert.deepEqual(out.summary, { added: 4, duplicates: 0, rejected: 1, nearDuplicates: 0 });
    assert.equal(out.skipped.length, 1);
    const rej = out.results.find((x: { status: string }) => x.status === 'rejected');
    assert.equal(rej.file, join(dir, 'art', 'broken.png'));
    assert.match(rej.reason, /PNG/);
    // Run from inside the production (no --production): found from the current folder.
    const again = atelier(['add', join(dir, 'loose'), '--kind', 'concept-art'], { cwd: join(dir, 'prod') });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /0 added, 2 already present, 0 rejected/);
    const ls = atelier(['ls', '--kind', 'concept_art', '--tag', 'b', '--json'], { cwd: join(dir, 'prod') });
    assert.equal(ls.json().length, 4);
    const human = atelier(['add', join(dir, 'art', 'broken.png'), '--kind', 'paintover'], { cwd: join(dir, 'prod') });
    assert.equal(human.status, 2);
    assert.match(human.stderr, /rejected +.*broken\.png: .*PNG/);
    const noKind = atelier(['add', join(dir, 'loose'), '--kind', 'sketch'], { cwd: join(dir, 'prod') });
    assert.equal(noKind.status, 1);
    assert.match(noKind.stderr, /unknown asset kind "sketch"; kinds are: concept_art/);
    const prod = await openProduction(join(dir, 'prod'));
    t.after(() => prod.close());
    assert.equal((await listAssets(prod)).length, 4);
  });
});
