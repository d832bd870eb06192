// Issue 18's done-when check: a shot of the sample (demo) production exported as linear half-float
// EXR with its render passes as layers, re-imported as a shot (beauty + --pass name=layer), renders
// to the frames the PNG shot renders to within half-float rounding; that shot's `--format exr`
// frames open in oiiotool with R,G,B half channels and the output colour space in the header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { generateSampleProduction } from '../../src/sample/index.js';
import { importSampleProduction } from '../../src/sample/import.js';
import { initProduction, addShot } from '../../src/store/index.js';
import { loadImage } from '../../src/data/image-io.js';
import { saveExr } from '../../src/data/exr-writer.js';
import { productionColour } from '../../src/store/colour-settings.js';
import { makeConfig, inputChannels } from '../../src/models/look/config.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import type { LookModel } from '../../src/models/look/model-file.js';
import { renderShotFrames } from '../../src/render/render-shot.js';
import { DEFAULT_COHERENCE } from '../../src/render/coherence.js';

const LINEAR = 'Linear Rec.709 (sRGB)';
const PASSES = ['normal', 'depth', 'id', 'albedo', 'diffuse'] as const;

test('the sample production exported as linear EXR (passes as layers) and re-imported renders to the PNG shot\'s frames', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-exr-roundtrip-'));
  const sample = join(dir, 'sample');
  await generateSampleProduction(sample, { width: 64, height: 64, seed: 3, shotFrames: 4, preview: false });
  const prod = await initProduction(join(dir, 'prod'));
  try {
    const report = await importSampleProduction(sample, prod);
    const name = report.shots[0]!.name;
    const png = await prod.shot(name);
    for (const p of PASSES) assert.ok(png.passNames.includes(p), `the sample shot has a ${p} pass`);

    // Export: the rough frame as linear Rec.709 half float, each pass a data layer (half), ZIP.
    const exrDir = join(dir, 'exr');
    mkdirSync(exrDir);
    const colour = await productionColour(prod);
    for (const f of png.frames) {
      const rough = await loadImage(f.rough!.path, 3, { colour });
      const layers: Record<string, E.Tensor> = {};
      for (const p of PASSES) layers[p] = (await loadImage(f.passes[p]!.path, p === 'depth' || p === 'diffuse' ? 1 : 3)).tensor;
      saveExr(join(exrDir, `${name}.${String(f.frame).padStart(4, '0')}.exr`), rough.tensor, { colour, space: LINEAR, layers });
      E.disposeAll([rough.tensor, ...Object.values(layers)]);
    }
    const exr = (await addShot(prod, `${name}_exr`, join(exrDir, `${name}.####.exr`), { passes: Object.fromEntries(PASSES.map((p) => [p, p])), fps: png.fps })).shot;
    assert.equal(exr.colorSpace, null, 'the colour space comes from the files\' headers');
    assert.deepEqual(exr.range, png.range);

    // A look model with random weights over the normal and depth guides: the same network on both shots.
    E.manualSeed(5);
    const config = makeConfig([{ name: 'depth', channels: 1 }, { name: 'normal', channels: 3 }], { arch: { baseChannels: 8, resBlocks: 1, discChannels: 4 } });
    const model: LookModel = { config, generator: new LookGenerator(inputChannels(config), config.arch), metadata: {}, workingSpace: 'sRGB - Texture' };
    try {
      const out = { png: join(dir, 'out-png'), exr: join(dir, 'out-exr'), exrFrames: join(dir, 'out-exr-frames') };
      // The same blend for both: the PNG shot has the sample's motion pass (its default blend
      // follows it), the exported one does not (it would take DIS).
      await renderShotFrames(prod, name, model, null, { outDir: out.png, coherence: DEFAULT_COHERENCE });
      await renderShotFrames(prod, exr.name, model, null, { outDir: out.exr, coherence: DEFAULT_COHERENCE });
      let worst = 0, sum = 0, n = 0, over1 = 0;
      const firstFrames: Buffer[] = [];
      for (let f = png.range[0]; f <= png.range[1]; f++) {
        const pad = String(f).padStart(4, '0');
        const a = await sharp(join(out.png, `${name}.${pad}.png`)).raw().toBuffer();
        const b = await sharp(join(out.exr, `${name}_exr.${pad}.png`)).raw().toBuffer();
        assert.equal(a.length, b.length);
        for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i]! - b[i]!); worst = Math.max(worst, d); sum += d; n++; if (d > 1) over1++; }
        firstFrames.push(a);
      }
      // Half rounding of the linear beauty (under one 8-bit step after the sRGB curve) and of the
      // passes, through the network and the flow-guided blend. The model's input flattens colours
      // to a few levels (roughen.ts): where a colour sits on a level's edge, rounding flips its level
      // and that pixel differs by a few steps. Measured: mean 0.011 steps, 38 of 49 152 values over
      // one step (0.08 %), the largest 4.
      assert.ok(sum / n < 0.05, `mean difference ${(sum / n).toFixed(3)} 8-bit steps`);
      assert.ok(over1 / n < 0.005, `${over1} of ${n} values differ by more than one 8-bit step`);
      assert.ok(worst <= 8, `max difference ${worst} 8-bit steps`);
      // Not a trivial equality: the frames carry the picture (they differ from frame to frame).
      assert.notDeepEqual(firstFrames[0], firstFrames[1]);

      // --format exr of the EXR shot: oiiotool reads half R,G,B in the production's EXR space (ACEScg).
      const r = await renderShotFrames(prod, exr.name, model, null, { outDir: out.exrFrames, format: 'exr', range: [png.range[0], png.range[0]] });
      const info = spawnSync('oiiotool', ['--info', '-v', r.frames[0]!.path], { encoding: 'utf8' });
      assert.equal(info.status, 0, info.stderr);
      assert.match(info.stdout, /64 x\s+64, 3 channel, half openexr/);
      assert.match(info.stdout, /channel list: R, G, B\b/);
      assert.match(info.stdout, /oiio:ColorSpace: "ACEScg"/);
    } finally { model.generator.dispose(); }
  } finally {
    await prod.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
