// ID passes in the stroke stage's guides (id-pass.ts): colours that name objects are matched as
// categories. An object whose ID colour happens to lie near another's must not take that object's
// strokes (the sample's door, painted with the fox's fur), and an object keeps its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { synthesize, strokeGuide, strokeGuideAt, isLevelGuide, isIdPass, idCode, idCodeParts, idKeys, ID_CODE_CHANNELS, ID_CODE_LENGTH } from '../../src/synth/index.js';

const dist = (a: Float32Array, b: Float32Array) => Math.hypot(...a.map((v, i) => v - b[i]!));
const level = (rgb: readonly number[]) => rgb.map((v) => Math.round((v / 255) * 1024));

test('ID passes are known by name', () => {
  for (const n of ['id', 'ID', 'object_id', 'objectId', 'material-id', 'segmentation', 'seg']) assert.ok(isIdPass(n), n);
  for (const n of ['depth', 'normal', 'albedo', 'motion', 'mask', 'diffuse', 'idle']) assert.ok(!isIdPass(n), n);
});

test('an ID colour\'s code: the same in every call, of one length, and close colours far apart', () => {
  const pip = idCode(level([40, 120, 255]));
  assert.deepEqual(idCode(level([40, 120, 255])), pip);
  assert.equal(pip.length, ID_CODE_CHANNELS);
  assert.ok(Math.abs(Math.hypot(...pip) - ID_CODE_LENGTH) < 1e-6);
  // Colours a few levels apart (an ID palette in steps, or an EXR's IDs 37 and 38) get codes as far
  // apart as any two: the mean distance of random directions at this length (0.5·√2 in the limit).
  const near: number[] = [];
  for (let i = 0; i < 500; i++) {
    const c = [(i * 37) % 250, (i * 91) % 250, (i * 53) % 250];
    near.push(dist(idCode(level(c)), idCode(level([c[0]! + 3, c[1]!, c[2]! + 2]))));
  }
  const mean = near.reduce((a, b) => a + b, 0) / near.length;
  assert.ok(mean > 0.6, `mean code distance of near colours ${mean.toFixed(3)}`);
  assert.ok(near.filter((d) => d < 0.2).length < 0.05 * near.length, 'few near colours get near codes');
});

test('idCodeParts: one channel per code value, constant over an object, checked shape', () => {
  E.tidy(() => {
    const d = new Float32Array(3 * 4 * 6);
    for (let x = 3; x < 6; x++) for (let y = 0; y < 4; y++) d[y * 6 + x] = 1; // red right half
    const parts = idCodeParts(E.tensor(d, [1, 3, 4, 6]));
    assert.equal(parts.length, ID_CODE_CHANNELS);
    const left = idCode([0, 0, 0]), right = idCode([1024, 0, 0]);
    parts.forEach((make, k) => {
      const ch = make();
      assert.deepEqual(ch.shape, [1, 1, 4, 6]);
      const v = ch.toArray() as number[];
      for (let i = 0; i < v.length; i++) assert.ok(Math.abs(v[i]! - ((i % 6) < 3 ? left : right)[k]!) < 1e-6);
    });
    // Beside the exemplars' IDs: an ID they do not hold is coded 0, as far from every code.
    const known = idCodeParts(E.tensor(d, [1, 3, 4, 6]), new Set(['1024,0,0']));
    known.forEach((make, k) => {
      const v = make().toArray() as number[];
      for (let i = 0; i < v.length; i++) assert.ok(Math.abs(v[i]! - ((i % 6) < 3 ? 0 : right[k]!)) < 1e-6);
    });
    assert.deepEqual(idKeys(E.tensor(d, [1, 3, 4, 6])), ['0,0,0', '1024,0,0']);
    // A pass read in two bands (8·2^20 values a band: 2892 rows of 2900), single channel (an EXR's
    // integer IDs 3 and 4), the second ID from row 2895.
    const S = 2900, split = 2895;
    const tall = E.tidy(() => E.F.cat([E.full([1, 1, split, S], 3), E.full([1, 1, S - split, S], 4)], 2));
    const first = idCodeParts(tall)[0]!().data() as Float32Array;
    const [c3, c4] = [idCode([3 * 1024])[0]!, idCode([4 * 1024])[0]!];
    for (const row of [0, 2891, 2892, 2894, 2895, 2899]) {
      assert.ok(Math.abs(first[row * S + 7]! - (row < split ? c3 : c4)) < 1e-6, `row ${row}`);
    }
    tall.dispose();
    assert.throws(() => idCodeParts(E.zeros([3, 4, 6])), /must be \(1, C, H, W\)/);
  });
});

test('a new object whose ID colour is near a painted one\'s takes the strokes its other guides match, and a painted object keeps its own', () => {
  E.tidy(() => {
    const S = 48;
    const rgb = (c: readonly number[]) => c.map((v) => v / 255);
    const fill = (f: (x: number, y: number) => readonly number[]) => {
      const d = new Float32Array(3 * S * S);
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) f(x, y).forEach((v, c) => { d[c * S * S + y * S + x] = v; });
      return E.tensor(d, [1, 3, S, S]);
    };
    // The sample's fox and the house whose ID colour lies 0.26 from it in RGB.
    const fox = rgb([40, 120, 255]), house = rgb([255, 40, 40]), door = rgb([34, 139, 191]);
    // The exemplar: the fox on the left (orange strokes), a house on the right (blue strokes); its
    // rough frame and model output hold the paintings' colours.
    const exId = fill((x) => (x < S / 2 ? fox : house));
    const exRough = fill((x) => (x < S / 2 ? [0.7, 0.4, 0.15] : [0.2, 0.3, 0.7]));
    const style = fill((x, y) => {
      const t = 0.15 * Math.sin((x + y) * 1.3);
      return x < S / 2 ? [0.8 + t, 0.4, 0.1] : [0.1, 0.3, 0.8 + t];
    });
    const blueness = (img: E.Tensor) => img.slice(1, 2, 3).mean().item() - img.slice(1, 0, 1).mean().item();
    const paint = (name: string, targetId: E.Tensor, targetRough: E.Tensor) => {
      const w = { roughWeight: 1, passWeight: 0.5 };
      // As the exemplar bank builds them: the target's guide knows which IDs the exemplars hold.
      const ids = new Map([[name, new Set(idKeys(exId))]]);
      const ex = { guide: strokeGuide(exRough, exRough, new Map([[name, exId]]), w), style, ids };
      return synthesize(strokeGuide(targetRough, targetRough, new Map([[name, targetId]]), w, ids), ex, { colorLock: 0, ...w }).image;
    };
    // A door never painted: its ID colour near the fox's, its rough frame nearer the house's wall.
    const doorId = fill(() => door), doorRough = fill(() => [0.42, 0.34, 0.47]);
    const asId = blueness(paint('id', doorId, doorRough));
    assert.ok(asId > 0.4, `the door takes the wall's strokes: blueness ${asId.toFixed(3)}`);
    // The same pass matched as colours (a pass not named as IDs): the door takes the fox's fur.
    const asColour = blueness(paint('mask', doorId, doorRough));
    assert.ok(asColour < -0.4, `as colours the door took the fox's strokes: blueness ${asColour.toFixed(3)}`);
    // The fox itself, where its rough frame lies as near the wall's as the fur's, keeps its own
    // strokes by its ID.
    const foxOwn = blueness(paint('id', fill(() => fox), fill(() => [0.45, 0.35, 0.425])));
    assert.ok(foxOwn < -0.4, `the fox keeps its strokes: blueness ${foxOwn.toFixed(3)}`);
  });
});

test('a guide with an ID pass, kept from a level up part by part, is the whole guide downscaled', () => {
  E.tidy(() => {
    const S = 32;
    const d = new Float32Array(3 * S * S);
    for (let i = 0; i < S * S; i++) { d[i] = (i % S) < 11 ? 1 : 0; d[S * S + i] = Math.floor(i / S) < 20 ? 0.5 : 0; }
    const id = E.tensor(d, [1, 3, S, S]);
    const out = E.rand([1, 3, S, S]), rough = E.rand([1, 3, S, S]), depth = E.rand([1, 1, S, S]);
    const passes = new Map([['depth', depth], ['id', id]]);
    const w = { roughWeight: 1, passWeight: 0.5 };
    const whole = strokeGuide(out, rough, passes, w);
    assert.deepEqual(whole.shape, [1, 3 + 3 + 1 + ID_CODE_CHANNELS, S, S]);
    const kept = strokeGuideAt(out, rough, passes, w, 1, 3);
    assert.ok(isLevelGuide(kept));
    assert.equal(kept.levels[1]!.sub(E.F.interpolate(whole, { size: [16, 16], mode: 'area' })).abs().max().item(), 0);
  });
});
