// The stroke stage's guides (strokeGuide): channel layout and weights, and what they are for: where
// the rough frame and the model's output are blank, a render pass alone tells the regions apart,
// and each region is painted with the strokes of its own region in the exemplar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { synthesize, strokeGuide } from '../../src/synth/index.js';

test('strokeGuide: the model output first, then the weighted rough frame and passes, resized to the frame', () => {
  E.tidy(() => {
    const out = E.full([1, 3, 8, 8], 0.5), rough = E.full([1, 3, 8, 8], 0.2);
    const pass = E.full([1, 1, 4, 4], 1);
    const g = strokeGuide(out, rough, new Map([['depth', pass]]), { roughWeight: 3, passWeight: 0.5 });
    assert.deepEqual(g.shape, [1, 7, 8, 8]);
    const means = g.mean([0, 2, 3]).toArray() as number[];
    means.forEach((m, i) => assert.ok(Math.abs(m - [0.5, 0.5, 0.5, 0.6, 0.6, 0.6, 0.5][i]!) < 1e-6, `channel ${i}: ${m}`));
    assert.deepEqual(strokeGuide(out, rough, new Map([['depth', pass]]), { roughWeight: 0, passWeight: 0 }).shape, [1, 3, 8, 8]);
  });
});

test('where the rough frame is blank, a pass alone tells the regions apart and each is painted with its own strokes', () => {
  E.tidy(() => {
    const S = 48;
    // Segmentation pass: left half region A (0), right half region B (1); the target's is mirrored.
    const seg = (flip: boolean) => {
      const d = new Float32Array(S * S);
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) d[y * S + x] = (x < S / 2) !== flip ? 0 : 1;
      return E.tensor(d, [1, 1, S, S]);
    };
    // The painting: red strokes in A, blue strokes in B (a striped texture in each).
    const style = (() => {
      const d = new Float32Array(3 * S * S);
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
        const t = 0.15 * Math.sin((x + y) * 1.3), a = x < S / 2;
        d[y * S + x] = a ? 0.8 + t : 0.1;
        d[2 * S * S + y * S + x] = a ? 0.1 : 0.8 + t;
        d[S * S + y * S + x] = 0.3;
      }
      return E.tensor(d, [1, 3, S, S]);
    })();
    const blank = E.full([1, 3, S, S], 0.5); // rough frame and model output: nothing to see
    const run = (passWeight: number) => {
      const w = { roughWeight: 1, passWeight };
      const ex = { guide: strokeGuide(blank, blank, new Map([['mask', seg(false)]]), w), style };
      return synthesize(strokeGuide(blank, blank, new Map([['mask', seg(true)]]), w), ex, { colorLock: 0, roughWeight: 1, passWeight }).image;
    };
    const redness = (img: E.Tensor, left: boolean) => {
      const half = left ? img.slice(3, 0, S / 2) : img.slice(3, S / 2, S);
      return half.slice(1, 0, 1).mean().item() - half.slice(1, 2, 3).mean().item();
    };
    // Target region A is now on the right: with the pass as guide, the right is painted red, the left blue.
    const guided = run(0.5);
    assert.ok(redness(guided, false) > 0.5, `right half redness ${redness(guided, false)}`);
    assert.ok(redness(guided, true) < -0.5, `left half redness ${redness(guided, true)}`);
    // Without it nothing tells the halves apart: the mirrored layout is not found.
    const blind = run(0);
    assert.ok(redness(blind, false) < 0.5 || redness(blind, true) > -0.5, 'without the pass the regions cannot be told apart');
  });
});
