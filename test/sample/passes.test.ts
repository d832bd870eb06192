// Render passes agree with the geometry, and motion vectors point the right way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildScene, testShots, TRAIN_SCENES } from '../../src/sample/scenes.js';
import { raycast } from '../../src/sample/raycast.js';
import { encodePass, renderRough, idColor, MOTION_OFFSET, MOTION_SCALE } from '../../src/sample/passes.js';
import { paintFrame } from '../../src/sample/painter.js';
import { CHARACTER_IDS } from '../../src/sample/characters.js';

const W = 96, H = 96;

test('id pass regions match the albedo of the objects they name', () => {
  const scene = buildScene(TRAIN_SCENES[0]!, 0, 1);
  const g = raycast(scene, W, H);
  const ids = scene.objects.map((o) => o.id);
  const id = encodePass(g, 'id', ids) as Uint8Array;
  const albedo = encodePass(g, 'albedo', ids) as Uint8Array;
  const mira = scene.objects.find((o) => o.character === 'mira')!;
  const miraColors = new Set(mira.prims.map((p) => p.color.map((c) => Math.round(Math.min(1, c) * 255)).join(',')));
  const [r, gg, b] = idColor(CHARACTER_IDS.mira);
  let miraPixels = 0;
  for (let i = 0; i < W * H; i++) {
    const isMira = id[i * 3] === r && id[i * 3 + 1] === gg && id[i * 3 + 2] === b;
    const isSky = id[i * 3] === 0 && id[i * 3 + 1] === 0 && id[i * 3 + 2] === 0;
    const a = `${albedo[i * 3]},${albedo[i * 3 + 1]},${albedo[i * 3 + 2]}`;
    if (isMira) { miraPixels++; assert.ok(miraColors.has(a), `pixel ${i}: albedo ${a} is not one of Mira's colours`); }
    assert.equal(isSky, g.prim[i] === -1);
  }
  assert.ok(miraPixels > 100, `Mira should be visible (${miraPixels} px)`);
});

test('normal pass faces the camera, depth grows away from it', () => {
  const scene = buildScene(TRAIN_SCENES[1]!, 0, 1);
  const g = raycast(scene, W, H);
  const ids = scene.objects.map((o) => o.id);
  const n = encodePass(g, 'normal', ids) as Uint8Array;
  const d = encodePass(g, 'depth', ids) as Uint8Array;
  // Visible surfaces face the camera (off-axis rays allow slightly negative camera-space z at grazing angles).
  let facing = 0, visible = 0;
  for (let i = 0; i < W * H; i++) {
    if (g.prim[i]! < 0) continue;
    visible++;
    if (n[i * 3 + 2]! >= 127) facing++;
    // World-space invariant: the normal faces the viewing ray.
    const x = i % W, y = (i - x) / W, b = g.basis;
    const sx = (x + 0.5 - b.cx) / b.focal, sy = -(y + 0.5 - b.cy) / b.focal;
    const ray = [0, 1, 2].map((k) => b.fwd[k]! + b.right[k]! * sx + b.up[k]! * sy);
    assert.ok(g.normal[i * 3]! * ray[0]! + g.normal[i * 3 + 1]! * ray[1]! + g.normal[i * 3 + 2]! * ray[2]! <= 1e-6, 'no back-facing normals');
  }
  assert.ok(facing > 0.97 * visible);
  // Ground: lower rows are nearer than rows near the horizon (larger depth value = nearer).
  const col = W >> 1;
  const near = (H - 2) * W + col;
  let far = -1;
  for (let y = 0; y < H; y++) if (scene.objects[g.obj[y * W + col]!]?.kind === 'ground') { far = y * W + col; break; }
  assert.ok(far >= 0 && d[near * 3]! > d[far * 3]!);
});

test('motion vectors: warping frame t-1 by them matches frame t better than no warp', () => {
  for (const spec of testShots(24)) {
    const prevScene = buildScene(spec, 9, 1), scene = buildScene(spec, 10, 1);
    const gp = raycast(prevScene, W, H, buildScene(spec, 8, 1));
    const g = raycast(scene, W, H, prevScene, gp);
    const rp = renderRough(gp), rc = renderRough(g);
    const enc = encodePass(g, 'motion', scene.objects.map((o) => o.id)) as Uint16Array;
    let warped = 0, still = 0, n = 0, valid = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        if (!enc[i * 3 + 2]) continue;
        valid++;
        const dx = (enc[i * 3]! - MOTION_OFFSET) / MOTION_SCALE, dy = (enc[i * 3 + 1]! - MOTION_OFFSET) / MOTION_SCALE;
        const sx = Math.round(x + dx), sy = Math.round(y + dy);
        if (sx < 0 || sy < 0 || sx >= W || sy >= H) continue;
        for (let c = 0; c < 3; c++) {
          warped += Math.abs(rc[i * 3 + c]! - rp[(sy * W + sx) * 3 + c]!);
          still += Math.abs(rc[i * 3 + c]! - rp[i * 3 + c]!);
        }
        n++;
      }
    }
    assert.ok(valid > W * H * 0.5, `${spec.name}: most pixels were visible in the previous frame`);
    assert.ok(warped < still * 0.8, `${spec.name}: warp error ${(warped / n).toFixed(2)} vs ${(still / n).toFixed(2)}`);
  }
});

test('a walking character moves the way its motion vectors say', () => {
  const spec = testShots(24)[0]!; // Mira walks towards +x; the camera tracks slower than she walks
  const prev = buildScene(spec, 5, 1), cur = buildScene(spec, 6, 1);
  const gp = raycast(prev, W, H), g = raycast(cur, W, H, prev, gp);
  const mira = cur.objects.findIndex((o) => o.character === 'mira');
  const cx = (gb: typeof g) => { let s = 0, n = 0; for (let i = 0; i < W * H; i++) if (gb.obj[i] === mira) { s += i % W; n++; } return s / n; };
  let mx = 0, n = 0;
  for (let i = 0; i < W * H; i++) if (g.obj[i] === mira) { mx += g.motion[i * 2]!; n++; }
  mx /= n;
  // Backward motion: previous position minus current, so the centroid shift is about -mx.
  const shift = cx(g) - cx(gp);
  assert.ok(Math.abs(shift + mx) < 0.75, `centroid moved ${shift.toFixed(2)} px, motion says ${(-mx).toFixed(2)}`);
});

test('painted strokes stay attached to the scene (temporal coherence)', () => {
  // A quarter-frame step of the orbiting-camera shot: a few pixels of motion, strokes of full size.
  const spec = testShots(24)[2]!, S = 128;
  const prevScene = buildScene(spec, 10, 1), scene = buildScene(spec, 10.25, 1);
  const gp = raycast(prevScene, S, S), g = raycast(scene, S, S, prevScene, gp);
  const pp = paintFrame(gp, prevScene), pc = paintFrame(g, scene), other = paintFrame(g, scene, { strokeSeed: 9 });
  let coherent = 0, incoherent = 0;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const i = y * S + x;
      if (!g.motionValid[i]) continue;
      const sx = Math.round(x + g.motion[i * 2]!), sy = Math.round(y + g.motion[i * 2 + 1]!);
      if (sx < 0 || sy < 0 || sx >= S || sy >= S) continue;
      for (let c = 0; c < 3; c++) {
        coherent += Math.abs(pc[i * 3 + c]! - pp[(sy * S + sx) * 3 + c]!);
        incoherent += Math.abs(pc[i * 3 + c]! - other[i * 3 + c]!);
      }
    }
  }
  // Strokes carried over from the previous frame by the motion vectors explain the frame better than
  // the same frame painted with different strokes.
  assert.ok(coherent < incoherent * 0.7, `coherent ${coherent} vs re-stroked ${incoherent}`);
});

test('sky is seen in the previous frame only where that frame showed sky at the point its vector names', () => {
  // With the camera turning, sky comes out from behind the figures: those pixels were sky in the
  // previous frame at their own place too, but not where their vector points (a figure was there).
  let uncovered = 0;
  for (const spec of testShots(24)) {
    const prevScene = buildScene(spec, 8, 1), scene = buildScene(spec, 10, 1);
    const gp = raycast(prevScene, W, H), g = raycast(scene, W, H, prevScene, gp);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        if (g.prim[i] !== -1) continue;
        const sx = Math.floor(x + 0.5 + g.motion[i * 2]!), sy = Math.floor(y + 0.5 + g.motion[i * 2 + 1]!);
        const inside = sx >= 0 && sy >= 0 && sx < W && sy < H;
        const wasSky = inside && gp.prim[sy * W + sx] === -1;
        assert.equal(g.motionValid[i], wasSky ? 1 : 0, `${spec.name} (${x}, ${y}): sky ${wasSky ? '' : 'not '}seen there in the previous frame`);
        if (inside && !wasSky && gp.prim[i] === -1) uncovered++;
      }
    }
  }
  assert.ok(uncovered > 0, 'no sky came out from behind a figure: the test shows nothing');
});
