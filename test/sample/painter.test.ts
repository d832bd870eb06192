// The painter paints a bigger frame with the same brushes, scaled with the frame (a 1080p painting
// is not 256-px marks on a bigger canvas), and frames up to 256 px exactly as before that scaling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildScene, TRAIN_SCENES } from '../../src/sample/scenes.js';
import { raycast } from '../../src/sample/raycast.js';
import { paintFrame, type PaintStats } from '../../src/sample/painter.js';
import { highFrequency } from './helpers.js';

const scene = buildScene(TRAIN_SCENES[0]!, 0, 1);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('frames up to 256 px are painted byte for byte as before brush marks scaled with the frame', () => {
  // Hashes of the painter before the mark scale existed (the sample production's figures were
  // measured on its output); paperSeed 10 is the default sample's (seed 1).
  const want: Record<number, string> = {
    96: '3f5f269e955e7f8a07c8186010e8c3621f22a3272a648c1e74d5fb0ed52454a9',
    256: '1d5298cb546e0801ecfa0cd705e20855f9eb4925d3535e88b94955385ae1b9dc',
  };
  for (const S of [96, 256]) {
    const stats: PaintStats = { layers: [] };
    assert.equal(sha(paintFrame(raycast(scene, S, S), scene, { paperSeed: 10, stats })), want[S], `${S}x${S} painting changed`);
    assert.equal(stats.markScale, 1);
  }
});

test('at 512 px strokes are twice as wide and long, and the brush texture is coarser, as at 256 px', () => {
  const paint = (S: number) => {
    const stats: PaintStats = { layers: [] };
    const img = paintFrame(raycast(scene, S, S), scene, { paperSeed: 10, stats });
    return { img, stats, hf: highFrequency(img, S, S, () => true) };
  };
  const a = paint(256), b = paint(512);
  assert.equal(b.stats.markScale, 2);
  assert.equal(a.stats.layers.length, b.stats.layers.length);
  a.stats.layers.forEach((la, i) => {
    const lb = b.stats.layers[i]!;
    assert.ok(Math.abs(lb.radius / la.radius - 2) < 1e-9, `layer ${i}: radius ${la.radius} -> ${lb.radius}`);
    const len = (l: typeof la) => l.length / Math.max(1, l.strokes);
    const ratio = len(lb) / len(la);
    assert.ok(ratio > 1.7 && ratio < 2.3, `layer ${i}: mean stroke length ${len(la).toFixed(1)} -> ${len(lb).toFixed(1)} px (x${ratio.toFixed(2)})`);
  });
  // Per-pixel high frequency falls when every mark (bristles, ridges, paper grain) is twice as wide:
  // measured 0.67; 256-px marks on the bigger canvas gave 0.94.
  const hf = b.hf / a.hf;
  assert.ok(hf < 0.8, `high-frequency energy 512 / 256: ${hf.toFixed(2)} (brush marks not scaled with the frame?)`);
});

test('markScale can be set and is checked', () => {
  const g = raycast(scene, 64, 64);
  const stats: PaintStats = { layers: [] };
  const img = paintFrame(g, scene, { markScale: 1.5, stats });
  assert.equal(stats.markScale, 1.5);
  assert.notEqual(sha(img), sha(paintFrame(g, scene)));
  assert.throws(() => paintFrame(g, scene, { markScale: 0 }), /markScale must be a positive number/);
  assert.throws(() => paintFrame(g, scene, { markScale: Number.NaN }), /markScale/);
});
