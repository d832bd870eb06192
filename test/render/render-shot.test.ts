// Shot rendering: chunks equal the whole shot byte for byte, resume keeps written frames, bad
// shots fail before any frame is written, a frame that cannot be written stops the render there,
// coherence.json is written, blending changes frames, and previews of wide frames are computed on a
// downscaled grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, unlinkSync, existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { initProduction, addShot, addShotPass, ingestFiles } from '../../src/store/index.js';
import { makeConfig, inputChannels } from '../../src/models/look/config.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import { saveLookModel, loadLookModel } from '../../src/models/look/model-file.js';
import { renderShotFrames, framePath } from '../../src/render/render-shot.js';
import { CarryOver } from '../../src/render/carry-over.js';
import { coherenceFromFlags } from '../../src/cli/commands/coherence-options.js';
import { upscaleFromFlags } from '../../src/cli/commands/upscale-options.js';
import { makeUpscaleConfig, Upscaler, saveUpscaleModel, upscaleImage } from '../../src/models/upscale/index.js';
import { loadImage } from '../../src/data/image-io.js';
import { DEFAULT_COHERENCE, MOTION_COHERENCE, defaultCoherence, chooseCoherence } from '../../src/render/coherence.js';
import { MOTION_PASS } from '../../src/render/motion-pass.js';
import { lookFactor, toLookGrid, fromLookGrid } from '../../src/render/look-grid.js';
import { stylizeTensor } from '../../src/models/look/stylize.js';

const dir = mkdtempSync(join(tmpdir(), 'atelier-render-'));

/** A disc moving right over a gradient, with a normal pass; frames 0..n-1 (skipping `gap`). */
async function writeShot(sub: string, n: number, gap = -1): Promise<string> {
  const d = join(dir, sub);
  mkdirSync(d, { recursive: true });
  const S = 32;
  for (let i = 0; i < n; i++) {
    if (i === gap) continue;
    const rgb = Buffer.alloc(S * S * 3), nrm = Buffer.alloc(S * S * 3);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      const k = (y * S + x) * 3;
      const inside = (x - 8 - 2 * i) ** 2 + (y - 16) ** 2 < 30;
      rgb[k] = inside ? 220 : 40 + 4 * x; rgb[k + 1] = inside ? 80 : 90 + 3 * y; rgb[k + 2] = inside ? 60 : 160;
      nrm[k] = 128; nrm[k + 1] = inside ? 200 : 128; nrm[k + 2] = 255;
    }
    const f = String(i).padStart(4, '0');
    await sharp(rgb, { raw: { width: S, height: S, channels: 3 } }).png().toFile(join(d, `rough.${f}.png`));
    await sharp(nrm, { raw: { width: S, height: S, channels: 3 } }).png().toFile(join(d, `normal.${f}.png`));
  }
  return d;
}

const prod = await initProduction(join(dir, 'prod'));
const shotDir = await writeShot('shot', 8);
await addShot(prod, 'sh1', join(shotDir, 'rough.####.png'), { fps: 24 });
await addShotPass(prod, 'sh1', 'normal', join(shotDir, 'normal.####.png'));
// Rendering mechanics need a model, not a good one: random weights, saved and loaded as a file.
E.manualSeed(3);
const config = makeConfig([{ name: 'normal', channels: 3 }], { arch: { baseChannels: 4, resBlocks: 1, discChannels: 4 } });
const g = new LookGenerator(inputChannels(config), config.arch);
saveLookModel(join(dir, 'model.safetensors'), config, g.stateDict());
g.dispose();
const model = loadLookModel(join(dir, 'model.safetensors'));

const bytes = (d: string) => Object.fromEntries(readdirSync(d).filter((n) => n.endsWith('.png')).sort().map((n) => [n, readFileSync(join(d, n)).toString('base64')]));

test('a shot rendered in chunks equals the shot rendered whole, byte for byte', async () => {
  const whole = await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'whole') });
  assert.equal(whole.frames.length, 8);
  await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'chunks'), range: [0, 2] });
  await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'chunks'), range: [3, 5] });
  await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'chunks'), range: [6, 7] });
  assert.deepEqual(bytes(join(dir, 'chunks')), bytes(join(dir, 'whole')));
  const coh = JSON.parse(readFileSync(join(dir, 'whole', 'coherence.json'), 'utf8'));
  assert.equal(coh['0'], null, 'the first frame has no previous frame');
  for (let f = 1; f < 8; f++) assert.ok(typeof coh[f] === 'number' && coh[f] >= 0, `frame ${f}: ${coh[f]}`);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'chunks', 'coherence.json'), 'utf8')), coh, 'per-frame errors match too');
});

test('a carry-over continues the next range without pre-roll, with the same bytes; anything else starts afresh', async () => {
  const carry = new CarryOver();
  const out = join(dir, 'carried');
  const a = await renderShotFrames(prod, 'sh1', model, null, { outDir: out, range: [0, 2], carryOver: carry });
  assert.equal(a.preRolled, 0);
  const b = await renderShotFrames(prod, 'sh1', model, null, { outDir: out, range: [3, 5], carryOver: carry });
  assert.equal(b.preRolled, 0, 'continued from frame 2');
  // Not the next frame: pre-roll again (and the kept state is dropped).
  const c = await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'carried-gap'), range: [7, 7], carryOver: carry });
  assert.equal(c.preRolled, 3);
  // Other settings for the next frame: pre-roll again.
  const d = await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'carried-other'), range: [6, 7], coherence: { ...DEFAULT_COHERENCE, decay: 0.5 }, carryOver: carry });
  assert.ok(d.preRolled > 0, 'other coherence settings do not continue the state');
  await renderShotFrames(prod, 'sh1', model, null, { outDir: out, range: [6, 7], carryOver: carry });
  assert.deepEqual(bytes(out), bytes(join(dir, 'whole')));
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'coherence.json'), 'utf8')), JSON.parse(readFileSync(join(dir, 'whole', 'coherence.json'), 'utf8')));
  carry.clear();
});

test('--scale / an upscaler: written frames are upscaled after the blend; bad references fail before any frame', async () => {
  const uc = makeUpscaleConfig({ scale: 2, arch: { channels: 4, blocks: 1 } });
  const net = new Upscaler(uc);
  const upFile = join(dir, 'up2.safetensors');
  saveUpscaleModel(upFile, uc, net.stateDict());
  const plain = await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'plain-up'), range: [2, 3] });
  const up = await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'upscaled'), range: [2, 3], upscale: { model: upFile, passes: 1 } });
  assert.deepEqual(up.frames.map((f) => f.frame), [2, 3]);
  for (const [i, f] of up.frames.entries()) {
    const [a, b] = [(await loadImage(plain.frames[i]!.path)).tensor, (await loadImage(f.path)).tensor];
    assert.deepEqual(b.shape, [1, 3, a.size(2) * 2, a.size(3) * 2]);
    // The same as upscaling the plain render's frame (which was rounded to 8 bits first).
    const ref = E.noGrad(() => upscaleImage(net, a, 256, 1));
    const diff = E.tidy(() => ref.sub(b).abs().max().item());
    assert.ok(diff < 0.05, `upscaled frame ${f.frame} differs from the upscaled plain frame by ${diff}`);
    E.disposeAll([a, b, ref]);
  }
  net.dispose();
  await assert.rejects(renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'up-x'), upscale: { scale: 4 } }), /no 4x upscaler: train one/);
  await assert.rejects(renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'up-y'), upscale: { model: upFile, scale: 4 } }), /is 2x, not 4x/);
  assert.ok(!existsSync(join(dir, 'up-y', 'sh1.0000.png')), 'nothing written');
  assert.throws(() => upscaleFromFlags({ scale: '3' }), /--scale must be 2 or 4/);
  assert.throws(() => upscaleFromFlags({ upscalePasses: '1' }), /goes with --scale/);
  assert.deepEqual(upscaleFromFlags({ scale: '2', upscalePasses: '1' }), { scale: 2, passes: 1 });
});

test('a preview wider than lookWidth is the model and blend on the downscaled grid, brought back to full size; its chunks equal the whole shot', async () => {
  const o = { lookWidth: 16 };
  await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'grid'), ...o });
  // Frame 0 has nothing to blend: the model's output on the 16×16 grid, bilinear to 32×32.
  const read = async (name: string) => (await loadImage(join(shotDir, name), 3)).tensor;
  const rough = await read('rough.0000.png'), normal = await read('normal.0000.png');
  const onGrid = toLookGrid(rough, new Map([['normal', normal]]), lookFactor(32, 16));
  assert.deepEqual(onGrid.rough.shape, [1, 3, 16, 16]);
  const expected = E.tidy(() => fromLookGrid(stylizeTensor(model, onGrid.rough, onGrid.passes), 32, 32).clamp(0, 1));
  const got = (await loadImage(join(dir, 'grid', 'sh1.0000.png'), 3)).tensor;
  const atFullSize = (await loadImage(join(dir, 'whole', 'sh1.0000.png'), 3)).tensor;
  const diff = (a: E.Tensor, b: E.Tensor) => E.tidy(() => a.sub(b).abs().max().item());
  assert.deepEqual(got.shape, [1, 3, 32, 32]);
  assert.ok(diff(got, expected) <= 1 / 255 + 1e-4, `the written frame is ${diff(got, expected)} from the grid's output`);
  assert.ok(diff(got, atFullSize) > 4 / 255, 'and not the full-size preview');
  E.disposeAll([rough, normal, onGrid.rough, [...onGrid.passes.values()], expected, got, atFullSize]);
  // Random access holds on the grid: chunks (their pre-roll on the grid too) equal the whole shot.
  await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'grid-chunks'), range: [0, 3], ...o });
  await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'grid-chunks'), range: [4, 7], ...o });
  assert.deepEqual(bytes(join(dir, 'grid-chunks')), bytes(join(dir, 'grid')));
  await assert.rejects(renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'grid-bad'), lookWidth: 8 }), /the look's width must be 0 \(full size\) or at least 16 pixels, got 8/);
  assert.ok(!existsSync(join(dir, 'grid-bad')), 'nothing written');
});

test('blending changes frames where per-frame rendering would not', async () => {
  await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'single'), coherence: null });
  const a = bytes(join(dir, 'single'));
  const b = bytes(join(dir, 'whole'));
  assert.equal(a['sh1.0000.png'], b['sh1.0000.png'], 'the first frame has nothing to blend');
  assert.notEqual(a['sh1.0005.png'], b['sh1.0005.png']);
});

test('resume keeps written frames and renders the rest identically', async () => {
  unlinkSync(join(dir, 'chunks', 'sh1.0005.png'));
  unlinkSync(join(dir, 'chunks', 'sh1.0006.png'));
  unlinkSync(join(dir, 'chunks', 'sh1.0007.png'));
  const r = await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'chunks'), resume: true });
  assert.equal(r.skipped, 5);
  assert.deepEqual(r.frames.map((f) => f.frame), [5, 6, 7]);
  assert.deepEqual(bytes(join(dir, 'chunks')), bytes(join(dir, 'whole')));
  assert.deepEqual(readdirSync(join(dir, 'chunks')).filter((n) => n.endsWith('.tmp')), [], 'no temp files');
  // A frame cut short on disk (not by the renderer: it writes atomically) is rendered again, and
  // the frames after it; it used to be kept, failing the movie later in ffmpeg.
  const cut = join(dir, 'chunks', 'sh1.0003.png');
  writeFileSync(cut, readFileSync(cut).subarray(0, 300));
  const again = await renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'chunks'), resume: true });
  assert.equal(again.skipped, 3);
  assert.deepEqual(again.frames.map((f) => f.frame), [3, 4, 5, 6, 7]);
  assert.deepEqual(bytes(join(dir, 'chunks')), bytes(join(dir, 'whole')));
});

test('a missing frame, a missing pass, or a bad range fails before any frame is written', async () => {
  const gapDir = await writeShot('gap', 6, 3);
  await addShot(prod, 'gappy', join(gapDir, 'rough.####.png'), { fps: 24 });
  await addShotPass(prod, 'gappy', 'normal', join(gapDir, 'normal.####.png'));
  await assert.rejects(renderShotFrames(prod, 'gappy', model, null, { outDir: join(dir, 'gappy') }), /no rough frame for frame 3/);
  assert.equal(existsSync(join(dir, 'gappy')), false);
  await addShot(prod, 'nopass', join(shotDir, 'rough.####.png'), { fps: 24 });
  await assert.rejects(renderShotFrames(prod, 'nopass', model, null, { outDir: join(dir, 'nopass') }), /lacks render passes this model needs \(normal\): normal on frames 0, 1, 2, 3, 4, 5, 6, 7$/);
  await assert.rejects(renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'x'), range: [5, 20] }), /outside shot sh1 \(0-7\)/);
  await assert.rejects(renderShotFrames(prod, 'sh1', model, null, { outDir: join(dir, 'x'), coherence: { ...DEFAULT_COHERENCE, motion: true } }), /no motion pass on frames 0, 1, .*needs one on every frame/);
  assert.throws(() => coherenceFromFlags({ coherence: true, flow: 'vectors' }), /--flow must be dis or motion/);
  assert.deepEqual(coherenceFromFlags({ coherence: true, flow: 'motion', window: 1 }), { flow: 'motion', window: 1 });
  assert.deepEqual(coherenceFromFlags({ coherence: true }), {}, 'no flag: the render picks its default');
  assert.equal(coherenceFromFlags({ coherence: false }), null);
  // A choice resolved on a shot: what is left out comes from the shot's passes.
  const withMotion = [{ passes: { [MOTION_PASS]: 1 } }], without = [{ passes: {} }];
  assert.deepEqual(chooseCoherence(without, MOTION_PASS, { window: 3 }), { ...DEFAULT_COHERENCE, window: 3 });
  assert.deepEqual(chooseCoherence(withMotion, MOTION_PASS, { window: 3 }), { ...MOTION_COHERENCE, window: 3 });
  assert.deepEqual(chooseCoherence(withMotion, MOTION_PASS, {}), MOTION_COHERENCE);
  assert.deepEqual(chooseCoherence(withMotion, MOTION_PASS, { flow: 'dis' }), DEFAULT_COHERENCE);
  assert.deepEqual(chooseCoherence(without, MOTION_PASS, { flow: 'motion', window: 1 }), { ...MOTION_COHERENCE, window: 1 });
});

test('a render pass of another size than its rough frame fails the render before any frame, naming the frame and the file', async () => {
  const d = await writeShot('oddpass', 5);
  await addShot(prod, 'oddpass', join(d, 'rough.####.png'), { fps: 24 });
  await addShotPass(prod, 'oddpass', 'normal', join(d, 'normal.####.png'));
  // Linked before the ingest refused such passes (or its rough frames re-imported at another size since).
  const odd = join(d, 'odd-normal.0002.png');
  await sharp({ create: { width: 48, height: 40, channels: 3, background: '#8080ff' } }).png().toFile(odd);
  const [r] = await ingestFiles(prod, [odd], { kind: 'render_pass' });
  assert.equal(r!.status, 'added');
  const shotId = (await prod.db.selectFrom('shots').select('id').where('name', '=', 'oddpass').executeTakeFirstOrThrow()).id;
  await prod.db.updateTable('shot_passes').set({ asset_id: (r as { asset: { id: number } }).asset.id }).where('shot_id', '=', shotId).where('frame', '=', 2).execute();
  await assert.rejects(renderShotFrames(prod, 'oddpass', model, null, { outDir: join(dir, 'oddpass-out') }),
    (e: Error) => e.message === `shot oddpass: render pass "normal" of frame 2 is 48x40 but the rough frame is 32x32: ${odd}; attach one of the rough frame's size (atelier shot pass oddpass normal <pattern>)`);
  // Frame 3 alone reads frame 2 for its blend.
  await assert.rejects(renderShotFrames(prod, 'oddpass', model, null, { outDir: join(dir, 'oddpass-out'), range: [3, 3] }),
    /render pass "normal" of frame 2 \(read for the blend of the frames after it\) is 48x40 but the rough frame is 32x32: .*odd-normal\.0002\.png/);
  assert.equal(existsSync(join(dir, 'oddpass-out')), false);
  assert.equal((await renderShotFrames(prod, 'oddpass', model, null, { outDir: join(dir, 'oddpass-out'), range: [4, 4], coherence: null })).frames.length, 1, 'a frame that does not read it renders');
});

test('a frame that cannot be written fails the render: no later frame is written or reported, nothing leaked', async () => {
  const out = join(dir, 'unwritable-out');
  mkdirSync(join(framePath(out, 'sh1', 2), 'in-the-way'), { recursive: true }); // a directory where frame 2 goes
  const reported: number[] = [];
  const before = E.liveTensors();
  await assert.rejects(renderShotFrames(prod, 'sh1', model, null, { outDir: out, onFrame: (_d, _t, f) => reported.push(f) }), (e: Error) => /sh1\.0002\.png/.test(e.message));
  assert.deepEqual(reported, [0, 1]);
  assert.equal(E.liveTensors(), before, 'no tensor leaked');
  assert.deepEqual(readdirSync(out).filter((n) => n.endsWith('.png')).sort(), ['sh1.0000.png', 'sh1.0001.png', 'sh1.0002.png'], 'frames 0 and 1, and the directory in the way');
  assert.ok(!readdirSync(out).some((n) => n.endsWith('.tmp')), 'no partial file');
  // The figures of the frames written are kept for the --resume that follows (it writes only its own).
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(out, 'coherence.json'), 'utf8'))), ['0', '1']);
});

test('a pass that cannot be decoded fails the render naming its file, with nothing leaked or written', async () => {
  const d = await writeShot('broken', 4);
  await addShot(prod, 'broken', join(d, 'rough.####.png'), { fps: 24 });
  await addShotPass(prod, 'broken', 'normal', join(d, 'normal.####.png'));
  // The stored copy goes bad after ingest (a disk, a sync gone wrong): the rough frame and the
  // pass are read side by side, and the frame's other reads must not leak when one fails.
  const stored = (await prod.shot('broken')).frames[2]!.passes.normal!.path;
  chmodSync(stored, 0o644);
  writeFileSync(stored, readFileSync(stored).subarray(0, 40));
  const before = E.liveTensors();
  await assert.rejects(renderShotFrames(prod, 'broken', model, null, { outDir: join(dir, 'broken-out') }), (e: Error) => e.message.includes(stored) && /cannot (read|decode) image/.test(e.message));
  assert.equal(E.liveTensors(), before, 'no tensor leaked');
  assert.deepEqual(readdirSync(join(dir, 'broken-out')).filter((n) => n.endsWith('.tmp')), [], 'no partial file');
});

test('the default coherence follows the shot\'s motion pass when every frame has one, else DIS', () => {
  const frames = (n: number, withMotion: number) => Array.from({ length: n }, (_, i) => ({ passes: i < withMotion ? { motion: {} } : {} }));
  assert.equal(defaultCoherence(frames(4, 4), MOTION_PASS), MOTION_COHERENCE);
  assert.equal(defaultCoherence(frames(4, 3), MOTION_PASS), DEFAULT_COHERENCE);
  assert.equal(defaultCoherence([], MOTION_PASS), DEFAULT_COHERENCE);
});

test('teardown', async () => {
  model.generator.dispose();
  await prod.close();
});
