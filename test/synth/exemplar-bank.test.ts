// The exemplar bank's reads: pairs decoded side by side (the next one while the model runs), stacked
// in order; a corrupt file fails the build naming it and frees every tensor read so far or in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import { makeConfig, inputChannels } from '../../src/models/look/config.js';
import { exemplarsFromFiles } from '../../src/synth/exemplar-bank.js';

const dir = mkdtempSync(join(tmpdir(), 'atelier-bank-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const S = 24;

async function png(name: string, rgb: [number, number, number]): Promise<string> {
  const path = join(dir, name);
  const data = Buffer.alloc(S * S * 3);
  for (let i = 0; i < S * S; i++) { data[3 * i] = rgb[0]; data[3 * i + 1] = (rgb[1] + i) % 256; data[3 * i + 2] = rgb[2]; }
  await sharp(data, { raw: { width: S, height: S, channels: 3 } }).png().toFile(path);
  return path;
}

test('exemplars from files: stacked in order; a corrupt file fails naming it and leaks nothing; a missing pass is named', async () => {
  E.manualSeed(2);
  const config = makeConfig([{ name: 'normal', channels: 3 }], { arch: { baseChannels: 4, resBlocks: 1, discChannels: 4 } });
  const model = { config, generator: new LookGenerator(inputChannels(config), config.arch), metadata: {}, workingSpace: 'sRGB - Texture' };
  try {
    const pairs = [];
    for (let k = 0; k < 3; k++) {
      pairs.push({ painted: await png(`p${k}.png`, [40 * k, 10, 200]), rough: await png(`r${k}.png`, [90, 30 * k, 20]), passes: { normal: await png(`n${k}.png`, [128, 128, 255 - k]) } });
    }
    // Counted after a first build: the look model's input keeps a fixed noise field per frame size.
    const warm = await exemplarsFromFiles(model, pairs);
    E.disposeAll([warm.guide, warm.style]);
    const before = E.liveTensors();
    const ex = await exemplarsFromFiles(model, pairs);
    try {
      assert.deepEqual(ex.style.shape, [3, 3, S, S]);
      E.tidy(() => {
        for (let k = 0; k < 3; k++) assert.ok(Math.abs((ex.style.slice(0, k, k + 1).slice(1, 0, 1).mean().item() as number) * 255 - 40 * k) < 1e-3, `exemplar ${k} in its place`);
      });
      assert.equal(ex.guide.size(0), 3);
    } finally { E.disposeAll([ex.guide, ex.style]); }
    assert.equal(E.liveTensors(), before);

    const corrupt = join(dir, 'corrupt.png');
    writeFileSync(corrupt, Buffer.from('\x89PNG\r\n\x1a\n not really a png'));
    await assert.rejects(exemplarsFromFiles(model, [pairs[0]!, { ...pairs[1]!, painted: corrupt }, pairs[2]!]), /corrupt\.png/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(E.liveTensors(), before, 'no tensor left behind');
    // A pair the model refuses (its pass is another size) while the next pair's read is in flight.
    const small = join(dir, 'small.png');
    await sharp({ create: { width: 12, height: 12, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toFile(small);
    await assert.rejects(exemplarsFromFiles(model, [pairs[0]!, { ...pairs[1]!, passes: { normal: small } }, pairs[2]!]), /render pass "normal" is 12x12/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(E.liveTensors(), before, 'no tensor left behind by the read in flight');
    await assert.rejects(exemplarsFromFiles(model, [pairs[0]!, { ...pairs[1]!, passes: {} }]), /p1\.png lacks the "normal" pass/);
    assert.equal(E.liveTensors(), before);
  } finally { model.generator.dispose(); }
});
