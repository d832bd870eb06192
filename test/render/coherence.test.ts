// The temporal blender on synthetic motion: a textured frame moving 4 px right. Warping the previous
// output along the composed, possibly downscaled flow must bring it onto the new frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { TemporalBlender } from '../../src/render/coherence.js';
import { decodeMotionPass, MOTION_OFFSET, MOTION_SCALE } from '../../src/render/motion-pass.js';

const H = 64, W = 96;
/** Smooth blobs (DIS needs texture, not noise), shifted right by dx pixels. */
function frame(dx: number): E.Tensor {
  const d = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const u = x - dx;
    d[(c * H + y) * W + x] = 0.5 + 0.22 * Math.sin(u / 5 + c) * Math.cos(y / 6 - c) + 0.15 * Math.sin((u + 2 * y) / 9);
  }
  return E.tensor(d, [1, 3, H, W]);
}

/** Interior mean |a - b| (away from the edge the motion uncovers). */
const interiorDiff = (a: E.Tensor, b: E.Tensor) => E.tidy(() => a.sub(b).abs().slice(2, 8, H - 8).slice(3, 16, W - 8).mean().item());

for (const flowMaxWidth of [1024, 48]) {
  test(`the previous output is carried along the motion (flow at most ${flowMaxWidth} px wide), over a window of 2`, () => {
    const b = new TemporalBlender({ window: 2, decay: 1, preset: 'medium', flowMaxWidth });
    // Model outputs: the rough frames themselves at t-2 and t-1, black at t. A correct warp of the
    // past outputs onto frame t equals frame t, so the blend is (0 + f_t + f_t) / 3 inside.
    const rough = [frame(0), frame(4), frame(8)];
    const black = E.zerosLike(rough[0]!);
    b.push(rough[0]!, rough[0]!).frame.dispose();
    b.push(rough[1]!, rough[1]!).frame.dispose();
    const { frame: out, warpError } = b.push(rough[2]!, black);
    const expected = E.tidy(() => rough[2]!.mul(2 / 3));
    const err = interiorDiff(out, expected);
    assert.ok(err < 0.004, `blend differs from the motion-compensated one by ${err}`);
    // Without motion compensation (a static blend) it would be far off.
    const naive = E.tidy(() => rough[0]!.add(rough[1]!).div(3));
    assert.ok(interiorDiff(naive, expected) > 3 * err);
    assert.ok(Number.isFinite(warpError));
    b.dispose();
    E.disposeAll([rough, black, out, expected, naive]);
  });
}

/** A motion pass as loadImage gives it (16-bit values / 65535): uniform backward motion (dx, 0), visible where `visible`. */
function motionPass(dx: number, visible = true): E.Tensor {
  const v = (n: number) => n / 65535;
  return E.tidy(() => E.F.cat([
    E.full([1, 1, H, W], v(MOTION_OFFSET + dx * MOTION_SCALE)),
    E.full([1, 1, H, W], v(MOTION_OFFSET)),
    E.full([1, 1, H, W], v(visible ? 65535 : 0)),
  ], 1));
}

test('motion vectors from a motion pass replace the computed flow; unseen or disagreeing pixels are not blended', () => {
  const decoded = decodeMotionPass(motionPass(-4));
  assert.ok(Math.abs(decoded.back.slice(1, 0, 1).mean().item() + 4) < 1e-6 && decoded.back.slice(1, 1, 2).abs().max().item() === 0);
  assert.equal(decoded.visible.min().item(), 1);
  E.disposeAll([decoded.back, decoded.visible]);
  const run = (pass: (t: number) => E.Tensor) => {
    const b = new TemporalBlender({ window: 2, decay: 1, preset: 'medium', motion: true });
    const rough = [frame(0), frame(4), frame(8)];
    const black = E.zerosLike(rough[0]!);
    let last: { frame: E.Tensor; warpError: number } | null = null;
    for (let t = 0; t < 3; t++) {
      const m = decodeMotionPass(pass(t));
      last?.frame.dispose();
      last = b.push(rough[t]!, t === 2 ? black : rough[t]!, m);
      E.disposeAll([m.back, m.visible]);
    }
    const expected = E.tidy(() => rough[2]!.mul(2 / 3));
    const err = interiorDiff(last!.frame, expected);
    b.dispose();
    E.disposeAll([rough, black, last!.frame, expected]);
    return err;
  };
  // The frame moves 4 px right: each pixel was 4 px to the left in the previous frame.
  assert.ok(run(() => motionPass(-4)) < 0.002, 'the past outputs land on the frame along the vectors');
  assert.ok(run(() => motionPass(0)) > 0.05, 'wrong vectors: the rough frames disagree, nothing is blended (the output stays black)');
  assert.ok(run((t) => motionPass(-4, t !== 2)) > 0.05, 'not visible in the previous frame: not blended');
  const b = new TemporalBlender({ window: 2, decay: 1, preset: 'medium', motion: true });
  assert.throws(() => b.push(frame(0), frame(0)), /needs each frame's motion vectors/);
  b.dispose();
});

test('over a window of 3, a frame further back is blended only where every motion step to it was visible', () => {
  // Four frames moving 4 px right; the model outputs the rough frames, then black at the last one.
  // All visible: (0 + 3 f_3) / 4. Frame 1's points unseen in frame 0: frame 0 is left out (0 + 2 f_3) / 3.
  const run = (seenInFrame0: boolean) => {
    const b = new TemporalBlender({ window: 3, decay: 1, preset: 'medium', motion: true });
    const rough = [0, 4, 8, 12].map((dx) => frame(dx));
    const black = E.zerosLike(rough[0]!);
    let last: { frame: E.Tensor } | null = null;
    for (let t = 0; t < 4; t++) {
      const m = decodeMotionPass(motionPass(-4, t !== 1 || seenInFrame0));
      last?.frame.dispose();
      last = b.push(rough[t]!, t === 3 ? black : rough[t]!, m);
      E.disposeAll([m.back, m.visible]);
    }
    const errs = [3 / 4, 2 / 3].map((share) => E.tidy(() => interiorDiff(last!.frame, rough[3]!.mul(share))));
    b.dispose();
    E.disposeAll([rough, black, last!.frame]);
    return errs;
  };
  const [seenAll, seenTwo] = run(true);
  assert.ok(seenAll! < 0.002 && seenTwo! > 0.02, `every step visible: ${seenAll} from 3/4, ${seenTwo} from 2/3`);
  const [unseenAll, unseenTwo] = run(false);
  assert.ok(unseenTwo! < 0.002 && unseenAll! > 0.02, `a step unseen: ${unseenTwo} from 2/3, ${unseenAll} from 3/4`);
});
