// Keyframe adaptation held to the production model (models/look/anchor.ts): adapting on keyframes
// that do not show a character must leave that character's rendering close to the production
// model's, while the keyframes' own content still adapts. Plain fine-tuning is the control.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { makeConfig } from '../../src/models/look/config.js';
import { trainLook } from '../../src/models/look/train.js';
import { loadLookModel } from '../../src/models/look/model-file.js';
import { stylizeFile } from '../../src/models/look/stylize.js';
import { loadImage } from '../../src/data/image-io.js';
import { idColours } from '../../src/models/look/anchor.js';
import { idMask } from '../../src/metrics/index.js';

E.setNumThreads(1);
const dir = mkdtempSync(join(tmpdir(), 'atelier-anchor-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const S = 32;
const RED = [255, 40, 40] as const, BLUE = [40, 120, 255] as const, GROUND = [90, 70, 40] as const;

/**
 * A frame with a red disc ("mira") and, unless `noPip`, a blue square ("pip"), on ground. Rough: flat
 * colours; painted: the production's look (warm shift plus strokes), or with `green` a keyframe look
 * the production never had (everything pushed to green). Passes: the id pass.
 */
async function writeFrame(name: string, i: number, o: { noPip?: boolean; green?: boolean } = {}): Promise<{ rough: string; painted: string; id: string }> {
  const rough = Buffer.alloc(S * S * 3), painted = Buffer.alloc(S * S * 3), id = Buffer.alloc(S * S * 3);
  const cx = 9 + (i % 4), sx = 20 - (i % 3);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    const k = (y * S + x) * 3;
    const disc = (x - cx) ** 2 + (y - 14) ** 2 < 30;
    const square = !o.noPip && !disc && x >= sx && x < sx + 9 && y >= 10 && y < 19;
    const base = disc ? [210, 60, 50] : square ? [50, 110, 220] : [120, 150, 90];
    const idc = disc ? RED : square ? BLUE : GROUND;
    const stroke = (x + 2 * y + i) % 6 < 3 ? 20 : -20;
    for (let c = 0; c < 3; c++) {
      rough[k + c] = base[c]!;
      const look = o.green ? [40, 200, 70][c]! * 0.7 + base[c]! * 0.3 : base[c]! * 0.8 + [40, 20, 0][c]!;
      painted[k + c] = Math.max(0, Math.min(255, Math.round(look + stroke)));
      id[k + c] = idc[c]!;
    }
  }
  const f = (n: string) => join(dir, `${name}_${n}.${String(i).padStart(4, '0')}.png`);
  const raw = { raw: { width: S, height: S, channels: 3 as const } };
  await sharp(rough, raw).png().toFile(f('rough'));
  await sharp(painted, raw).png().toFile(f('paint'));
  await sharp(id, raw).png().toFile(f('id'));
  return { rough: f('rough'), painted: f('paint'), id: f('id') };
}

// The control's drift threshold below was set with this layout (nearest decoder, no output filter).
const tiny = { arch: { baseChannels: 6, resBlocks: 1, discChannels: 4, upsample: 'nearest' as const, outputFilter: 'none' as const }, train: { patchSize: 16, batchSize: 4, evalEvery: 1000, sampleEvery: 1000, checkpointEvery: 1000, holdOut: 0, conceptProb: 0, wAdv: 0 } };
const ctx = { cancelled: false, progress: () => {} };

test('adapting on keyframes without a character: held to the production model, that character stays; plain fine-tuning drifts it', async (t) => {
  // The production model, trained on frames showing both characters.
  const prodFrames = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => writeFrame('prod', i)));
  const asPair = (p: { rough: string; painted: string; id: string }, i: number, tag: string) => ({ id: `${tag}${i}`, rough: p.rough, painted: p.painted, passes: { id: p.id } });
  const config = makeConfig([{ name: 'id', channels: 3 }], { ...tiny, train: { ...tiny.train, steps: 150, lr: 3e-3 } });
  const base = await trainLook({ runDir: join(dir, 'base'), config, files: { pairs: prodFrames.map((p, i) => asPair(p, i, 'p')), concepts: [] }, resume: false }, ctx);

  // A shot: keyframes show mira only, painted in a new (green) look; its other frames show pip too.
  const keys = await Promise.all([0, 3].map((i) => writeFrame('key', i, { noPip: true, green: true })));
  const others = await Promise.all([1, 2].map((i) => writeFrame('shot', i)));
  const freeIds = await idColours(keys.map((k) => k.id));
  assert.deepEqual(new Set(freeIds.map((c) => c.join(','))), new Set([RED.join(','), GROUND.join(',')]), 'the keyframes show mira and the ground, not pip');

  const adaptCfg = { ...config, train: { ...config.train, steps: 80, lr: 2e-3 } };
  const keyFiles = { pairs: keys.map((k, i) => asPair(k, i, 'k')), concepts: [] };
  const plain = await trainLook({ runDir: join(dir, 'plain'), config: adaptCfg, files: keyFiles, resume: false, initModel: base.modelPath }, ctx);
  const held = await trainLook({
    runDir: join(dir, 'held'), config: adaptCfg, files: keyFiles, resume: false, initModel: base.modelPath,
    anchor: { model: base.modelPath, wL2SP: 0.5, wDistill: 2, freeIds, frames: [...others, ...prodFrames.slice(0, 2)].map((f, i) => ({ id: `a${i}`, rough: f.rough, passes: { id: f.id } })) },
  }, ctx);

  // Pip's pixels on a frame of the shot (not a keyframe): distance to the production model's rendering.
  const probe = await writeFrame('probe', 5);
  const render = async (path: string) => { const m = loadLookModel(path); const t = await stylizeFile(m, probe.rough, { id: probe.id }); m.generator.dispose(); return t; };
  const [b, p, h] = [await render(base.modelPath), await render(plain.modelPath), await render(held.modelPath)];
  const ids = (await loadImage(probe.id, 3)).tensor;
  const gap = (x: E.Tensor, y: E.Tensor, col: readonly number[]) => E.tidy(() => {
    const m = idMask(ids, col as [number, number, number]);
    return x.sub(y).abs().mul(m).sum().item() / (m.sum().item() * 3);
  });
  const plainPip = gap(p, b, BLUE), heldPip = gap(h, b, BLUE);
  t.diagnostic(`pip moved from the production model's rendering: plain ${plainPip.toFixed(4)}, held ${heldPip.toFixed(4)}`);
  assert.ok(plainPip > 0.06, `plain fine-tuning should drift pip here (control), moved ${plainPip.toFixed(4)}`);
  assert.ok(heldPip < 0.4 * plainPip, `held: pip moved ${heldPip.toFixed(4)} vs plain ${plainPip.toFixed(4)}`);

  // The keyframes still adapt: mira on a keyframe moves toward its green painting.
  const k = keys[0]!;
  const kr = async (path: string) => { const m = loadLookModel(path); const t = await stylizeFile(m, k.rough, { id: k.id }); m.generator.dispose(); return t; };
  const target = (await loadImage(k.painted, 3)).tensor;
  const kid = (await loadImage(k.id, 3)).tensor;
  const err = (x: E.Tensor) => E.tidy(() => { const m = idMask(kid, RED); return x.sub(target).abs().mul(m).sum().item() / (m.sum().item() * 3); });
  const [kb, kh] = [await kr(base.modelPath), await kr(held.modelPath)];
  t.diagnostic(`mira on a keyframe, error to its painting: base ${err(kb).toFixed(4)}, held ${err(kh).toFixed(4)}`);
  assert.ok(err(kh) < 0.6 * err(kb), `mira on the keyframe: base error ${err(kb).toFixed(4)}, held ${err(kh).toFixed(4)}`);
  E.disposeAll([b, p, h, ids, target, kid, kb, kh]);
});

test('train keyframes holds the adaptation by default: anchor frames from the shot and the production, free ids from the keyframes', async () => {
  const { generateSampleProduction } = await import('../../src/sample/index.js');
  const { importSampleProduction } = await import('../../src/sample/import.js');
  const { initProduction, getModelVersion } = await import('../../src/store/index.js');
  const { runTrainLook } = await import('../../src/jobs/train-look.js');
  const { runTrainKeyframes } = await import('../../src/jobs/train-keyframes.js');
  const sample = join(dir, 'sample');
  await generateSampleProduction(sample, { width: 48, height: 48, seed: 4, shotFrames: 5, preview: false });
  const prod = await initProduction(join(dir, 'prod'));
  try {
    const rep = await importSampleProduction(sample, prod);
    const base = await runTrainLook(prod, { dataset: rep.datasetName, arch: tiny.arch, train: { ...tiny.train, steps: 4 } }, () => {});
    const held = await runTrainKeyframes(prod, { shot: 'sh040', model: String(base.modelVersion), budgetSeconds: 2 }, () => {});
    // sh040 has 5 frames: 2 keyframes, 3 others; plus up to 6 of the production's training pairs.
    assert.equal(held.anchor!.frames, 3 + 6);
    assert.ok(held.anchor!.freeIds >= 3, `the keyframes show mira, pip and set pieces: ${held.anchor!.freeIds} ids`);
    assert.deepEqual((await getModelVersion(prod, held.modelVersion)).metrics, { ...(await getModelVersion(prod, held.modelVersion)).metrics as object, anchor: held.anchor });
    const plain = await runTrainKeyframes(prod, { shot: 'sh040', model: String(base.modelVersion), budgetSeconds: 2, anchor: false }, () => {});
    assert.equal(plain.anchor, null);
  } finally {
    await prod.close();
  }
});
