// A shot's painted keyframes join the strokes' exemplars of a final render when the model's dataset
// lacks them (painted after the model was trained), as the rights allow; the render holds its bank
// and lets it go, and the banks kept in memory stay few. A render described before a keyframe was
// painted or a pass replaced refuses to go on (a farm's later chunks would not match its earlier ones).
// A final's look model on a downscaled grid keeps chunks equal to the whole shot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { addShot, addShotPass, addShotKeyframes, updateAssets, listRenderedFrames, type Production } from '../../src/store/index.js';
import { tinyProduction } from '../synth/tiny-production.js';
import { renderShotFrames } from '../../src/render/render-shot.js';
import { loadLookModel } from '../../src/models/look/model-file.js';
import { loadImage } from '../../src/data/image-io.js';
import { holdExemplarBank, clearExemplarBanks, KEPT_IN_MEMORY } from '../../src/synth/exemplar-bank.js';
import { describeRender, renderOptionsOf } from '../../src/render/render-description.js';
import { farmRenderSpec } from '../../src/jobs/render-chunks.js';

const dir = mkdtempSync(join(tmpdir(), 'atelier-keyframe-exemplars-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const S = 24;

async function png(name: string, f: (x: number, y: number, c: number) => number): Promise<string> {
  const data = Buffer.alloc(S * S * 3);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) data[(y * S + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(f(x, y, c))));
  mkdirSync(join(dir, name, '..'), { recursive: true });
  await sharp(data, { raw: { width: S, height: S, channels: 3 } }).png().toFile(join(dir, name));
  return join(dir, name);
}

/** The tiny production (tiny-production.ts) with shot sh1 of four frames. */
async function production(name: string): Promise<{ prod: Production; version: number; modelFile: string }> {
  const made = await tinyProduction(dir, name, png, (x, y, c, k) => 60 + x * 2 + y + c * 20 + k * 30);
  for (let f = 1; f <= 4; f++) {
    await png(`${name}/shot/rough.000${f}.png`, (x, y, c) => (x + f) * 9 + y * 5 + c * 40);
    await png(`${name}/shot/normal.000${f}.png`, (x, y, c) => (c === 2 ? 255 : (x + y + f) * 4));
  }
  await addShot(made.prod, 'sh1', join(dir, name, 'shot', 'rough.####.png'), { fps: 24, meta: { cleared: true } });
  await addShotPass(made.prod, 'sh1', 'normal', join(dir, name, 'shot', 'normal.####.png'), { meta: { cleared: true } });
  return made;
}

/** Mean absolute difference of two images (0..1). */
async function meanDiff(a: string, b: string): Promise<number> {
  const x = (await loadImage(a, 3)).tensor, y = (await loadImage(b, 3)).tensor;
  try { return E.tidy(() => x.sub(y).abs().mean().item()); } finally { E.disposeAll([x, y]); }
}

test('a painted keyframe outside the model\'s dataset paints its own frame of a final render once cleared, and is recorded in the lineage', async () => {
  const { prod, version, modelFile } = await production('render');
  const model = loadLookModel(modelFile);
  // Saturated stripes no dataset painting has: the frame can only look like this from the keyframe.
  const key = await png('render/key.0002.png', (x, y, c) => ((x >> 2) % 3 === c ? 230 : 20) + y);
  let before = 0;
  try {
    const added = await addShotKeyframes(prod, 'sh1', [key], { frame: 2, meta: { cleared: false } });
    const keyId = added.keyframes[0]!.assetId!;
    const render = async (out: string) => {
      const status: string[] = [];
      const r = await renderShotFrames(prod, 'sh1', model, version, { outDir: join(dir, out), quality: 'final', onStatus: (m) => status.push(m) });
      const at = (n: number) => r.frames.find((f) => f.frame === n)!.path;
      return { frame2: at(2), frame3: at(3), status: status.join(' | ') };
    };

    const uncleared = await render('uncleared');
    clearExemplarBanks();
    before = E.liveTensors(); // after a first render: the engine's one-off caches are made
    assert.match(uncleared.status, /keyframe of frame 2 is left out of the strokes: not cleared for training/);
    const without = await meanDiff(uncleared.frame2, key);
    assert.ok(without > 0.15, `without the keyframe frame 2 is far from it (${without.toFixed(3)})`);

    await updateAssets(prod, [keyId], { cleared: true });
    const cleared = await render('cleared');
    assert.match(cleared.status, /and 1 of the shot's keyframes/);
    const withKey = await meanDiff(cleared.frame2, key);
    // The next frame carries the painting's marks (moved along the flow, colour locked to the model's plus the painting's departure).
    const next = [await meanDiff(uncleared.frame3, key), await meanDiff(cleared.frame3, key)];
    assert.ok(next[1]! < next[0]! - 0.03, `frame 3 nearer the painting with it (${next.map((d) => d.toFixed(3)).join(' -> ')})`);
    assert.ok(withKey < 0.01, `frame 2 renders as its painting (${withKey.toFixed(3)})`);

    const records = await listRenderedFrames(prod);
    const params = (path: string) => records.find((r) => r.path === path)!.params as { keyframes?: string[] };
    assert.equal(params(uncleared.frame2).keyframes, undefined);
    assert.deepEqual(params(cleared.frame2).keyframes, [added.shot.frames.find((f) => f.frame === 2)!.keyframe!.hash]);
  } finally {
    clearExemplarBanks();
    assert.equal(E.liveTensors(), before, 'no tensor left behind');
    model.generator.dispose();
    await prod.close();
  }
});

test('a final with its look model on a downscaled grid: strokes at full size, chunks equal the whole shot, the grid in the lineage', async () => {
  const { prod, version, modelFile } = await production('grid');
  const model = loadLookModel(modelFile);
  try {
    const render = (out: string, range: [number, number] | undefined, lookWidth: number) =>
      renderShotFrames(prod, 'sh1', model, version, { outDir: join(dir, out), quality: 'final', lookWidth, ...(range ? { range } : {}) });
    const whole = await render('grid-whole', undefined, 16);
    await render('grid-chunks', [1, 2], 16);
    await render('grid-chunks', [3, 4], 16);
    const full = await render('grid-full', undefined, 0);
    for (const f of whole.frames) {
      const name = f.path.split('/').at(-1)!;
      assert.equal(await meanDiff(f.path, join(dir, 'grid-chunks', name)), 0, `${name}: chunks and whole differ`);
      const img = (await loadImage(f.path, 3)).tensor;
      assert.deepEqual(img.shape, [1, 3, S, S]);
      img.dispose();
    }
    assert.ok(await meanDiff(whole.frames[1]!.path, full.frames[1]!.path) > 1e-3, 'the grid changes the look the strokes follow');
    const records = await listRenderedFrames(prod);
    const params = (path: string) => records.find((r) => r.path === path)!.params as { lookGrid?: { height: number; width: number } };
    assert.deepEqual(params(whole.frames[0]!.path).lookGrid, { height: S / 2, width: S / 2 });
    assert.equal(params(full.frames[0]!.path).lookGrid, undefined);
  } finally {
    clearExemplarBanks();
    model.generator.dispose();
    await prod.close();
  }
});

test('banks no render holds are freed beyond the newest few; a held one stays until let go', async () => {
  const { prod, version, modelFile } = await production('held');
  const model = loadLookModel(modelFile);
  try {
    clearExemplarBanks();
    // Other guide weights make other banks.
    const weights = Array.from({ length: KEPT_IN_MEMORY + 2 }, (_, k) => ({ roughWeight: 0.1 + k * 0.1, passWeight: 0.5 }));
    const first = await holdExemplarBank(prod, version, model, weights[0]);
    const rest = [];
    for (const w of weights.slice(1)) rest.push(await holdExemplarBank(prod, version, model, w));
    assert.equal(first.bank.guide.isDisposed, false, 'held: kept beyond the limit');
    first.release();
    first.release(); // twice is once
    assert.equal(first.bank.guide.isDisposed, true, 'let go and the oldest: freed');
    for (const h of rest) h.release();
    assert.equal(rest.filter((h) => !h.bank.guide.isDisposed).length, KEPT_IN_MEMORY, 'the newest few kept');
    assert.equal(rest.at(-1)!.bank.guide.isDisposed, false);
    const again = await holdExemplarBank(prod, version, model, weights.at(-1));
    assert.equal(again.bank, rest.at(-1)!.bank, 'a kept bank is served again');
    again.release();
  } finally {
    clearExemplarBanks();
    model.generator.dispose();
    await prod.close();
  }
});

test('a render\'s later chunks refuse to render once its shot\'s keyframes or passes changed after it was described', async () => {
  const { prod, version } = await production('pinned');
  try {
    const describe = async (quality: string) => {
      const { description, model } = await describeRender(prod, { shot: 'sh1', model: String(version), quality, outDir: join(dir, `pinned-${quality}`) });
      return { d: description, model };
    };
    const final = await describe('final');
    const preview = await describe('preview');
    assert.deepEqual(farmRenderSpec(final.d).inputs, final.d.inputs, 'farm chunks carry the fingerprints');
    const chunk = (x: typeof final, range: [number, number]) =>
      renderShotFrames(prod, 'sh1', x.model, version, { ...renderOptionsOf(x.d), outDir: resolve(prod.dir, x.d.outDir), range });
    try {
      assert.equal((await chunk(final, [1, 2])).frames.length, 2, 'unchanged: renders');
      // A keyframe painted meanwhile would anchor frames 3-4 but not 1-2.
      const key = await png('pinned/key.0003.png', (x, y, c) => 40 + x * 5 + c * 30);
      await addShotKeyframes(prod, 'sh1', [key], { frame: 3, meta: { cleared: true } });
      await assert.rejects(chunk(final, [3, 4]), /shot sh1's painted keyframes \(or their rights\) changed after this render was described/);
      assert.equal((await chunk(preview, [3, 4])).frames.length, 2, 'a preview reads no keyframe');
      await png('pinned/normal2.0002.png', (x, y, c) => (c === 1 ? 255 : x * 7));
      await addShotPass(prod, 'sh1', 'normal', join(dir, 'pinned', 'normal2.####.png'), { meta: { cleared: true } });
      await assert.rejects(chunk(preview, [3, 4]), /shot sh1's rough frames or render passes changed/);
      // Described again, it renders.
      const again = await describe('final');
      try { assert.equal((await chunk(again, [3, 4])).frames.length, 2); } finally { again.model.generator.dispose(); }
    } finally {
      final.model.generator.dispose();
      preview.model.generator.dispose();
    }
  } finally {
    clearExemplarBanks();
    await prod.close();
  }
});
