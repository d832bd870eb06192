// The render description's pure parts: the one range check, JSON-safe tiling, the one lineage
// derivation, the preview's width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFrameRange, checkGuidePasses, jsonSafeTiling, frameLineage, outputLineage, renderOptionsOf, type RenderDescription } from '../../src/render/render-description.js';
import { DEFAULT_STROKES } from '../../src/synth/stroke-sequence.js';
import { DEFAULT_COHERENCE } from '../../src/render/coherence.js';
import { checkLookWidth, lookFactor, LOOK_MAX_WIDTH } from '../../src/render/look-grid.js';
import { farmRenderSpec } from '../../src/jobs/render-chunks.js';

test('one frame-range check: inside the shot, ordered, whole frames', () => {
  const shot = { name: 'sh1', range: [0, 7] as [number, number] };
  checkFrameRange(shot, [0, 7]);
  checkFrameRange(shot, [3, 3]);
  assert.throws(() => checkFrameRange(shot, [5, 20]), /frame range 5-20 is outside shot sh1 \(0-7\)/);
  assert.throws(() => checkFrameRange(shot, [4, 2]), /frame range 4-2 is outside shot sh1 \(0-7\)/);
  assert.throws(() => checkFrameRange(shot, [-1, 2]), /frame range -1-2 is outside shot sh1 \(0-7\)/);
  assert.throws(() => checkFrameRange(shot, [1.5, 2]), /frame range 1.5-2 is outside shot sh1/);
});

test('tiling survives JSON: "never tile" is the largest safe integer, not Infinity', () => {
  const t = jsonSafeTiling({ tileAbove: Infinity, tile: 512 });
  assert.deepEqual(JSON.parse(JSON.stringify(t)), { tileAbove: Number.MAX_SAFE_INTEGER, tile: 512 });
  assert.deepEqual(jsonSafeTiling({}), {});
});

test('frame lineage: one derivation, the key order renders have always recorded', () => {
  const base = { shot: 'sh1', bits: 8 as const, coherence: DEFAULT_COHERENCE, strokes: null, upscale: null };
  assert.equal(JSON.stringify(frameLineage(base, 3)), JSON.stringify({ shot: 'sh1', frame: 3, bits: 8, coherence: DEFAULT_COHERENCE }));
  const full = frameLineage({ ...base, strokes: DEFAULT_STROKES, upscale: { model: 4, scale: 2, passes: 8 } }, 5);
  assert.deepEqual(Object.keys(full), ['shot', 'frame', 'bits', 'coherence', 'quality', 'strokes', 'upscale']);
  assert.equal(full.quality, 'final');
  // PNG frames record what they always did; EXR frames add their format and colour space last.
  assert.equal(JSON.stringify(frameLineage({ ...base, output: outputLineage('png', undefined) }, 3)), JSON.stringify(frameLineage(base, 3)));
  const exr = frameLineage({ ...base, output: outputLineage('exr', 'ACEScg') }, 3);
  assert.deepEqual(Object.keys(exr), ['shot', 'frame', 'bits', 'coherence', 'format', 'colorSpace']);
  assert.deepEqual([exr.format, exr.colorSpace], ['exr', 'ACEScg']);
  assert.throws(() => outputLineage('exr', undefined), /an EXR render needs its output colour space/);
  // The look model's precision: bfloat16 is recorded last, float32 adds nothing (as before).
  assert.equal(JSON.stringify(frameLineage({ ...base, precision: 'float32' }, 3)), JSON.stringify(frameLineage(base, 3)));
  assert.deepEqual(Object.keys(frameLineage({ ...base, matte: 'alpha', precision: 'bfloat16' }, 3)), ['shot', 'frame', 'bits', 'coherence', 'matte', 'precision']);
});

test('a description is plain JSON and reaches renderShotFrames whole', () => {
  const d: RenderDescription = {
    shot: 'sh1', range: [2, 5], shotRange: [0, 7], modelVersion: 3, bits: 16, format: 'png', coherence: null, quality: 'final',
    strokes: { anchorEvery: 2 }, tiling: { tileAbove: Number.MAX_SAFE_INTEGER }, upscale: { model: '4', scale: 2, passes: 1, tile: 256 }, outDir: 'renders/sh1/v002',
  };
  assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
  assert.deepEqual(renderOptionsOf(d), { range: [2, 5], bits: 16, format: 'png', coherence: null, quality: 'final', strokes: { anchorEvery: 2 }, tiling: { tileAbove: Number.MAX_SAFE_INTEGER }, upscale: { model: '4', scale: 2, passes: 1, tile: 256 } });
  // The look's width reaches the render and every farm chunk; absent, the default applies.
  const p: RenderDescription = { ...d, quality: 'preview', strokes: undefined, upscale: null, lookWidth: 0 };
  assert.equal(renderOptionsOf(p).lookWidth, 0);
  assert.equal(farmRenderSpec(p).render!.lookWidth, 0);
  assert.ok(!('lookWidth' in farmRenderSpec(d).render!));
});

test('a look width and its lineage: 0 (full size) or at least 16 px, a final\'s look at most halved; the grid recorded only where one was used', () => {
  assert.equal(checkLookWidth(undefined), LOOK_MAX_WIDTH);
  assert.equal(checkLookWidth(0), 0);
  assert.equal(checkLookWidth(640), 640);
  for (const bad of [8, -1, 100.5, NaN]) assert.throws(() => checkLookWidth(bad), /the look's width must be 0 \(full size\) or at least 16 pixels/);
  assert.deepEqual([lookFactor(1920), lookFactor(1024), lookFactor(3840), lookFactor(1920, 0), lookFactor(1920, 640)], [2, 1, 4, 1, 3]);
  // A final's look model is at most halved (what was measured).
  assert.deepEqual([lookFactor(1920, 1024, 'final'), lookFactor(3840, 1024, 'final'), lookFactor(3840, 0, 'final')], [2, 2, 1]);
  const base = { shot: 'sh1', bits: 8 as const, coherence: DEFAULT_COHERENCE, strokes: null, upscale: null };
  assert.equal(JSON.stringify(frameLineage({ ...base, lookGrid: null }, 3)), JSON.stringify(frameLineage(base, 3)));
  assert.deepEqual(frameLineage({ ...base, lookGrid: [540, 960] }, 3).lookGrid, { height: 540, width: 960 });
});

test('a shot lacking passes the model reads is named per frame, with the passes each frame lacks', () => {
  const guides = [{ name: 'albedo' }, { name: 'depth' }];
  const frames = [{ frame: 0, passes: { albedo: 1, depth: 1 } }, { frame: 1, passes: { albedo: 1 } }, { frame: 2, passes: {} }, { frame: 3, passes: { albedo: 1 } }];
  assert.throws(() => checkGuidePasses('sh1', frames, guides), (e: Error) => e.message === 'shot sh1 lacks render passes this model needs (albedo, depth): depth on frames 1, 3; albedo, depth on frame 2');
  assert.doesNotThrow(() => checkGuidePasses('sh1', frames.slice(0, 1), guides));
});
