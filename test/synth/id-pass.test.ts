// ID passes in the stroke stage's guides (id-pass.ts): colours that name objects are matched as
// categories. An object whose ID colour happens to lie near another's must not take that object's
// strokes (the sample's door, painted with the fox's fur), and an object keeps its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { synthesize, strokeGuide, strokeGuideAt, isLevelGuide, isIdPass, idCode, idCodeParts, idKeys, idLabels, idGuideCodes, ID_CODE_CHANNELS, ID_CODE_LENGTH } from '../../src/synth/index.js';
import { exhaustiveSearch } from '../../src/synth/exhaustive-search.js';
import { coherenceSearch } from '../../src/synth/coherence-search.js';

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

test('idLabels reads IDs back from a guide: one label for all ID passes, -1 at averaged borders and unknown IDs', () => {
  E.tidy(() => {
    const S = 8, w = { roughWeight: 1, passWeight: 0.5 };
    const rgb = (f: (x: number) => readonly number[]) => {
      const d = new Float32Array(3 * S * S);
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) f(x).forEach((v, c) => { d[c * S * S + y * S + x] = v; });
      return E.tensor(d, [1, 3, S, S]);
    };
    // Object IDs: red | green | blue (never painted) in thirds; a material ID: left half 0, right half 1.
    const objects = rgb((x) => (x < 3 ? [1, 0, 0] : x < 6 ? [0, 1, 0] : [0, 0, 1]));
    const material = E.tensor(Float32Array.from({ length: S * S }, (_, i) => ((i % S) < 4 ? 0 : 1)), [1, 1, S, S]);
    const passes = new Map([['depth', E.zeros([1, 1, S, S])], ['object_id', objects], ['material_id', material]]);
    const ids = new Map([['object_id', new Set(['1024,0,0', '0,1024,0'])], ['material_id', new Set(['0', '1024'])]]);
    const codes = idGuideCodes([['depth', 1], ['object_id', 3], ['material_id', 1]], w, ids);
    assert.deepEqual(codes.map((c) => [c.name, c.channel, c.count]), [['object_id', 7, 2], ['material_id', 11, 2]]);
    const rough = E.zeros([1, 3, S, S]);
    const labels = idLabels(strokeGuide(rough, rough, passes, w, ids), codes);
    // Per column: red+0, red+0, red+0, green+0, green+1, green+1, blue (unknown) -> -1.
    const row = Array.from(labels.slice(0, S));
    assert.deepEqual(row.slice(0, 6).map((l) => l >= 0), [true, true, true, true, true, true]);
    assert.equal(new Set([row[0], row[1], row[2]]).size, 1);
    assert.deepEqual(new Set(row.slice(0, 6)).size, 3, 'red+0, green+0 and green+1 are three labels');
    assert.deepEqual(row.slice(6), [-1, -1], 'an ID no exemplar holds has no label');
    // The same guide averaged 2x2: a pixel over the red|green border (columns 2-3) has none.
    const half = idLabels(E.F.interpolate(strokeGuide(rough, rough, passes, w, ids), { size: [4, 4], mode: 'area' }), codes);
    assert.deepEqual(Array.from(half.slice(0, 4)), [row[0], -1, row[4], -1]);
  });
});

test('the searches match labels as categories: a labelled target takes the nearest source of its label', () => {
  // Features: target rows sit next to source rows of another label.
  const source = Float32Array.from([0, 0, 1, 0, 4, 0, 9, 0]);
  const target = Float32Array.from([1.1, 0, 0.8, 0, 3.9, 0]);
  assert.deepEqual(Array.from(exhaustiveSearch(target, source, 2)), [1, 1, 2]);
  const labels = { target: Int32Array.from([1, 0, -1]), source: Int32Array.from([0, -1, 1, 1]), penalty: 100 };
  // Row 0 (label 1) takes the nearest label-1 source (2); row 1 (label 0) source 0, not the unlabelled 1; row 2 has no label.
  assert.deepEqual(Array.from(exhaustiveSearch(target, source, 2, { labels, rowBlock: 2, colBlock: 3 })), [2, 0, 2]);
  assert.throws(() => exhaustiveSearch(target, source, 2, { labels: { ...labels, target: new Int32Array(2) } }), /labels for 2 target/);
  // Coherence: a 3x1 field over a 4x1 source, every pixel proposed its neighbours' shifted sources.
  const f = { target, source, dims: 2 };
  const nnf = { width: 3, height: 1, source: { count: 1, height: 1, width: 4 }, index: Int32Array.from([1, 3, 3]) };
  const plain = coherenceSearch(f, nnf, { radius: 1, uniformity: 0 }).nnf.index;
  const categorical = coherenceSearch(f, nnf, { radius: 1, uniformity: 0, labels }).nnf.index;
  assert.equal(plain[0], 1, 'by features alone row 0 keeps source 1');
  assert.equal(categorical[0], 2, 'by label row 0 moves to its own label\'s source');
});

test('an object whose ID code happens to lie near another\'s keeps its own strokes', () => {
  // Two ID colours whose codes lie near each other (the sample's girl's coat and a house, 1080p):
  // codes alone let the girl's strokes onto the house's wall.
  const palette = Array.from({ length: 400 }, (_, i) => [(i * 37) % 256, (i * 101) % 256, (i * 59) % 256]);
  let pair: [number[], number[]] | null = null;
  for (let i = 0; i < palette.length && !pair; i++) for (let j = i + 1; j < palette.length && !pair; j++) {
    if (palette[i]!.join() !== palette[j]!.join() && dist(idCode(level(palette[i]!)), idCode(level(palette[j]!))) < 0.08) pair = [palette[i]!, palette[j]!];
  }
  assert.ok(pair, 'two colours with near codes');
  E.tidy(() => {
    const S = 48;
    const fill = (f: (x: number, y: number) => readonly number[]) => {
      const d = new Float32Array(3 * S * S);
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) f(x, y).forEach((v, c) => { d[c * S * S + y * S + x] = v; });
      return E.tensor(d, [1, 3, S, S]);
    };
    const [a, b] = pair!.map((c) => c.map((v) => v / 255));
    const exId = fill((x) => (x < S / 2 ? a! : b!));
    const exRough = fill((x) => (x < S / 2 ? [0.7, 0.4, 0.15] : [0.2, 0.3, 0.7]));
    const style = fill((x, y) => {
      const t = 0.15 * Math.sin((x + y) * 1.3);
      return x < S / 2 ? [0.8 + t, 0.4, 0.1] : [0.1, 0.3, 0.8 + t];
    });
    const w = { roughWeight: 1, passWeight: 0.5 };
    const ids = new Map([['id', new Set(idKeys(exId))]]);
    const ex = { guide: strokeGuide(exRough, exRough, new Map([['id', exId]]), w), style, ids, idCodes: idGuideCodes([['id', 3]], w, ids) };
    // Object a, where its rough frame lies a little nearer b's than a's: less than two objects' codes
    // typically lie apart, more than these two's.
    const target = strokeGuide(fill(() => [0.44, 0.348, 0.437]), fill(() => [0.44, 0.348, 0.437]), new Map([['id', fill(() => a!)]]), w, ids);
    const blueness = (img: E.Tensor) => img.slice(1, 2, 3).mean().item() - img.slice(1, 0, 1).mean().item();
    const byCodes = blueness(synthesize(target, ex, { colorLock: 0, ...w, idPenalty: 0 }).image);
    assert.ok(byCodes > 0.4, `by codes alone it took b's strokes: blueness ${byCodes.toFixed(3)}`);
    // A frame of one flat colour sends every pixel to one source at first, and the reuse penalty
    // then spreads them: mostly over a's own strokes at the default penalty, wholly at a stronger one.
    const byId = blueness(synthesize(target, ex, { colorLock: 0, ...w }).image);
    assert.ok(byId < -0.2, `matched as a category it takes mostly a's strokes: blueness ${byId.toFixed(3)}`);
    const hard = blueness(synthesize(target, ex, { colorLock: 0, ...w, idPenalty: 64 }).image);
    assert.ok(hard < -0.6, `with a strong penalty only a's: blueness ${hard.toFixed(3)}`);
  });
});
