// Voting split over helper threads (synth/row-threads.ts): the same numbers to the bit as on one
// thread, for the coarse vote and the upsampling vote (whole and fractional scales, patches at
// the source's border); a failing kernel fails the call with its reason and the helpers keep serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vote, voteUpsampled } from '../../src/synth/vote.js';
import { runRows } from '../../src/synth/row-threads.js';
import type { Nnf } from '../../src/synth/nnf.js';

/** A field of coherent runs (blocks copying shifted source blocks) with some pixels pointing at the source's edge. */
function field(w: number, h: number, src: { count: number; height: number; width: number }): Nnf {
  const index = new Int32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const b = (x >> 3) * 31 + (y >> 3) * 17;
    const e = b % src.count, sx = Math.min(src.width - 1, (b * 7) % src.width + (x & 7)), sy = Math.min(src.height - 1, (b * 3) % src.height + (y & 7));
    index[y * w + x] = (x + y) % 23 === 0 ? e * src.width * src.height + (src.height - 1) * src.width : e * src.width * src.height + sy * src.width + sx;
  }
  return { width: w, height: h, source: { count: src.count, height: src.height, width: src.width }, index };
}

function styleOf(count: number, h: number, w: number, shared: boolean): Float32Array {
  const n = count * 3 * h * w;
  const a = shared ? new Float32Array(new SharedArrayBuffer(4 * n)) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((i * 2654435761) % 1009) / 1009;
  return a;
}

/** The same bytes (the arrays may live on different kinds of buffer). */
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function withThreads<T>(n: number, f: () => T): T {
  const was = process.env.ATELIER_SYNTH_THREADS;
  process.env.ATELIER_SYNTH_THREADS = String(n);
  try { return f(); } finally { if (was === undefined) delete process.env.ATELIER_SYNTH_THREADS; else process.env.ATELIER_SYNTH_THREADS = was; }
}

test('voting on helper threads equals voting on one thread, bit for bit', () => {
  const src = { count: 3, height: 120, width: 160 };
  const shared = styleOf(src.count, src.height, src.width, true), plain = styleOf(src.count, src.height, src.width, false);
  const f = field(160, 120, src);
  const one = withThreads(1, () => vote(f, plain, 3, 2, 1.5));
  const three = withThreads(3, () => vote(f, shared, 3, 2, 1.5));
  assert.equal(three.buffer instanceof SharedArrayBuffer, true, 'written by the helpers in place');
  assert.ok(same(three, one));
  // Upsampling: a 4× whole scale (1080p-like) and a fractional one (a size the levels do not divide).
  const full = { count: 3, height: 480, width: 640 };
  const fullShared = styleOf(3, 480, 640, true), fullPlain = styleOf(3, 480, 640, false);
  const coarse = field(160, 120, src);
  for (const [W, H] of [[640, 480], [603, 451]] as const) {
    const a = withThreads(1, () => voteUpsampled(coarse, full, fullPlain, 3, W, H, 1, 2));
    const b = withThreads(2, () => voteUpsampled(coarse, full, fullShared, 3, W, H, 1, 2));
    assert.ok(same(b, a), `${W}x${H}`);
  }
});

test('a kernel failing on a helper thread fails the call, and the helpers keep serving', () => {
  const out = new Float32Array(new SharedArrayBuffer(4 * 3 * 64 * 64));
  const bad = { nnf: { width: 64, height: 64, source: { count: 1, height: 8, width: 8 }, index: null }, style: new Float32Array(0), channels: 3, radius: 1, sigma: 1 };
  assert.throws(() => withThreads(2, () => runRows('vote', bad as never, 64, out)), /null|index|Cannot read/);
  const src = { count: 1, height: 64, width: 64 };
  const f = field(64, 64, src);
  assert.ok(same(withThreads(2, () => vote(f, styleOf(1, 64, 64, true), 3, 1, 1)), withThreads(1, () => vote(f, styleOf(1, 64, 64, false), 3, 1, 1))));
});

test('a helper thread that died is replaced at the next call', async () => {
  const { helperThreadsForTest } = await import('../../src/synth/row-threads.js');
  const src = { count: 1, height: 64, width: 64 };
  const f = field(64, 64, src);
  const want = withThreads(1, () => vote(f, styleOf(1, 64, 64, false), 3, 1, 1));
  withThreads(2, () => vote(f, styleOf(1, 64, 64, true), 3, 1, 1));
  const [h] = helperThreadsForTest();
  assert.ok(h, 'a helper was started');
  await h.terminate();
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(same(withThreads(2, () => vote(f, styleOf(1, 64, 64, true), 3, 1, 1)), want));
  assert.notEqual(helperThreadsForTest()[0], h, 'a new helper');
});
