// Stroke synthesis: reproduces an exemplar from itself, keeps fields in range, carries an
// exemplar's texture onto a smooth target, refuses bad inputs clearly, and renders frame ranges
// that equal a whole-sequence render.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { psnr, hfRatio, gaussianBlur } from '../../src/metrics/index.js';
import { synthesize, checkNnf, upsampleNnf, advectNnf, StrokeSequence, searchSize, strokeGuide, strokeGuideAt, isLevelGuide, type StrokeOptions } from '../../src/synth/index.js';
import { flowAtLevel, offFlowEdges, withoutIslands, mixLocked } from '../../src/synth/stroke-sequence.js';
import { lockToModel } from '../../src/synth/synthesize.js';
import { topEigenvectors } from '../../src/synth/eigen.js';
import { exhaustiveSearch } from '../../src/synth/exhaustive-search.js';

/** A smooth colour gradient with diagonal "strokes" (a seeded random texture along one direction). */
function painted(size: number, seed: number): E.Tensor {
  const d = new Float32Array(3 * size * size);
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const stroke = new Float32Array(4 * size);
  for (let i = 0; i < stroke.length; i++) stroke[i] = rnd() - 0.5;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const t = 0.25 * stroke[x + y]! + 0.15 * stroke[(2 * x + y + 7) % stroke.length]!;
    d[y * size + x] = 0.3 + 0.4 * x / size + t;
    d[size * size + y * size + x] = 0.5 + 0.3 * y / size + t;
    d[2 * size * size + y * size + x] = 0.6 - 0.2 * x / size + 0.5 * t;
  }
  return E.tensor(d, [1, 3, size, size]).clamp(0, 1);
}

test('an exemplar synthesized with itself as target is reproduced', () => {
  E.tidy(() => {
    const style = painted(48, 1);
    const out = synthesize(style, { guide: style, style }, { colorLock: 0 });
    checkNnf(out.nnf);
    assert.ok(psnr(out.image, style) > 30, `psnr ${psnr(out.image, style)}`);
  });
});

test('a textured exemplar gives its high-frequency energy to a smooth target, indices in range', () => {
  E.tidy(() => {
    const style = painted(64, 2);
    const guide = gaussianBlur(style, 2.5);
    const target = gaussianBlur(painted(64, 3), 2.5).flip(3); // another smooth image
    const out = synthesize(target, { guide, style });
    checkNnf(out.nnf);
    assert.equal(out.image.shape.join(','), '1,3,64,64');
    const before = hfRatio(target, style), after = hfRatio(out.image, style);
    assert.ok(before < 0.2 && after > 0.5, `hf ratio ${before.toFixed(2)} -> ${after.toFixed(2)}`);
    // Colour stays the target's (colour lock): the low frequencies match it.
    assert.ok(psnr(gaussianBlur(out.image, 3), gaussianBlur(target, 3)) > 28);
  });
});

test('the colour lock leaves no line where runs copied from paintings of other colours meet', () => {
  E.tidy(() => {
    // Two paintings with the same marks on a salmon and on a blue ground, told apart by a fourth
    // guide channel; the target asks for the salmon painting's patches on its left half and the blue
    // one's on its right, under a grey look-model colour. Locked to grey, both halves are grey
    // with the marks; a lock over the blurred strokes leaves the salmon-to-blue step minus its blur
    // along the seam.
    const S = 48;
    const marks = E.tidy(() => { const p = painted(S, 9).mean(1, true); return p.sub(gaussianBlur(p, 2)); });
    const ground = (r: number, g: number, b: number) => E.tensor([r, g, b], [1, 3, 1, 1]).mul(E.ones([1, 1, S, S]));
    const grey = ground(0.6, 0.6, 0.6);
    const code = (v: number) => E.full([1, 1, S, S], v);
    const ex = {
      style: E.F.cat([ground(0.85, 0.55, 0.45).add(marks), ground(0.45, 0.6, 0.85).add(marks)], 0),
      guide: E.F.cat([E.F.cat([grey, code(0)], 1), E.F.cat([grey, code(1)], 1)], 0),
    };
    const half = E.tensor(Float32Array.from({ length: S * S }, (_, i) => (i % S >= S / 2 ? 1 : 0)), [1, 1, S, S]);
    const out = synthesize(E.F.cat([grey, half], 1), ex, { colorLock: 3, searchLevel: 0, levels: 2 }).image;
    const fromGrey = gaussianBlur(out, 1.5).sub(grey).abs().mean([0, 1, 2]).toArray();
    const seam = Math.max(...fromGrey.slice(S / 2 - 4, S / 2 + 4));
    const away = Math.max(...fromGrey.slice(6, 14), ...fromGrey.slice(S - 14, S - 6));
    assert.ok(seam < 0.03 && seam < away + 0.02, `colour off grey along the seam ${seam.toFixed(3)}, away from it ${away.toFixed(3)}`);
  });
});

test('bad inputs give clear errors', () => {
  E.tidy(() => {
    const style = painted(32, 4);
    assert.throws(() => synthesize(style.slice(1, 0, 2), { guide: style, style }), /guides have 3 channels but the target guide has 2/);
    assert.throws(() => synthesize(style, { guide: style, style: style.slice(1, 0, 1) }), /style must be RGB/);
    assert.throws(() => synthesize(style.slice(2, 0, 4), { guide: style, style }), /at least 8x8/);
    assert.throws(() => synthesize(style.reshape([3, 32, 32]), { guide: style, style }), /must be \(1, C, H, W\)/);
    assert.throws(() => checkNnf({ width: 2, height: 1, source: { count: 1, height: 2, width: 2 }, index: Int32Array.from([0, 4]) }), /outside the 4 source pixels/);
    const hint = { nnf: new Int32Array(32 * 32), valid: new Uint8Array(32 * 32), warped: style, weight: 1, bonus: 0.5, exemplars: [0] };
    assert.throws(() => synthesize(style, { guide: style, style }, {}, { ...hint, nnf: new Int32Array(10) }), /temporal hint must be at the searched level's size 32x32, got 10 entries/);
    assert.throws(() => synthesize(style, { guide: style, style }, {}, { ...hint, warpedValid: new Uint8Array(7) }), /temporal hint's warped trust must be .* 32x32, got 7 entries/);
  });
});

test('field helpers: upsampling stays in range, zero flow carries a field unchanged', () => {
  const src = { count: 2, height: 8, width: 8 };
  const coarse = { width: 4, height: 4, source: src, index: Int32Array.from({ length: 16 }, (_, i) => (i * 37) % 128) };
  const fine = upsampleNnf(coarse, 8, 8, { count: 2, height: 16, width: 16 });
  checkNnf(fine);
  const { nnf, valid } = advectNnf(fine, new Float32Array(128), null);
  assert.deepEqual(nnf.index, fine.index);
  assert.ok(valid.every((v) => v === 1));
  const out = advectNnf(fine, new Float32Array(128).fill(100), null);
  assert.ok(out.valid.every((v) => v === 0), 'flow out of the frame is not trusted');
});

test('PCA eigenvectors and exhaustive search agree with brute force', () => {
  const { vectors, values } = topEigenvectors(Float64Array.from([4, 1, 0, 1, 3, 0, 0, 0, 1]), 3, 1);
  const l = (7 + Math.sqrt(5)) / 2;
  assert.ok(Math.abs(values[0]! - l) < 1e-9);
  assert.ok(Math.abs(vectors[1]! - (l - 4) * vectors[0]!) < 1e-6 && Math.abs(vectors[2]!) < 1e-6);
  // A larger one (the size of a 1080p level's patch stack): A v = λ v, λ descending, signs fixed.
  const n = 300, a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = Math.sin(i * 0.37 + j * 1.3) + (i === j ? i / 50 : 0);
  const top = topEigenvectors(a, n, 5);
  for (let i = 1; i < n; i++) assert.ok(top.values[i - 1]! >= top.values[i]!);
  for (let row = 0; row < 5; row++) {
    const v = top.vectors.subarray(row * n, (row + 1) * n);
    let worst = 0, big = 0;
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j]! * v[j]!;
      worst = Math.max(worst, Math.abs(av - top.values[row]! * v[i]!));
      if (Math.abs(v[i]!) > Math.abs(big)) big = v[i]!;
    }
    assert.ok(worst < 1e-4 * Math.abs(top.values[0]!), `eigenpair ${row}: residual ${worst}`);
    assert.ok(big > 0, 'the largest entry of each vector is positive');
  }
  assert.throws(() => topEigenvectors(Float64Array.from([1, NaN, NaN, 1]), 2, 1), /non-finite/);
  assert.throws(() => topEigenvectors(new Float64Array(4), 2, 3), /1\.\.2 eigenvectors/);
  const t = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7)), s = Float32Array.from({ length: 60 }, (_, i) => Math.cos(i * 0.9));
  const got = exhaustiveSearch(t, s, 4, { rowBlock: 3, colBlock: 7 });
  for (let i = 0; i < 10; i++) {
    let best = -1, bd = Infinity;
    for (let j = 0; j < 15; j++) { let d = 0; for (let k = 0; k < 4; k++) d += (t[i * 4 + k]! - s[j * 4 + k]!) ** 2; if (d < bd) { bd = d; best = j; } }
    assert.equal(got[i], best);
  }
});

/** Frames from..to of a stroked sequence, rendered in order by a new sequence (its data, planar). */
async function renderRange(ex: { guide: E.Tensor; style: E.Tensor }, o: Partial<StrokeOptions>, frameAt: (n: number) => { rough: E.Tensor; guide: E.Tensor }, from: number, to: number): Promise<Float32Array[]> {
  const seq = new StrokeSequence(ex, 0, o, async (n) => frameAt(n));
  const out: Float32Array[] = [];
  for (let n = from; n <= to; n++) {
    const { rough, guide: g } = frameAt(n);
    const img = await seq.render(n, rough, g);
    out.push(img.data() as Float32Array);
    E.disposeAll([img, rough, g]);
  }
  seq.dispose();
  return out;
}

test('a range of a stroked sequence equals the same frames of the whole sequence', async () => {
  const S = 32;
  const style = painted(S, 5);
  const guide = gaussianBlur(style, 2);
  const frameAt = (n: number) => E.tidy(() => {
    const g = gaussianBlur(painted(S, 9), 2).roll(n, 3);
    return { rough: g.clone(), guide: g };
  });
  const ex = { guide: E.keep(guide), style: E.keep(style) };
  const run = (from: number, to: number) => renderRange(ex, { anchorEvery: 4 }, frameAt, from, to);
  const whole = await run(0, 5);
  const part = await run(2, 5); // starts inside the run anchored at 0: anchor and flow chain rebuilt
  for (let i = 0; i < 4; i++) assert.deepEqual(part[i], whole[i + 2], `frame ${i + 2}`);
  assert.notDeepEqual(whole[1], whole[2]);
  E.disposeAll([ex]);
});

test('keyframe anchors: frames carry strokes from their nearest painted keyframe, backward too, and ranges equal the whole', async () => {
  const S = 32;
  // A footage whose "painting" is a fixed function of it (inverted): the keyframe (frame 5) is
  // painted. Guides as strokeGuide builds them: a model's estimate (here exact), then the rough frame.
  const frameAt = (n: number) => E.tidy(() => {
    const rough = painted(S, 9).roll(n, 3);
    return { rough, guide: E.F.cat([rough.rsub(1), rough], 1) };
  });
  const key = frameAt(5);
  const style = E.tidy(() => key.guide.slice(1, 0, 3).contiguous());
  const ex = { guide: E.keep(key.guide), style: E.keep(style) };
  key.rough.dispose();
  const loads: number[] = [];
  const run = async (frames: number[]) => {
    const seq = new StrokeSequence(ex, 0, { anchorEvery: 4, synth: { colorLock: 0 } }, async (n) => { loads.push(n); return frameAt(n); }, [5, 5]);
    assert.deepEqual(seq.keyframes, [5]);
    assert.equal(seq.anchorOf(0), 5);
    assert.equal(seq.anchorOf(7), 5);
    const out = new Map<number, Float32Array>();
    for (const n of frames) {
      const { rough, guide: g } = frameAt(n);
      const img = await seq.render(n, rough, g);
      out.set(n, img.data() as Float32Array);
      E.disposeAll([img, rough, g]);
    }
    seq.dispose();
    return out;
  };
  const whole = await run([0, 1, 2, 3, 4, 5, 6]);
  const loadsInOrder = loads.length;
  // In order toward a later keyframe, the chains are kept: each frame between is loaded once for it.
  assert.ok(loadsInOrder <= 6, `in-order render loaded ${loadsInOrder} frames`);
  const part = await run([3, 2, 6]);
  for (const n of [2, 3, 6]) assert.deepEqual(part.get(n), whole.get(n), `frame ${n}`);
  // The keyframe renders as its painting, and frames carried from it follow the footage: frame n
  // is close to frame n's own "painting" (1 - rough), far from the keyframe's.
  const errTo = (n: number, target: E.Tensor) => E.tidy(() => E.tensor(whole.get(n)!, [1, 3, S, S]).sub(target).abs().mean().item());
  assert.ok(errTo(5, style) < 0.02, `keyframe frame differs from its painting by ${errTo(5, style)}`);
  const f2 = frameAt(2);
  const own = E.tidy(() => f2.rough.rsub(1));
  E.disposeAll([f2.rough, f2.guide]);
  assert.ok(errTo(2, own) < 0.5 * errTo(2, style), `frame 2: ${errTo(2, own)} from its own painting, ${errTo(2, style)} from the keyframe's`);
  E.disposeAll([ex, own]);
});

/**
 * A footage panning 2 px a frame to the right, whose "painting" is the footage inverted (the look
 * model's estimate: `estimate`, by default exact), the renderer's vectors saying so exactly (the two
 * columns that wrap in at the left were not seen in the frame before), and frame 3 painted.
 */
function panningShot(S: number, estimate: (n: number, rough: E.Tensor) => E.Tensor = (_, rough) => rough.rsub(1)) {
  const frameAt = (n: number) => E.tidy(() => {
    const rough = painted(S, 9).roll(2 * n, 3);
    return { rough, guide: E.F.cat([estimate(n, rough), rough], 1) };
  });
  const motion = async () => E.tidy(() => {
    const back = E.F.cat([E.full([1, 1, S, S], -2), E.zeros([1, 1, S, S])], 1);
    const visible = E.tensor(Float32Array.from({ length: S * S }, (_, i) => (i % S >= 2 ? 1 : 0)), [1, 1, S, S]);
    return { back: E.keep(back), visible: E.keep(visible) };
  });
  const key = frameAt(3);
  const ex = { guide: E.keep(key.guide), style: E.keep(E.tidy(() => key.guide.slice(1, 0, 3).contiguous())) };
  key.rough.dispose();
  return { frameAt, motion, ex };
}

test('motion vectors: strokes follow the renderer\'s motion exactly, toward an earlier and a later keyframe, and ranges equal the whole', async () => {
  const S = 32;
  const { frameAt, motion, ex } = panningShot(S);
  const run = async (frames: number[]) => {
    const seq = new StrokeSequence(ex, 0, { synth: { colorLock: 0 } }, async (n) => frameAt(n), [3], 6, motion);
    const out = new Map<number, E.Tensor>();
    for (const n of frames) {
      const { rough, guide: g } = frameAt(n);
      out.set(n, E.keep(await seq.render(n, rough, g)));
      E.disposeAll([rough, g]);
    }
    seq.dispose();
    return out;
  };
  const whole = await run([0, 1, 2, 3, 4, 5, 6]);
  const cols = (t: E.Tensor, from: number, n: number) => t.narrow(3, from, n);
  E.tidy(() => {
    const k = whole.get(3)!;
    // Two frames after the keyframe, its strokes sit 4 px to the right; two frames before, 4 px to
    // the left (the later keyframe's vectors inverted). Away from the feathered seams, exactly.
    const after = cols(whole.get(5)!, 12, 14).sub(cols(k, 8, 14)).abs().max().item();
    const before = cols(whole.get(1)!, 6, 14).sub(cols(k, 10, 14)).abs().max().item();
    assert.ok(after < 1e-4 && before < 1e-4, `carried strokes moved off the motion: ${after} after, ${before} before the keyframe`);
  });
  const part = await run([5, 1]);
  for (const n of [1, 5]) assert.deepEqual(part.get(n)!.data(), whole.get(n)!.data(), `frame ${n}`);
  await assert.rejects(new StrokeSequence(ex, 0, {}, async (n) => frameAt(n), [3], 6, async () => { throw new Error('no motion pass on frame 4'); }).render(4, ...Object.values(frameAt(4)) as [E.Tensor, E.Tensor]), /no motion pass on frame 4/);
  E.disposeAll([ex, [...whole.values()], [...part.values()]]);
});

test('strokes are not carried where the frame\'s look-model output disagrees with the anchor\'s carried along the chain', async () => {
  const S = 32;
  // As above (a 2 px pan, exact vectors, keyframe 3), but on frame 5 the look model reads a block
  // of the footage as something else (its estimate inverted there; the rough frame, so the luma
  // test, unchanged): a surface the vectors carried the keyframe's strokes onto by mistake.
  const inBlock = (i: number) => { const x = i % S, y = Math.floor(i / S); return x >= 14 && x < 26 && y >= 10 && y < 22; };
  const block = E.keep(E.tensor(Float32Array.from({ length: S * S }, (_, i) => (inBlock(i) ? 1 : 0)), [1, 1, S, S]));
  const { frameAt, motion, ex } = panningShot(S, (n, rough) => (n === 5 ? rough.rsub(1).mul(block.rsub(1)).add(rough.mul(block)) : rough.rsub(1)));
  const seq = new StrokeSequence(ex, 0, { synth: { colorLock: 0 } }, async (n) => frameAt(n), [3], 6, motion);
  const k3 = frameAt(3), k5 = frameAt(5);
  const k = await seq.render(3, k3.rough, k3.guide);
  const f5 = await seq.render(5, k5.rough, k5.guide);
  E.tidy(() => {
    // Outside the block (and clear of its seam) the keyframe's strokes sit 4 px on, as before;
    // inside, frame 5 is painted anew: not the carried strokes.
    const moved = (x0: number, y0: number, w: number, h: number) => f5.narrow(3, x0, w).narrow(2, y0, h).sub(k.narrow(3, x0 - 4, w).narrow(2, y0, h)).abs().mean().item();
    assert.ok(moved(6, 2, 6, 6) < 1e-4, `strokes outside the block were not carried: ${moved(6, 2, 6, 6)}`);
    assert.ok(moved(17, 13, 6, 6) > 0.05, `strokes were carried onto the block the look model reads otherwise: ${moved(17, 13, 6, 6)}`);
  });
  seq.dispose();
  E.disposeAll([ex, block, k, f5, Object.values(k3), Object.values(k5)]);
});

test('a painted keyframe keeps the painter\'s colour, itself and in the frames it is carried to, under the colour lock', async () => {
  const S = 32;
  // The 2 px pan with exact vectors, keyframe 3 painted red where the look model reads grey.
  const greyOf = (rough: E.Tensor) => rough.mean(1, true).expand([1, 3, S, S]).contiguous();
  const { frameAt, motion, ex } = panningShot(S, (_, rough) => greyOf(rough));
  const red = E.keep(E.tidy(() => ex.style.mul(E.tensor([1, 0.5, 0.5], [1, 3, 1, 1]))));
  const painted3 = { guide: ex.guide, style: red };
  const seq = new StrokeSequence(painted3, 0, { synth: { colorLock: 3 } }, async (n) => frameAt(n), [3], 6, motion);
  const k3 = frameAt(3), k5 = frameAt(5);
  const k = await seq.render(3, k3.rough, k3.guide);
  const f5 = await seq.render(5, k5.rough, k5.guide);
  E.tidy(() => {
    const redness = (t: E.Tensor) => t.narrow(3, 10, 14).narrow(2, 4, 24).slice(1, 0, 1).sub(t.narrow(3, 10, 14).narrow(2, 4, 24).slice(1, 1, 2)).mean().item();
    const painter = redness(red), keyframe = redness(k), carried = redness(f5);
    assert.ok(painter > 0.15, `the painting is not red enough for the test: ${painter}`);
    assert.ok(Math.abs(keyframe - painter) < 0.02, `the keyframe lost its painted colour: ${keyframe.toFixed(3)} against ${painter.toFixed(3)}`);
    assert.ok(Math.abs(carried - painter) < 0.03, `frame 5 lost the keyframe's colour: ${carried.toFixed(3)} against ${painter.toFixed(3)}`);
  });
  seq.dispose();
  E.disposeAll([ex, red, k, f5, Object.values(k3), Object.values(k5)]);
});

test('a hole the synthesis fills takes the lock\'s target colour all through, not a blur of the step to the carried strokes', () => {
  E.tidy(() => {
    // Carried strokes already purple (the painter's), a 12 px hole synthesized in the model's white,
    // the target purple everywhere.
    const S = 40, purple = E.tensor([0.45, 0.35, 0.55], [1, 3, 1, 1]), white = E.tensor([0.9, 0.9, 0.92], [1, 3, 1, 1]);
    const hole = E.tensor(Float32Array.from({ length: S * S }, (_, i) => (Math.abs((i % S) - 20) < 6 ? 0 : 1)), [1, 1, S, S]);
    const warped = purple.expand([1, 3, S, S]).contiguous(), synth = white.expand([1, 3, S, S]).contiguous();
    const out = mixLocked(warped, synth.clone(), hole, warped.clone(), { colorLock: 3 }, 0);
    const inHole = out.narrow(3, 15, 11).sub(purple).abs().max().item();
    assert.ok(inHole < 0.01, `the hole is ${inHole.toFixed(3)} from the target`);
    // Mixed first and locked once, the hole's middle kept part of the white.
    const once = lockToModel(warped.mul(hole).add(synth.mul(hole.rsub(1))), warped, { colorLock: 3 }, 0);
    assert.ok(once.narrow(3, 15, 11).sub(purple).abs().max().item() > 0.05, 'the old composition already reached the target: the test shows nothing');
  });
});

test('flow edges: both sides of a jump of over a pixel beyond the flow\'s trend are left out, a smooth or smoothly stretching flow keeps every pixel', () => {
  const w = 8, h = 4;
  // x-flow 0 left of column 4, 3 px from it on (a figure moving against a still background); y-flow a gentle ramp.
  const flow = new Float32Array(2 * w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { flow[2 * (y * w + x)] = x >= 4 ? 3 : 0; flow[2 * (y * w + x) + 1] = 0.5 * y; }
  const kept = offFlowEdges(flow, w, h);
  for (let y = 0; y < h; y++) assert.deepEqual([...kept.subarray(y * w, y * w + w)], [1, 1, 1, 0, 0, 1, 1, 1], `row ${y}`);
  const ramp = Float32Array.from({ length: 2 * w * h }, (_, i) => (i % 2 ? 0.3 : 0.9) * ((i >> 1) % w));
  assert.ok(offFlowEdges(ramp, w, h).every((v) => v === 1), 'a smooth flow lost pixels');
  // A chain over many frames of a turning camera stretches the ground by more than a pixel a pixel,
  // smoothly (here 2.5 px a pixel across, growing down the rows): no silhouette in it.
  const stretch = Float32Array.from({ length: 2 * w * h }, (_, i) => { const x = (i >> 1) % w, y = Math.floor((i >> 1) / w); return i % 2 ? 0.2 * y * y : (2.5 + 0.1 * y) * x; });
  assert.ok(offFlowEdges(stretch, w, h).every((v) => v === 1), 'a smoothly stretching flow lost pixels');
  // A silhouette's ramp two pixels wide (area means of the two motions) is still found.
  const soft = new Float32Array(2 * w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) soft[2 * (y * w + x)] = x <= 3 ? 0 : x === 4 ? 1.5 : 3;
  assert.deepEqual([...offFlowEdges(soft, w, h).subarray(0, w)], [1, 1, 1, 0, 0, 0, 1, 1]);
});

test('carried islands narrower than a patch are dropped, larger carried regions kept as they were', () => {
  const w = 24, h = 20;
  const mask = new Float32Array(w * h);
  const fill = (x0: number, y0: number, x1: number, y1: number) => { for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * w + x] = 1; };
  fill(2, 2, 5, 5); // a 3x3 island
  fill(10, 0, 24, 12); // a region at the frame's edge, with a notch
  mask[5 * w + 10] = 0;
  fill(0, 16, 24, 18); // a 2-px strip
  const kept = withoutIslands(mask, w, h, 2);
  const at = (x: number, y: number) => kept[y * w + x];
  assert.equal(at(3, 3), 0, 'the island was kept');
  assert.equal(at(12, 17), 0, 'the thin strip was kept');
  assert.equal(at(10, 5), 0, 'a pixel the mask did not carry was added');
  for (let y = 0; y < 12; y++) for (let x = 10; x < 24; x++) if (!(x === 10 && y === 5)) assert.equal(at(x, y), 1, `the region lost (${x}, ${y})`);
});

test('a coarser search level: the field lives there, the image copies full-size source pixels, ranges equal the whole', async () => {
  const S = 64;
  const style = painted(S, 6);
  const ex = { guide: E.keep(style.clone()), style: E.keep(style) };
  assert.deepEqual(searchSize(S, S, ex, { searchLevel: 1 }), { level: 1, height: 32, width: 32 });
  assert.equal(searchSize(S, S, ex, { searchLevel: 5 }).level, 1, 'clamped to the coarsest level');
  E.tidy(() => {
    const out = synthesize(style, ex, { colorLock: 0, searchLevel: 1 });
    checkNnf(out.nnf);
    assert.equal(out.nnf.width, 32);
    assert.deepEqual(out.image.shape, [1, 3, S, S]);
    // Full-size marks, not an upscale of the half-size result (which loses them).
    const upscaled = E.F.interpolate(E.F.interpolate(style, { size: [32, 32], mode: 'area' }), { size: [S, S], mode: 'bilinear' });
    assert.ok(psnr(out.image, style) > 30 && psnr(upscaled, style) < 25, `psnr ${psnr(out.image, style).toFixed(1)}, half size upscaled ${psnr(upscaled, style).toFixed(1)}`);
  });
  // The carried field is handed over at the searched level; a range still equals the whole.
  const frameAt = (n: number) => E.tidy(() => {
    const g = gaussianBlur(painted(S, 9), 2).roll(2 * n, 3);
    return { rough: g.clone(), guide: g };
  });
  const run = (from: number, to: number) => renderRange(ex, { anchorEvery: 4, synth: { searchLevel: 1 } }, frameAt, from, to);
  const whole = await run(0, 3);
  const part = await run(2, 3);
  for (let i = 0; i < 2; i++) assert.deepEqual(part[i], whole[i + 2], `frame ${i + 2}`);
  assert.throws(() => synthesize(style, ex, { searchLevel: 1 }, { nnf: new Int32Array(S * S), valid: new Uint8Array(S * S), warped: style, weight: 1, bonus: 0.5, exemplars: [0] }), /searched level's size 32x32/);
  // Exemplars may keep their guide at the searched level only (what a bank of large paintings
  // does to save memory): the same result as with the full-size guide, and a clear refusal to
  // search a finer level than the guide has.
  const reduced = { guide: E.keep(E.F.interpolate(ex.guide, { size: [32, 32], mode: 'area' })), style: ex.style, guideLevel: 1 };
  E.tidy(() => {
    const full = synthesize(style, ex, { colorLock: 0, searchLevel: 1 });
    const kept = synthesize(style, reduced, { colorLock: 0, searchLevel: 1 });
    assert.deepEqual(kept.nnf.index, full.nnf.index);
    assert.equal(kept.image.sub(full.image).abs().max().item(), 0);
  });
  assert.throws(() => synthesize(style, reduced, { searchLevel: 0 }), /keep their guides at level 1 only/);
  assert.throws(() => synthesize(style, { ...reduced, guideLevel: 0 }), /the guide the size of level 0 of the style/);
  // The target guide likewise (a large frame's, target-guide.ts): kept from the searched level up
  // beside its full-size colour, made part by part; its coarser levels are downscaled from the
  // searched one, as the exemplars' are (source-levels.ts); halving twice is halving once by 4, so
  // it gives exactly the whole guide's synthesis here.
  E.tidy(() => {
    const rough = gaussianBlur(painted(S, 5), 1);
    const weights = { roughWeight: 1, passWeight: 1 };
    const pass = gaussianBlur(painted(S, 6), 3).slice(1, 0, 1);
    const whole = strokeGuide(style, rough, new Map([['depth', pass]]), weights);
    const exr = { guide: strokeGuide(ex.style, ex.style, new Map([['depth', ex.style.slice(1, 0, 1)]]), weights), style: ex.style };
    const levels = 3;
    const kept = strokeGuideAt(style, rough, new Map([['depth', pass]]), weights, 1, levels);
    assert.ok(isLevelGuide(kept) && kept.levels[1]!.size(2) === 32 && kept.levels[2]!.size(2) === 16 && !kept.levels[0] && kept.colour.size(2) === S);
    const atSearched = E.F.interpolate(whole, { size: [32, 32], mode: 'area' });
    assert.equal(kept.levels[1]!.sub(atSearched).abs().max().item(), 0, 'the whole guide downscaled to the searched level');
    assert.equal(kept.levels[2]!.sub(E.F.interpolate(atSearched, { size: [16, 16], mode: 'area' })).abs().max().item(), 0, 'coarser: from the searched level');
    const a = synthesize(whole, exr, { searchLevel: 1, levels });
    const b = synthesize(kept, exr, { searchLevel: 1, levels });
    assert.deepEqual(b.nnf.index, a.nnf.index);
    assert.equal(b.image.sub(a.image).abs().max().item(), 0, 'the same strokes and colour lock');
    assert.throws(() => synthesize(kept, exr, { searchLevel: 0, levels }), /target guide is kept at level 1 only/);
    assert.throws(() => synthesize(kept, exr, { searchLevel: 1, levels: 4 }), /keeps levels 1 to 2, not level 3/);
    assert.throws(() => synthesize({ ...kept, levels: [whole, whole] }, exr, { searchLevel: 1, levels }), /kept at level 1 of 64x64 must be \(1, C, 32, 32\)/);
    assert.ok(!isLevelGuide(strokeGuideAt(style, rough, new Map([['depth', pass]]), weights, 0, levels)), 'level 0: the whole guide');
  });
  E.disposeAll([ex, reduced.guide]);
});

test('flow at a coarser level: block means in the level pixels, trusted only where the whole block is', () => {
  const w = 8, h = 6, flow = new Float32Array(2 * w * h), valid = new Float32Array(w * h).fill(1);
  for (let i = 0; i < w * h; i++) { flow[2 * i] = 2; flow[2 * i + 1] = -4; }
  valid[1 * w + 5] = 0; // block (2, 0) of the 4x3 level
  const at = flowAtLevel(flow, valid, w, h, 4, 3);
  assert.deepEqual([...at.flow.slice(0, 2)], [1, -2]);
  assert.deepEqual([...at.valid], [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  assert.equal(flowAtLevel(flow, valid, w, h, w, h).flow, flow, 'same size: unchanged');
});

test('voting from a coarser field: an agreeing field copies the full-size source exactly; a seam blends over a few pixels', async () => {
  const { voteUpsampled } = await import('../../src/synth/vote.js');
  const W = 16, H = 12, src = { count: 1, height: H, width: W };
  const style = new Float32Array(W * H);
  for (let i = 0; i < style.length; i++) style[i] = ((i * 7919) % 97) / 97;
  // Identity field at half size: every patch points at its own place.
  const cw = 8, ch = 6, csrc = { count: 1, height: ch, width: cw };
  const id = Int32Array.from({ length: cw * ch }, (_, i) => i);
  const out = voteUpsampled({ width: cw, height: ch, source: csrc, index: id }, src, style, 1, W, H, 1, 1);
  assert.deepEqual([...out].map((v) => +v.toFixed(5)), [...style].map((v) => +v.toFixed(5)));
  // Left half copies the source shifted by 2 field px (4 full px) to the right, right half in place:
  // at the seam, pixels mix both; away from it, each side is an exact copy.
  const split = Int32Array.from({ length: cw * ch }, (_, i) => (i % cw < 4 ? i + 2 : i));
  const s = voteUpsampled({ width: cw, height: ch, source: csrc, index: split }, src, style, 1, W, H, 1, 1);
  const at = (x: number, y: number) => s[y * W + x]!;
  assert.ok(Math.abs(at(1, 5) - style[5 * W + 5]!) < 1e-6 && Math.abs(at(14, 5) - style[5 * W + 14]!) < 1e-6);
  const seam = [7, 8].map((x) => at(x, 5));
  const pure = [7, 8].map((x) => [style[5 * W + x + 4]!, style[5 * W + x]!]);
  seam.forEach((v, i) => assert.ok(Math.abs(v - pure[i]![0]!) > 1e-4 && Math.abs(v - pure[i]![1]!) > 1e-4, `seam pixel ${7 + i} is one side's copy`));
  assert.throws(() => voteUpsampled({ width: cw, height: ch, source: csrc, index: id }, src, style.subarray(1), 1, W, H, 1, 1), /style holds/);
});

test('between two anchors a frame crossfades both: weights by distance, no jump where the next anchor takes over', async () => {
  const S = 48;
  const style = painted(S, 5);
  const ex = { guide: E.keep(gaussianBlur(style, 2)), style: E.keep(style) };
  // The footage moves 1 px a frame to the right; along that motion, a steady render does not change.
  const base = E.keep(gaussianBlur(painted(S, 9), 2));
  const frameAt = (n: number) => E.tidy(() => { const g = base.roll(n, 3); return { rough: g.clone(), guide: g }; });
  const seqOf = (blend: boolean) => new StrokeSequence(ex, 0, { anchorEvery: 4, blend }, async (n) => frameAt(n), [], 8);
  const s = seqOf(true);
  assert.deepEqual(s.anchorsOf(4), [{ frame: 4, weight: 1 }]);
  assert.deepEqual(s.anchorsOf(5), [{ frame: 4, weight: 0.75 }, { frame: 8, weight: 0.25 }]);
  assert.deepEqual(s.anchorsOf(9), [{ frame: 8, weight: 1 }], 'no anchor after the last frame: the earlier one alone');
  assert.deepEqual(seqOf(false).anchorsOf(5), [{ frame: 4, weight: 1 }]);
  s.dispose();
  const pairChanges = async (blend: boolean) => {
    const seq = seqOf(blend);
    const frames: E.Tensor[] = [];
    for (let n = 0; n <= 8; n++) {
      const { rough, guide } = frameAt(n);
      frames.push(await seq.render(n, rough, guide));
      E.disposeAll([rough, guide]);
    }
    seq.dispose();
    // Interior columns of frame n against frame n-1 moved 1 px along the motion.
    const changes = frames.slice(1).map((f, i) => E.tidy(() => f.narrow(3, 8, S - 16).sub(frames[i]!.roll(1, 3).narrow(3, 8, S - 16)).square().mean().item()));
    E.disposeAll(frames);
    return changes;
  };
  // Rendered in order, anchor 4 is synthesized for frames 1-3 (their later anchor): frame 4 is then
  // held, renders without a guide as what it would be with one, and a frame not held asks for its guide.
  {
    const seq = seqOf(true), ref = seqOf(true);
    for (let n = 0; n <= 3; n++) {
      const { rough, guide } = frameAt(n);
      assert.equal(seq.holds(n), false, `frame ${n} is not held before it is rendered`);
      E.disposeAll([await seq.render(n, rough, guide), rough, guide]);
    }
    assert.ok(seq.holds(4) && !seq.holds(5) && !ref.holds(4));
    const { rough, guide } = frameAt(4);
    const held = await seq.render(4, rough, null);
    const fresh = await ref.render(4, rough, guide);
    assert.equal(E.tidy(() => held.sub(fresh).abs().max().item()), 0);
    await assert.rejects(seq.render(5, rough, null), /frame 5 needs its guide/);
    E.disposeAll([held, fresh, rough, guide]);
    seq.dispose(); ref.dispose();
  }
  const nearest = await pairChanges(false), blended = await pairChanges(true);
  // Without the crossfade the pair where anchor 4 takes over (3, 4) jumps; crossfaded it does not.
  const worst = (c: number[]) => Math.max(...c), mean = (c: number[]) => c.reduce((a, v) => a + v, 0) / c.length;
  assert.ok(nearest[3]! > 2 * mean(nearest.filter((_, i) => i !== 3 && i !== 7)), `nearest-only: the switch pair ${nearest[3]} vs ${mean(nearest)}`);
  assert.ok(worst(blended) < 0.6 * worst(nearest), `worst pair change ${worst(blended)} crossfaded vs ${worst(nearest)} nearest-only`);
  E.disposeAll([ex, base]);
});
