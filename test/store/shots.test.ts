import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initProduction, addShot, addShotPass, addShotKeyframes, removeShotKeyframes, getShot, RejectedFramesError, getPairs, findPairIds, linkPair, ingestFiles, parseSequencePattern, findSequenceFrames, framePath, parseFrameRange } from '../../src/store/index.js';
import { parseFrameList, parseFrameSpan } from '../../src/store/sequence-pattern.js';
import { tempDir, writeImage, writeVideo, atelier } from './helpers.js';
import sharp from 'sharp';
import { spawnSync } from 'node:child_process';
import { forEachDialect } from './dialects.js';
import { writeExrFile } from '../../src/data/exr-file.js';

test('sequence patterns: #### and %04d, padding respected', async (t) => {
  const dir = tempDir(t);
  for (const f of [1, 2, 10]) await writeImage(join(dir, `r.${String(f).padStart(4, '0')}.png`), f, 'png', 8, 8);
  await writeImage(join(dir, 'r.7.png'), 7, 'png', 8, 8);       // not 4-digit padded: not part of it
  await writeImage(join(dir, 'other.0003.png'), 3, 'png', 8, 8);
  const p = parseSequencePattern(join(dir, 'r.####.png'));
  assert.deepEqual([...findSequenceFrames(p).keys()], [1, 2, 10]);
  assert.deepEqual([...findSequenceFrames(parseSequencePattern(join(dir, 'r.%04d.png'))).keys()], [1, 2, 10]);
  assert.equal(framePath(p, 12), join(dir, 'r.0012.png'));
  assert.deepEqual(parseFrameRange('1001-1096'), [1001, 1096]);
  assert.throws(() => parseFrameRange('10-1'), /ends before it starts/);
  // Negative frames (a handle before frame 0) as one frame or a range, as `render --frames` takes them.
  assert.deepEqual(parseFrameSpan('-2'), [-2, -2]);
  assert.deepEqual(parseFrameSpan(' 12 '), [12, 12]);
  assert.deepEqual(parseFrameSpan('-3--1'), [-3, -1]);
  assert.deepEqual(parseFrameSpan('-3-2'), [-3, 2]);
  assert.throws(() => parseFrameSpan('-1--3'), /ends before it starts/);
  assert.throws(() => parseFrameSpan('a'), /must look like 1001-1096/);
  assert.deepEqual(parseFrameList('-2,-4--3,0'), [-4, -3, -2, 0]);
  assert.deepEqual(parseFrameList('12'), [12]);
  assert.deepEqual(parseFrameList('7, 3,20-22,3'), [3, 7, 20, 21, 22]);
  assert.throws(() => parseFrameList('3,x'), /must look like 12, 1001-1010 or 3,7,20-24/);
  assert.throws(() => parseFrameList('0-99999999'), /over a million frames/);
});

forEachDialect((w) => {
  test('shot from a sequence: missing and mismatched frames reported; passes and keyframes make pairs', async (t) => {
    const dir = tempDir(t);
    const rough = join(dir, 'rough');
    for (const f of [1001, 1002, 1004, 1005]) await writeImage(join(rough, `sh010.${f}.png`), f);
    await writeImage(join(rough, 'sh010.1006.png'), 1006, 'png', 48, 48);       // wrong size
    await writeImage(join(rough, 'sh010.1007.png'), 1001);                      // a held frame: same pixels as 1001
    for (const f of [1001, 1002, 1005]) await writeImage(join(dir, 'depth', `sh010.depth.${f}.png`), 5000 + f);
    await writeImage(join(dir, 'paint', 'sh010_paint.1002.png'), 9002);

    const prod = await w.init(join(dir, 'prod'), { defaultClearedForTraining: true });
    t.after(() => prod.close());
    const rep = await addShot(prod, 'sh010', join(rough, 'sh010.####.png'), { range: [1000, 1007], fps: 24 });
    assert.deepEqual(rep.shot.missing, [1000, 1003]);
    assert.deepEqual(rep.shot.mismatched.map((m) => [m.frame, m.what]), [[1006, 'rough']]);
    assert.match(rep.shot.mismatched[0].reason, /48×48, the shot is 96×64/);
    assert.equal(rep.shot.width, 96);
    assert.equal(rep.shot.fps, 24);
    assert.equal(rep.ingest.added, 5);
    assert.equal(rep.ingest.duplicates, 1, 'a held frame is stored once');
    const f1001 = rep.shot.frames.find((f) => f.frame === 1001)!;
    assert.equal(rep.shot.frames.find((f) => f.frame === 1007)!.rough!.id, f1001.rough!.id);
    assert.ok(existsSync(f1001.rough!.path));
    await assert.rejects(addShot(prod, 'sh010', join(rough, 'sh010.####.png')), /already exists/);

    const pass = await addShotPass(prod, 'sh010', 'depth', join(dir, 'depth', 'sh010.depth.####.png'));
    assert.equal(pass.linked, 3);
    assert.deepEqual(pass.missing, [1004, 1006, 1007]);

    const kf = await addShotKeyframes(prod, 'sh010', [join(dir, 'paint', 'sh010_paint.1002.png')]);
    assert.equal(kf.keyframes[0].status, 'linked');
    assert.equal(kf.keyframes[0].frame, 1002);
    const [pair] = await getPairs(prod, [kf.keyframes[0].pairId!]);
    const shot = await getShot(prod, 'sh010');
    const f1002 = shot.frames.find((f) => f.frame === 1002)!;
    assert.equal(pair.rough.id, f1002.rough!.id);
    assert.equal(pair.painted.kind, 'keyframe');
    assert.equal(pair.passes.depth.id, f1002.passes.depth.id);
    assert.equal(f1002.keyframe!.id, pair.painted.id);
    assert.deepEqual(shot.keyframes, [1002]);

    const outside = await addShotKeyframes(prod, 'sh010', [join(dir, 'paint', 'sh010_paint.1002.png')], { frame: 2000 });
    assert.equal(outside.keyframes[0].status, 'rejected');
    assert.match(outside.keyframes[0].reason!, /outside shot sh010 \(1000-1007\)/);

    // A render pass added after the keyframe joins its pair.
    await writeImage(join(dir, 'normals', 'n.1002.png'), 7002);
    await addShotPass(prod, 'sh010', 'normals', join(dir, 'normals', 'n.####.png'));
    const [again] = await getPairs(prod, [pair.id]);
    assert.deepEqual(Object.keys(again.passes).sort(), ['depth', 'normals']);

    // Taken off: the shot forgets the keyframe; its image and pair stay. Attached again: relinked.
    const off = await removeShotKeyframes(prod, 'sh010', [1002, 1003]);
    assert.deepEqual([off.removed, off.notKeyframes, off.shot.keyframes], [[1002], [1003], []]);
    assert.equal(off.shot.frames.find((f) => f.frame === 1002)!.keyframe, null);
    assert.equal((await getPairs(prod, [pair.id]))[0]!.painted.id, pair.painted.id);
    const back = await addShotKeyframes(prod, 'sh010', [join(dir, 'paint', 'sh010_paint.1002.png')]);
    assert.deepEqual([back.keyframes[0].pairId, back.shot.keyframes], [pair.id, [1002]]);
    await assert.rejects(removeShotKeyframes(prod, 'nope', [1]), /no shot named nope/);
  });

  test('shot from a video: frames extracted through ffmpeg, fps probed, short video reported', async (t) => {
    const dir = tempDir(t);
    const video = writeVideo(join(dir, 'animatic.mp4'), 8, 25);
    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    const rep = await addShot(prod, 'sh020', video, { range: [1001, 1010] });
    assert.equal(rep.shot.sourceKind, 'video');
    assert.equal(rep.shot.fps, 25);
    assert.equal(rep.shot.frames.filter((f) => f.rough).length, 8);
    assert.deepEqual(rep.shot.missing, [1009, 1010]);
    assert.equal(rep.shot.width, 64);
    assert.ok(rep.shot.sourceHash && /^[0-9a-f]{64}$/.test(rep.shot.sourceHash));
    assert.ok(!existsSync(join(prod.dir, 'tmp')) || (await import('node:fs')).readdirSync(join(prod.dir, 'tmp')).length === 0, 'extraction folder removed');
    const fpsWarn = await addShot(prod, 'sh020', video, { replace: true, fps: 24 });
    assert.match(fpsWarn.warnings.join('\n'), /--fps 24 differs from the video's 25/);
    assert.deepEqual(fpsWarn.shot.range, [1, 8]);
    // A WebM (VP9) with alpha keeps it: ffmpeg's own VP9 decoder dropped it (frames stored RGB).
    const webm = join(dir, 'alpha.webm');
    const enc = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', "testsrc=size=64x48:rate=24,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lt(X,32),255,0)'", '-frames:v', '3', '-c:v', 'libvpx-vp9', '-pix_fmt', 'yuva420p', webm]);
    assert.equal(enc.status, 0, enc.stderr?.toString());
    const alpha = await addShot(prod, 'sh030', webm);
    const stored = await sharp(alpha.shot.frames.find((f) => f.rough)!.rough!.path).raw().toBuffer({ resolveWithObject: true });
    assert.equal(stored.info.channels, 4);
    assert.deepEqual([stored.data[3], stored.data[(64 - 1) * 4 + 3]], [255, 0], 'left half opaque, right half transparent');
  });

  test('shot add --replace with rejected frames is refused and leaves the shot as it was (all bad or some)', async (t) => {
    const dir = tempDir(t);
    for (const f of [1, 2, 3, 4]) {
      await writeImage(join(dir, 'rough', `r.000${f}.png`), 80 + f);
      await writeImage(join(dir, 'depth', `d.000${f}.png`), 90 + f);
      await writeImage(join(dir, 'new', `r.000${f}.png`), 180 + f);
    }
    mkdirSync(join(dir, 'bad'));
    for (const f of [1, 2]) writeFileSync(join(dir, 'bad', `r.000${f}.png`), 'not an image');
    writeFileSync(join(dir, 'new', 'r.0003.png'), 'not an image');
    await writeImage(join(dir, 'paint', 'p.0002.png'), 99);
    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    await addShot(prod, 'sh050', join(dir, 'rough', 'r.####.png'), { fps: 24 });
    await addShotPass(prod, 'sh050', 'depth', join(dir, 'depth', 'd.####.png'));
    await addShotKeyframes(prod, 'sh050', [join(dir, 'paint', 'p.0002.png')]);
    const before = await getShot(prod, 'sh050');

    await assert.rejects(addShot(prod, 'sh050', join(dir, 'bad', 'r.####.png'), { replace: true }),
      (err: RejectedFramesError) => err.code === 'REJECTED_FRAMES' && /bad\/r\.####\.png: none of its 2 frames in the range 1-2 could be read, so shot sh050 is left as it was: frame 1: .*r\.0001\.png: unsupported format/.test(err.message));
    assert.deepEqual(await getShot(prod, 'sh050'), before);
    // Some bad: the replace would drop frame 3's rough frame (and its file is not readable), so none is taken.
    await assert.rejects(addShot(prod, 'sh050', join(dir, 'new', 'r.####.png'), { replace: true }),
      /new\/r\.####\.png: the new file of 1 frame of shot sh050 could not be read, so the shot is left as it was \(the replace would drop what it has there;.*\): frame 3: .*r\.0003\.png: unsupported format/);
    assert.deepEqual(await getShot(prod, 'sh050'), before);
    // Fixed, it goes through: new rough frames, the passes and keyframe kept.
    await writeImage(join(dir, 'new', 'r.0003.png'), 183);
    const rep = await addShot(prod, 'sh050', join(dir, 'new', 'r.####.png'), { replace: true });
    assert.deepEqual([rep.rejected, rep.shot.missing, rep.shot.passNames, rep.shot.keyframes], [[], [], ['depth'], [2]]);
    assert.notEqual(rep.shot.frames[0]!.rough!.id, before.frames[0]!.rough!.id);
    // A rejected frame the shot does not have loses nothing: replaced, and reported.
    writeFileSync(join(dir, 'new', 'r.0005.png'), 'not an image');
    const more = await addShot(prod, 'sh050', join(dir, 'new', 'r.####.png'), { replace: true });
    assert.deepEqual([more.rejected.map((r) => r.frame), more.shot.range, more.shot.missing], [[5], [1, 5], [5]]);
  });

  test('shot pass: a frame of another size than its rough frame is rejected, named with its file; what the shot had stays', async (t) => {
    const dir = tempDir(t);
    for (const f of [1, 2, 3]) {
      await writeImage(join(dir, 'rough', `r.000${f}.png`), 20 + f);
      await writeImage(join(dir, 'depth', `d.000${f}.png`), 30 + f);
      await writeImage(join(dir, 'redo', `d.000${f}.png`), 40 + f, 'png', ...(f === 2 ? [128, 96] as const : [96, 64] as const));
    }
    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    await addShot(prod, 'sh1', join(dir, 'rough', 'r.####.png'), { fps: 24 });
    const first = await addShotPass(prod, 'sh1', 'depth', join(dir, 'depth', 'd.####.png'));
    assert.deepEqual([first.linked, first.rejected], [3, []]);
    const kept = first.shot.frames[1]!.passes.depth!.id;
    for (let i = 0; i < 2; i++) { // the second time the odd file is already stored: refused all the same
      const redo = await addShotPass(prod, 'sh1', 'depth', join(dir, 'redo', 'd.####.png'));
      assert.equal(redo.linked, 2);
      assert.deepEqual(redo.rejected.map((r) => [r.frame, r.file]), [[2, join(dir, 'redo', 'd.0002.png')]]);
      assert.match(redo.rejected[0]!.reason, /^the image is 128×96, the shot's rough frame is 96×64 \(a render pass must be the size of its rough frame\)$/);
      assert.equal(redo.ingest.rejected, 1);
      assert.deepEqual(redo.mismatched, []);
      assert.equal(redo.shot.frames[1]!.passes.depth!.id, kept, 'frame 2 keeps the pass it had');
      assert.notEqual(redo.shot.frames[0]!.passes.depth!.id, first.shot.frames[0]!.passes.depth!.id);
    }
    // A new pass: the frame is left without it (and reported as missing).
    const fresh = await addShotPass(prod, 'sh1', 'normals', join(dir, 'redo', 'd.####.png'));
    assert.deepEqual([fresh.linked, fresh.missing, fresh.rejected.map((r) => r.frame)], [2, [2], [2]]);
  });

  test('an EXR of data only (a lone Z) is refused as a rough frame or a painting, named why; it is a pass', async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'depth'));
    for (const f of [1, 2]) {
      await writeImage(join(dir, 'rough', `r.000${f}.png`), 20 + f, 'png', 8, 6);
      writeExrFile(join(dir, 'depth', `d.000${f}.exr`), [{ width: 8, height: 6, compression: 'zip', channels: [{ name: 'Z', type: 'float', data: new Float32Array(48).fill(f) }] }]);
    }
    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    const why = /its default layer holds Z, data rather than a picture \(R G B or Y\), so it cannot be a rough frame; attach depth, motion and other data as a render pass/;
    await assert.rejects(addShot(prod, 'sh0', join(dir, 'depth', 'd.####.exr'), { fps: 24 }), (e: Error) => e instanceof RejectedFramesError && why.test(e.message));
    await addShot(prod, 'sh1', join(dir, 'rough', 'r.####.png'), { fps: 24 });
    const pass = await addShotPass(prod, 'sh1', 'depth', join(dir, 'depth', 'd.####.exr'));
    assert.deepEqual([pass.linked, pass.rejected], [2, []]);
    // Its bytes are now stored (as passes): as a rough frame or concept art they are refused all the same.
    await assert.rejects(addShot(prod, 'sh2', join(dir, 'depth', 'd.####.exr'), { fps: 24 }), (e: Error) => why.test(e.message));
    const [art] = await ingestFiles(prod, [join(dir, 'depth', 'd.0001.exr')], { kind: 'concept_art' });
    assert.equal(art!.status, 'rejected');
    assert.match(art!.status === 'rejected' ? art!.reason : '', /cannot be a concept art/);
    await assert.rejects(getShot(prod, 'sh0'), /no shot named sh0/);
  });

  test('paintover pairs: link, passes, and mismatched sizes are warned about', async (t) => {
    const dir = tempDir(t);
    const prod = await w.init(join(dir, 'prod'));
    t.after(() => prod.close());
    const [p, r, d, small] = await ingestFiles(prod, [
      await writeImage(join(dir, 'paint.png'), 1), await writeImage(join(dir, 'rough.png'), 2),
      await writeImage(join(dir, 'depth.png'), 3), await writeImage(join(dir, 'small.png'), 4, 'png', 32, 32),
    ], { kind: 'paintover' });
    const id = (x: typeof p) => (x.status === 'rejected' ? -1 : x.asset.id);
    const link = await linkPair(prod, id(p), id(r), { depth: id(d) });
    assert.ok(link.created);
    assert.match(link.warnings.join('\n'), /is a paintover, not a rough_frame/);
    const relink = await linkPair(prod, id(p), id(r), { lineart: id(small) });
    assert.equal(relink.id, link.id);
    assert.equal(relink.created, false);
    assert.match(relink.warnings.join('\n'), /render pass lineart \(#4\) is 32×32 but rough frame #2 is 96×64/);
    const [pair] = await getPairs(prod, await findPairIds(prod));
    assert.deepEqual(Object.keys(pair.passes).sort(), ['depth', 'lineart']);
    await assert.rejects(linkPair(prod, id(p), id(p)), /cannot be paired with itself/);
  });

  test('atelier shot add / show --json from the CLI report missing frames', async (t) => {
    const dir = tempDir(t);
    for (const f of [1, 2, 4]) await writeImage(join(dir, 'rough', `a_${String(f).padStart(3, '0')}.png`), 40 + f);
    const prodDir = join(dir, 'prod');
    atelier(['init', prodDir, ...await w.initArgs()]);
    const add = atelier(['shot', 'add', 'sh030', join(dir, 'rough', 'a_###.png'), '--fps', '12', '--production', prodDir]);
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /MISSING rough frames: 3/);
    const show = atelier(['shot', 'show', 'sh030', '--json', '--production', prodDir]);
    const s = show.json();
    assert.deepEqual(s.missing, [3]);
    assert.equal(s.frames.length, 4);
    assert.equal(s.fps, 12);
    const bad = atelier(['shot', 'add', 'sh031', join(dir, 'rough', 'zzz.####.png'), '--production', prodDir]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /zzz\.####\.png: no files match/);
  });

  test('atelier shot add / pass exit 2 on rejected frames, as atelier add; a sequence with no readable frame makes no shot', async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'bad'));
    for (const f of [1, 2, 3]) {
      await writeImage(join(dir, 'rough', `r.000${f}.png`), 60 + f);
      await writeImage(join(dir, 'depth', `d.000${f}.png`), 70 + f);
      writeFileSync(join(dir, 'bad', `r.000${f}.png`), 'not an image');
    }
    writeFileSync(join(dir, 'rough', 'r.0002.png'), 'not an image');
    writeFileSync(join(dir, 'depth', 'd.0003.png'), 'not an image');
    const prodDir = join(dir, 'prod');
    atelier(['init', prodDir, ...await w.initArgs()]);
    const add = atelier(['shot', 'add', 'sh1', join(dir, 'rough', 'r.####.png'), '--fps', '24', '--production', prodDir]);
    assert.equal(add.status, 2, add.stderr);
    assert.match(add.stdout, /REJECTED frame 2: .*r\.0002\.png: unsupported format/);
    assert.match(add.stdout, /rough frames: 2/);
    const pass = atelier(['shot', 'pass', 'sh1', 'depth', join(dir, 'depth', 'd.####.png'), '--json', '--production', prodDir]);
    assert.equal(pass.status, 2, pass.stderr);
    const p = pass.json();
    assert.deepEqual([p.linked, p.ingest.rejected, p.rejected.map((r: { frame: number }) => r.frame)], [2, 1, [3]]);

    // Every frame bad: an error naming the pattern and the frames, and no shot.
    const none = atelier(['shot', 'add', 'sh2', join(dir, 'bad', 'r.####.png'), '--production', prodDir]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /bad\/r\.####\.png: none of its 3 frames in the range 1-3 could be read, so shot sh2 was not created: frame 1: .*r\.0001\.png: unsupported format/);
    const json = atelier(['shot', 'add', 'sh2', join(dir, 'bad', 'r.####.png'), '--json', '--production', prodDir]);
    assert.equal(JSON.parse(json.stderr).code, 'REJECTED_FRAMES');
    assert.match(atelier(['shot', 'show', 'sh2', '--production', prodDir]).stderr, /no shot named sh2/);
    // Frames only outside --range: nothing to make the shot of either.
    const outside = atelier(['shot', 'add', 'sh3', join(dir, 'rough', 'r.####.png'), '--range', '10-20', '--production', prodDir]);
    assert.equal(outside.status, 1);
    assert.match(outside.stderr, /r\.####\.png: no frame in the range 10-20 \(the files are frames 1-3\), so shot sh3 was not created/);
  });
});
