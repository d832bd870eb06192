// Temporal warping error (Lai et al. 2018): flow layout and direction, exact integer warps,
// forward–backward occlusion, steady vs flickering sequences, and real DIS flow end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { type Tensor } from '../../src/engine/index.js';
import {
  warpByFlow, warpError, warpErrors, occlusionMask, inFrameMask, flowToTensor, flowsFromFrames, mulberry32, type PairFlows,
} from '../../src/metrics/index.js';
import { noise, painting } from './images.js';

E.setNumThreads(1);
const H = 32, W = 40;

/** Constant flow (1, 2, H, W). */
const constFlow = (dx: number, dy: number, h = H, w = W): Tensor =>
  E.F.cat([E.full([1, 1, h, w], dx), E.full([1, 1, h, w], dy)], 1);

/**
 * T frames (1, 3, H, W) of one painting whose content moves by (+2, +1) px per frame, so pixel
 * (x, y) of frame t was at (x − 2, y − 1) in frame t − 1.
 */
function panningShot(t: number): Tensor[] {
  const base = painting(1, [1, 3, H + 16, W + 16]);
  return Array.from({ length: t }, (_, i) => base.slice(2, 8 - i, 8 - i + H).slice(3, 10 - 2 * i, 10 - 2 * i + W));
}
const panFlows = (t: number): PairFlows[] => Array.from({ length: t - 1 }, () => ({ backward: constFlow(-2, -1), forward: constFlow(2, 1) }));

test('flowToTensor: interleaved (dx, dy) → channels 0 and 1', () => {
  E.tidy(() => {
    const flat = Float32Array.from({ length: 3 * 2 * 2 }, (_, i) => (i % 2 === 0 ? 100 + i / 2 : -(i - 1) / 2));
    const f = flowToTensor(flat, 3, 2);
    assert.deepEqual(f.shape, [1, 2, 2, 3]);
    assert.deepEqual(f.slice(1, 0, 1).toArray(), [100, 101, 102, 103, 104, 105]);
    assert.deepEqual(f.slice(1, 1, 2).toArray(), [-0, -1, -2, -3, -4, -5]);
    assert.throws(() => flowToTensor(flat, 4, 2), /holds 16 values/);
  });
});

test('warpByFlow: a constant integer flow shifts the image exactly: out(x, y) = img(x + dx, y + dy)', () => {
  E.tidy(() => {
    const img = noise(1, [2, 3, H, W]);
    const out = warpByFlow(img, constFlow(2, -1));
    assert.deepEqual(out.shape, [2, 3, H, W]);
    const want = img.slice(2, 0, H - 1).slice(3, 2, W);
    const got = out.slice(2, 1, H).slice(3, 0, W - 2);
    assert.ok(got.sub(want).abs().max().item() < 1e-5);
    // Fractional flow interpolates bilinearly.
    const half = warpByFlow(img, constFlow(0.5, 0)).slice(3, 0, W - 1);
    const mid = img.slice(3, 0, W - 1).add(img.slice(3, 1, W)).mul(0.5);
    assert.ok(half.sub(mid).abs().max().item() < 1e-5);
    // In-frame mask: a (+2, −1) flow leaves the last 2 columns and the first row without a source.
    const m = inFrameMask(constFlow(2, -1));
    assert.equal(m.sum().item(), (H - 1) * (W - 2));
  });
});

test('warpByFlow samples a large frame in row bands, one per thread: the same numbers as in one piece', () => {
  // 301 rows: the last band is padded and cut. Compared with the same warp on one thread (one band).
  const h = 301, w = 260;
  E.tidy(() => {
    const img = noise(7, [1, 3, h, w]);
    const flow = noise(8, [1, 2, h, w]).mul(30).sub(15);
    for (const o of [{ mode: 'bilinear' as const }, { mode: 'bicubic' as const, padding: 'zeros' as const }]) {
      E.setNumThreads(1);
      const one = warpByFlow(img, flow, o);
      E.setNumThreads(3);
      const banded = warpByFlow(img, flow, o);
      E.setNumThreads(1);
      assert.deepEqual(banded.shape, [1, 3, h, w]);
      assert.equal(banded.sub(one).abs().max().item(), 0, o.mode);
    }
  });
});

test('warpError: ≈ 0 for a sequence that moves exactly with the flow, large for flicker', () => {
  E.tidy(() => {
    const frames = panningShot(4);
    const steady = warpError(frames, panFlows(4));
    assert.ok(steady < 1e-10, `steady shot: ${steady}`);
    assert.equal(warpError(E.F.cat(frames, 0), panFlows(4)), steady, '(T, C, H, W) input');
    // The wrong direction of flow is not ≈ 0: the convention matters.
    const wrong = warpError(frames, panFlows(4).map((p) => ({ backward: p.forward! })), { occlusion: false });
    assert.ok(wrong > 100 * Math.max(steady, 1e-8), `opposite flow: ${wrong}`);
    // Random brightness per frame, same motion.
    const r = mulberry32(5);
    const flicker = frames.map((f) => f.mul(0.6 + 0.4 * r()));
    const flick = warpError(flicker, panFlows(4));
    assert.ok(flick > 1e-3, `flicker: ${flick}`);
    const per = warpErrors(flicker, panFlows(4));
    assert.equal(per.length, 3);
    assert.ok(Math.abs(per.reduce((s, v) => s + v, 0) / 3 - flick) < 1e-12);
    assert.throws(() => warpError(frames, panFlows(3)), /needs 3 pair flows/);
  });
});

test('occlusion mask: pixels where forward and backward flow disagree are excluded', () => {
  E.tidy(() => {
    // Forward flow (on frame t−1) is wrong (0, 0) in rows 10..19, cols 10..19; frame t pixels read it
    // at (x − 2, y − 1), i.e. rows 11..20, cols 12..21 of frame t disagree.
    const region = E.F.pad(E.ones([1, 1, 10, 10]), [10, W - 20, 10, H - 20]);
    const fwd = constFlow(2, 1).mul(region.rsub(1));
    const mask = occlusionMask(constFlow(-2, -1), fwd);
    assert.deepEqual(mask.shape, [1, 1, H, W]);
    assert.equal(mask.sum().item(), H * W - 100);
    assert.equal(mask.slice(2, 11, 21).slice(3, 12, 22).sum().item(), 0);
    // Small disagreements (below 0.01 (|b|² + |f|²) + 0.5) are tolerated.
    assert.equal(occlusionMask(constFlow(-2, -1), constFlow(2.3, 1.3)).sum().item(), H * W);

    // Garbage inside the occluded area of frame t does not count when the mask is on.
    const frames = panningShot(2);
    const hole = E.F.pad(E.ones([1, 1, 10, 10]), [12, W - 22, 11, H - 21]);
    const cur = frames[1]!.mul(hole.rsub(1)).add(noise(9, [1, 3, H, W]).mul(hole));
    const flows: PairFlows[] = [{ backward: constFlow(-2, -1), forward: fwd }];
    const masked = warpError([frames[0]!, cur], flows);
    const unmasked = warpError([frames[0]!, cur], flows, { occlusion: false });
    assert.ok(masked < 1e-10, `occluded garbage ignored: ${masked}`);
    assert.ok(unmasked > 0.005, `counted without the mask: ${unmasked}`);
  });
});

test('with DIS flow of the input: direction matches E.disFlow and flicker scores far above steady', () => {
  E.tidy(() => {
    const frames = panningShot(3);
    const flows = flowsFromFrames(frames, 'medium');
    assert.equal(flows.length, 2);
    assert.ok(flows[0]!.backward instanceof Float32Array && flows[0]!.backward.length === H * W * 2);
    // Interior median of the backward flow ≈ (−2, −1); of the forward flow ≈ (+2, +1).
    const median = (f: Float32Array, k: number): number => {
      const v: number[] = [];
      for (let y = 8; y < H - 8; y++) for (let x = 8; x < W - 8; x++) v.push(f[(y * W + x) * 2 + k]!);
      return v.sort((a, b) => a - b)[v.length >> 1]!;
    };
    const bw = flows[0]!.backward as Float32Array, fw = flows[0]!.forward as Float32Array;
    assert.ok(Math.abs(median(bw, 0) + 2) < 0.3 && Math.abs(median(bw, 1) + 1) < 0.3, `backward ${median(bw, 0)}, ${median(bw, 1)}`);
    assert.ok(Math.abs(median(fw, 0) - 2) < 0.3 && Math.abs(median(fw, 1) - 1) < 0.3, `forward ${median(fw, 0)}, ${median(fw, 1)}`);
    const steady = warpError(frames, flows);
    const flicker = warpError([frames[0]!.mul(0.7), frames[1]!, frames[2]!.mul(0.8)], flows);
    assert.ok(steady < 1e-3, `steady with estimated flow: ${steady}`);
    assert.ok(flicker > 5 * steady, `flicker ${flicker} vs steady ${steady}`);
  });
});

test('warp metrics free their temporaries', () => {
  E.tidy(() => {
    const frames = panningShot(3), flows = panFlows(3);
    const before = E.liveTensors();
    warpError(frames, flows);
    E.tidy(() => { occlusionMask(constFlow(1, 0), constFlow(-1, 0)); warpByFlow(frames[0]!, constFlow(1, 1)); });
    assert.equal(E.liveTensors(), before);
  });
});
