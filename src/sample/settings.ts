// Sets and lighting: ground, distant hills, trees, houses, rocks, fences - laid out from a seeded RNG so
// each setting is varied but reproducible. The acting area around the origin is kept clear.
import { Rng } from './rng.js';
import type { Light, Primitive, SceneObject } from './scene.js';
import type { Vec3 } from './vec.js';
import { IDENTITY, rotY, rotZ, mul, apply, add } from './vec.js';

export type SettingName = 'meadow' | 'village' | 'forest';
export type LightName = 'day' | 'afternoon' | 'dusk' | 'morning' | 'studio';

export const LIGHTS: Record<LightName, Light> = {
  day: { dir: [0.45, 0.8, 0.4], color: [1.08, 1.0, 0.86], shadowTint: [0.42, 0.45, 0.74], skyTop: [0.33, 0.55, 0.86], skyHorizon: [0.86, 0.89, 0.9], haze: 0.018 },
  afternoon: { dir: [-0.6, 0.5, 0.45], color: [1.16, 0.96, 0.72], shadowTint: [0.46, 0.38, 0.68], skyTop: [0.4, 0.55, 0.84], skyHorizon: [0.99, 0.86, 0.7], haze: 0.022 },
  dusk: { dir: [0.75, 0.3, -0.45], color: [1.22, 0.8, 0.55], shadowTint: [0.36, 0.32, 0.62], skyTop: [0.3, 0.32, 0.6], skyHorizon: [1.0, 0.68, 0.48], haze: 0.02 },
  morning: { dir: [-0.4, 0.4, 0.65], color: [1.05, 1.0, 0.92], shadowTint: [0.36, 0.5, 0.72], skyTop: [0.5, 0.68, 0.86], skyHorizon: [0.95, 0.93, 0.82], haze: 0.035 },
  studio: { dir: [0.5, 0.7, 0.75], color: [1.05, 1.0, 0.95], shadowTint: [0.55, 0.55, 0.7], skyTop: [0.9, 0.87, 0.8], skyHorizon: [0.9, 0.87, 0.8], haze: 0 },
};

interface Builder {
  objects: SceneObject[];
  /** Objects of each asset placed so far: the next one's index. */
  counts: Map<Asset, number>;
  /** Objects placed so far, from 20: the paint seed's number (see SceneObject.paintSeed). */
  placed: number;
}

// Object ids as a studio's ID pass has them (a Cryptomatte asset layer, an object index set per
// asset): the same asset and instance carry the same id in every scene, and one id is never two
// kinds of thing. Instance k of an asset is `<asset><k>` with id ASSET_IDS[asset] + k, so house 2 of
// the village is the same house (and id) in every village scene, and no tree shares a house's id.
// (Ids used to count up per scene, so id 28 was a house in the village, a conifer in the forest and a
// tree in the meadow: the stroke stage, which reads ids as categories, matched them across scenes.)
type Asset = 'hill' | 'tree' | 'conifer' | 'rock' | 'bush' | 'house' | 'fence' | 'lamp';
const ASSET_IDS: Record<Asset, number> = { hill: 20, tree: 44, conifer: 68, rock: 92, bush: 116, house: 140, fence: 164, lamp: 188 };
/** Instances per asset a scene may hold (the id blocks above are this far apart). */
const PER_ASSET = 24;

function add3(b: Builder, asset: Asset, kind: SceneObject['kind'], prims: Primitive[], castsShadow = true): void {
  const k = b.counts.get(asset) ?? 0;
  if (k >= PER_ASSET) throw new RangeError(`a setting holds at most ${PER_ASSET} ${asset} objects`);
  b.counts.set(asset, k + 1);
  const name = `${asset}${k}`;
  // The seed key each object had when names counted up per scene (hills and the lamp kept theirs).
  const paintSeed = asset === 'hill' ? name : asset === 'lamp' ? 'lamp' : `${asset}${b.placed}`;
  b.placed += 1;
  b.objects.push({ name, kind, id: ASSET_IDS[asset] + k, prims, castsShadow, ...(paintSeed !== name ? { paintSeed } : {}) });
}

function p(shape: Primitive['shape'], pos: Vec3, size: Vec3, color: Vec3, rot = IDENTITY, extra: Partial<Primitive> = {}): Primitive {
  return { shape, pos, size, color, rot, paintVariation: 0.18, flow: 'around', ...extra };
}

/** Colour jitter so repeated props are not clones. */
function tint(rng: Rng, c: Vec3, amount: number): Vec3 {
  const k = 1 + rng.range(-amount, amount);
  return [Math.min(1, c[0] * k + rng.range(-0.03, 0.03)), Math.min(1, c[1] * k), Math.min(1, c[2] * k + rng.range(-0.03, 0.03))];
}

function roundTree(b: Builder, rng: Rng, pos: Vec3, s: number): void {
  const trunk = tint(rng, [0.42, 0.28, 0.18], 0.1);
  const leaf = tint(rng, [0.3, 0.55, 0.22], 0.15);
  const prims = [p('cylinder', add(pos, [0, 0.7 * s, 0]), [0.1 * s, 0.7 * s, 0.1 * s], trunk, IDENTITY, { flow: 'along' })];
  prims.push(p('ellipsoid', add(pos, [0, 1.85 * s, 0]), [0.75 * s, 0.7 * s, 0.75 * s], leaf, rotY(rng.range(0, 6)), { paintVariation: 0.3 }));
  prims.push(p('ellipsoid', add(pos, [0.35 * s, 1.5 * s, 0.2 * s]), [0.5 * s, 0.45 * s, 0.5 * s], tint(rng, leaf, 0.1), IDENTITY, { paintVariation: 0.3 }));
  prims.push(p('ellipsoid', add(pos, [-0.3 * s, 2.25 * s, -0.1 * s]), [0.45 * s, 0.4 * s, 0.45 * s], tint(rng, leaf, 0.1), IDENTITY, { paintVariation: 0.3 }));
  add3(b, 'tree', 'prop', prims);
}

function conifer(b: Builder, rng: Rng, pos: Vec3, s: number): void {
  const leaf = tint(rng, [0.16, 0.38, 0.26], 0.15);
  const prims = [p('cylinder', add(pos, [0, 0.35 * s, 0]), [0.09 * s, 0.35 * s, 0.09 * s], [0.36, 0.24, 0.16], IDENTITY, { flow: 'along' })];
  prims.push(p('cone', add(pos, [0, 1.3 * s, 0]), [0.75 * s, 0.7 * s, 0.75 * s], leaf, IDENTITY, { flow: 'along', paintVariation: 0.25 }));
  prims.push(p('cone', add(pos, [0, 2.1 * s, 0]), [0.55 * s, 0.6 * s, 0.55 * s], tint(rng, leaf, 0.08), IDENTITY, { flow: 'along', paintVariation: 0.25 }));
  add3(b, 'conifer', 'prop', prims);
}

function rock(b: Builder, rng: Rng, pos: Vec3, s: number): void {
  const c = tint(rng, [0.58, 0.56, 0.54], 0.12);
  const rot = mul(rotY(rng.range(0, 6.3)), rotZ(rng.range(-0.3, 0.3)));
  add3(b, 'rock', 'prop', [p('ellipsoid', add(pos, [0, 0.12 * s, 0]), [0.45 * s, 0.3 * s, 0.35 * s], c, rot, { paintVariation: 0.25 })]);
}

function bush(b: Builder, rng: Rng, pos: Vec3, s: number): void {
  const c = tint(rng, [0.36, 0.5, 0.2], 0.15);
  add3(b, 'bush', 'prop', [
    p('ellipsoid', add(pos, [0, 0.2 * s, 0]), [0.45 * s, 0.32 * s, 0.4 * s], c, IDENTITY, { paintVariation: 0.3 }),
    p('ellipsoid', add(pos, [0.3 * s, 0.15 * s, 0.1 * s]), [0.3 * s, 0.24 * s, 0.3 * s], tint(rng, c, 0.1), IDENTITY, { paintVariation: 0.3 }),
  ]);
}

function house(b: Builder, rng: Rng, pos: Vec3, yaw: number, w: number, d: number, h: number): void {
  const wall = tint(rng, rng.pick([[0.92, 0.86, 0.74], [0.86, 0.72, 0.6], [0.78, 0.82, 0.86], [0.93, 0.8, 0.62]] as Vec3[]), 0.05);
  const roof = tint(rng, rng.pick([[0.66, 0.27, 0.2], [0.36, 0.34, 0.42], [0.52, 0.3, 0.24]] as Vec3[]), 0.08);
  const R = rotY(yaw);
  const at = (o: Vec3): Vec3 => add(pos, apply(R, o));
  const prims: Primitive[] = [p('box', at([0, h / 2, 0]), [w / 2, h / 2, d / 2], wall, R, { flow: 'along', paintVariation: 0.12 })];
  // Gable roof: a box turned 45 degrees about the ridge; its lower half hides inside the walls.
  const a = (w / 2) * 1.12 / Math.SQRT2;
  prims.push(p('box', at([0, h, 0]), [a, a, d / 2 - 0.01], roof, mul(R, rotZ(Math.PI / 4)), { flow: 'fixed', paintVariation: 0.15 }));
  prims.push(p('box', at([w * 0.22, h + w * 0.32, -d * 0.15]), [0.13, 0.35, 0.13], tint(rng, [0.55, 0.4, 0.34], 0.1), R));
  prims.push(p('box', at([-w * 0.2, 0.5, d / 2]), [0.22, 0.5, 0.03], [0.35, 0.22, 0.16], R, { paintVariation: 0.05 }));
  const glass: Vec3 = [0.42, 0.56, 0.66];
  prims.push(p('box', at([w * 0.2, h * 0.58, d / 2]), [0.2, 0.2, 0.03], glass, R, { paintVariation: 0.1 }));
  prims.push(p('box', at([w / 2, h * 0.58, 0]), [0.03, 0.2, 0.22], glass, R, { paintVariation: 0.1 }));
  add3(b, 'house', 'prop', prims);
}

function fence(b: Builder, from: Vec3, to: Vec3): void {
  const dx = to[0] - from[0], dz = to[2] - from[2];
  const len = Math.hypot(dx, dz), yaw = Math.atan2(dx, dz);
  const wood: Vec3 = [0.62, 0.46, 0.3];
  const prims: Primitive[] = [];
  const n = Math.max(2, Math.round(len / 0.9));
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    prims.push(p('box', [from[0] + dx * t, 0.4, from[2] + dz * t], [0.05, 0.4, 0.05], wood, rotY(yaw), { flow: 'along' }));
  }
  const mid: Vec3 = [(from[0] + to[0]) / 2, 0, (from[2] + to[2]) / 2];
  for (const y of [0.35, 0.65]) prims.push(p('box', add(mid, [0, y, 0]), [0.025, 0.045, len / 2], wood, rotY(yaw), { flow: 'fixed' }));
  add3(b, 'fence', 'prop', prims);
}

function hills(b: Builder, rng: Rng, color: Vec3): void {
  // One object per hill: each gets its own bounding sphere, which keeps ray casting cheap.
  for (let i = 0; i < 6; i++) {
    const ang = (i / 6) * Math.PI * 2 + rng.range(-0.3, 0.3);
    const dist = rng.range(34, 44);
    const r = rng.range(9, 16);
    add3(b, 'hill', 'set', [p('ellipsoid', [Math.sin(ang) * dist, -r * 0.35, Math.cos(ang) * dist], [r * 1.6, r * 0.75, r], tint(rng, color, 0.08), rotY(ang), { paintVariation: 0.2 })], false);
  }
}

/** A position on a ring around the acting area (which stays clear for the characters). */
function ringPos(rng: Rng, rMin: number, rMax: number): Vec3 {
  const a = rng.range(0, Math.PI * 2), r = rng.range(rMin, rMax);
  return [Math.sin(a) * r, 0, Math.cos(a) * r];
}

/** Builds a setting's static objects. Character objects are appended by the caller. */
export function buildSetting(name: SettingName, seed: number): SceneObject[] {
  const rng = new Rng(seed * 31 + name.length);
  const b: Builder = { objects: [], counts: new Map(), placed: 20 };
  const groundColor: Vec3 = name === 'meadow' ? [0.5, 0.66, 0.32] : name === 'village' ? [0.66, 0.6, 0.46] : [0.34, 0.48, 0.27];
  b.objects.push({
    name: 'ground', kind: 'ground', id: 1, castsShadow: false,
    prims: [p('plane', [0, 0, 0], [60, 0, 60], groundColor, IDENTITY, { flow: 'fixed', paintVariation: 0.35 })],
  });
  hills(b, rng, name === 'forest' ? [0.24, 0.4, 0.3] : [0.42, 0.58, 0.36]);
  if (name === 'meadow') {
    for (let i = 0; i < 7; i++) roundTree(b, rng, ringPos(rng, 5, 14), rng.range(0.8, 1.4));
    for (let i = 0; i < 6; i++) rock(b, rng, ringPos(rng, 2.2, 9), rng.range(0.5, 1.3));
    for (let i = 0; i < 6; i++) bush(b, rng, ringPos(rng, 2.5, 10), rng.range(0.6, 1.2));
    fence(b, [-6, 0, -3.5], [-1.5, 0, -4.5]);
    house(b, rng, [5.5, 0, -7], -0.5, 3, 2.6, 2.2);
  } else if (name === 'village') {
    const rows: [number, number][] = [[-4.5, -1], [-4.2, 3.2], [4.6, -2], [4.4, 2.8], [-1, -7.5], [3.5, -8]];
    rows.forEach(([x, z], i) => house(b, rng, [x, 0, z], (x < 0 ? Math.PI / 2 : -Math.PI / 2) + (i > 3 ? -Math.PI / 2 : 0) + rng.range(-0.1, 0.1), rng.range(2.4, 3.4), rng.range(2.2, 3), rng.range(1.9, 2.6)));
    for (let i = 0; i < 3; i++) roundTree(b, rng, ringPos(rng, 8, 14), rng.range(0.8, 1.2));
    add3(b, 'lamp', 'prop', [
      p('cylinder', [1.8, 1.1, 1.2], [0.045, 1.1, 0.045], [0.2, 0.22, 0.25], IDENTITY, { flow: 'along', paintVariation: 0.05 }),
      p('ellipsoid', [1.8, 2.3, 1.2], [0.14, 0.16, 0.14], [1.0, 0.9, 0.6], IDENTITY, { paintVariation: 0.05 }),
    ]);
    for (let i = 0; i < 3; i++) bush(b, rng, ringPos(rng, 2.5, 4), rng.range(0.5, 0.8));
    fence(b, [-2.8, 0, 5], [2.8, 0, 5.5]);
  } else {
    for (let i = 0; i < 14; i++) conifer(b, rng, ringPos(rng, 3.5, 14), rng.range(0.9, 1.8));
    for (let i = 0; i < 3; i++) roundTree(b, rng, ringPos(rng, 6, 12), rng.range(0.8, 1.1));
    for (let i = 0; i < 5; i++) rock(b, rng, ringPos(rng, 2, 7), rng.range(0.6, 1.6));
    for (let i = 0; i < 4; i++) bush(b, rng, ringPos(rng, 2.5, 6), rng.range(0.6, 1));
  }
  return b.objects;
}

/** A neutral studio set (floor only) for character sheets. */
export function studioSetting(): SceneObject[] {
  return [{
    name: 'ground', kind: 'ground', id: 1, castsShadow: false,
    prims: [p('plane', [0, 0, 0], [60, 0, 60], [0.82, 0.79, 0.72], IDENTITY, { flow: 'fixed', paintVariation: 0.15 })],
  }];
}

