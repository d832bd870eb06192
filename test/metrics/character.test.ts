// Character consistency: per character, SWD of its pixel colours (by id pass) between two shots,
// output ÷ ground truth; the worst character is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { characterConsistency, CharacterPixelSets, idMask, type CharacterKey } from '../../src/metrics/index.js';
import { noise } from './images.js';

E.setNumThreads(1);
const RED: [number, number, number] = [255, 40, 40];
const BLUE: [number, number, number] = [40, 120, 255];
const CHARS: CharacterKey[] = [{ name: 'mira', color: RED }, { name: 'pip', color: BLUE }];

/** An id pass (1, 3, H, W): mira in the left third of the frame, pip in the right third (unless absent). */
function idPass(h: number, w: number, withPip = true): E.Tensor {
  const d = new Float32Array(3 * h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const c = x < w / 3 ? RED : x >= (2 * w) / 3 && withPip ? BLUE : [90, 70, 40];
    for (let k = 0; k < 3; k++) d[k * h * w + y * w + x] = c[k]! / 255;
  }
  return E.tensor(d, [1, 3, h, w]);
}

/** Frame whose mira pixels are around `mira` and pip pixels around `pip` (RGB), with noise. */
function frame(seed: number, h: number, w: number, mira: number[], pip: number[]): E.Tensor {
  return E.tidy(() => {
    const base = noise(seed, [1, 3, h, w], -0.05, 0.05);
    const col = new Float32Array(3 * h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const c = x < w / 3 ? mira : x >= (2 * w) / 3 ? pip : [0.5, 0.5, 0.5];
      for (let k = 0; k < 3; k++) col[k * h * w + y * w + x] = c[k]!;
    }
    return base.add(E.tensor(col, [1, 3, h, w])).clamp(0, 1);
  });
}

test('idMask: exactly the pixels of the colour', () => {
  E.tidy(() => {
    const m = idMask(idPass(8, 9), RED);
    assert.deepEqual(m.shape, [1, 1, 8, 9]);
    assert.equal(m.sum().item(), 8 * 3);
    assert.equal(idMask(idPass(8, 9, false), BLUE).sum().item(), 0);
  });
});

test('identical output and ground truth give ratio 1 for every character', () => {
  E.tidy(() => {
    const ids = idPass(32, 48);
    const a = frame(1, 32, 48, [0.9, 0.7, 0.2], [0.9, 0.4, 0.1]);
    const b = frame(2, 32, 48, [0.7, 0.6, 0.3], [0.6, 0.3, 0.2]);
    const r = characterConsistency([{ name: 'sh1', output: a, gt: a, ids }, { name: 'sh2', output: b, gt: b, ids }], CHARS);
    for (const c of r.perCharacter) {
      assert.equal(c.pairs, 1);
      assert.ok(Math.abs(c.ratio! - 1) < 1e-9, `${c.character}: ${c.ratio}`);
      assert.ok(c.gtSwd! > 0.05);
      assert.equal(c.fidelitySwd, 0, 'output = ground truth');
    }
  });
});

test('an output that drifts one character between shots more than the painters did: ratio > 1, and it is the worst', () => {
  E.tidy(() => {
    const ids = idPass(32, 48);
    // Ground truth: the light changes both characters a little between the shots.
    const gt1 = frame(1, 32, 48, [0.9, 0.7, 0.2], [0.9, 0.4, 0.1]);
    const gt2 = frame(2, 32, 48, [0.8, 0.65, 0.25], [0.8, 0.35, 0.15]);
    // Output: mira as consistent as the ground truth, pip turns blue-grey in shot 2.
    const o1 = frame(3, 32, 48, [0.9, 0.7, 0.2], [0.9, 0.4, 0.1]);
    const o2 = frame(4, 32, 48, [0.8, 0.65, 0.25], [0.4, 0.45, 0.6]);
    const r = characterConsistency([{ name: 'sh1', output: o1, gt: gt1, ids }, { name: 'sh2', output: o2, gt: gt2, ids }], CHARS);
    const by = Object.fromEntries(r.perCharacter.map((c) => [c.character, c]));
    assert.ok(Math.abs(by.mira!.ratio! - 1) < 0.25, `mira ${by.mira!.ratio}`);
    assert.ok(by.pip!.ratio! > 3, `pip ${by.pip!.ratio}`);
    assert.equal(r.worst!.character, 'pip');
    // An output that renders each character the same in both shots is more consistent than the paintings.
    const same = characterConsistency([{ name: 'sh1', output: o1, gt: gt1, ids }, { name: 'sh2', output: frame(5, 32, 48, [0.9, 0.7, 0.2], [0.9, 0.4, 0.1]), gt: gt2, ids }], CHARS);
    for (const c of same.perCharacter) assert.ok(c.ratio! < 0.5, `${c.character}: ${c.ratio}`);
    // ... which the fidelity figure exposes: pip's output in shot 2 is far from its painting there.
    const fid = Object.fromEntries(r.perCharacter.map((c) => [c.character, c.fidelitySwd!]));
    assert.ok(fid.pip! > 3 * fid.mira!, JSON.stringify(fid));
  });
});

test('a character shown in only one shot is not scored; frames can be added one by one', () => {
  E.tidy(() => {
    const sets = new CharacterPixelSets(CHARS, { minPixels: 10 });
    const a = frame(1, 24, 30, [0.9, 0.7, 0.2], [0.9, 0.4, 0.1]);
    sets.add('sh1', a, a, idPass(24, 30));
    sets.add('sh2', a, a, idPass(24, 30, false));
    sets.add('sh2', a, a, idPass(24, 30, false));
    const r = sets.result();
    sets.dispose();
    const pip = r.perCharacter.find((c) => c.character === 'pip')!;
    assert.equal(pip.ratio, null);
    assert.deepEqual(pip.shots, ['sh1']);
    assert.equal(r.worst!.character, 'mira');
    assert.deepEqual(r.worst!.shots, ['sh1', 'sh2']);
    assert.throws(() => new CharacterPixelSets(CHARS).add('x', a, a, idPass(12, 30)), /does not match/);
  });
});
