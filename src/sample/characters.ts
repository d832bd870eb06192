// The sample production's cast, built from primitives on a tiny joint hierarchy so poses animate.
// Designs are meant to read at 256 px: strong silhouettes and a few flat, memorable colours.
import type { Primitive, SceneObject } from './scene.js';
import type { Frame, Vec3 } from './vec.js';
import { child, rootFrame, rotX, rotY, rotZ, mul } from './vec.js';

/** Stable id-pass values: a character keeps its id in every scene and shot. */
export const CHARACTER_IDS = { mira: 10, pip: 11 } as const;
export type CharacterName = keyof typeof CHARACTER_IDS;

export const CHARACTER_INFO: Record<CharacterName, { displayName: string; description: string }> = {
  mira: {
    displayName: 'Mira',
    description: 'Girl in a yellow raincoat with a long red scarf, dark hair in a bun, blue trousers, brown boots.',
  },
  pip: {
    displayName: 'Pip',
    description: 'Small orange fox with a white chest, white-tipped tail and dark legs; Mira\'s companion.',
  },
};

function prim(f: Frame, shape: Primitive['shape'], offset: Vec3, size: Vec3, color: Vec3, extra: Partial<Primitive> = {}): Primitive {
  // extra.rot is a local rotation relative to the joint frame.
  const fr = child(f, offset, extra.rot);
  return { shape, size, color, paintVariation: 0.12, flow: 'around', ...extra, rot: fr.rot, pos: fr.pos };
}

export interface MiraPose {
  pos: Vec3;
  yaw: number;
  /** Walk cycle phase in radians and how much of the cycle shows (0 = standing). */
  walkPhase?: number;
  walk?: number;
  /** Right arm raised and waving (0..1), with wave phase. */
  wave?: number;
  wavePhase?: number;
  headYaw?: number;
  headTilt?: number;
  /** Wind on the scarf tail (radians). */
  wind?: number;
}

const SKIN: Vec3 = [0.96, 0.78, 0.64];
const COAT: Vec3 = [0.97, 0.78, 0.16];
const SCARF: Vec3 = [0.85, 0.16, 0.14];
const HAIR: Vec3 = [0.3, 0.18, 0.12];
const TROUSERS: Vec3 = [0.2, 0.3, 0.58];
const BOOTS: Vec3 = [0.45, 0.26, 0.14];
const DARK: Vec3 = [0.1, 0.08, 0.09];

export function mira(p: MiraPose): SceneObject {
  const walk = p.walk ?? 0, ph = p.walkPhase ?? 0;
  const bob = walk * 0.035 * Math.abs(Math.cos(ph));
  const root = rootFrame(p.pos, p.yaw);
  const pelvis = child(root, [0, 0.7 + bob, 0]);
  const prims: Primitive[] = [];
  for (const s of [1, -1]) {
    const swing = walk * 0.5 * Math.sin(ph + (s > 0 ? 0 : Math.PI));
    const leg = child(pelvis, [s * 0.085, 0, 0], rotX(-swing));
    prims.push(prim(leg, 'capsule', [0, -0.33, 0], [0.068, 0.26, 0.068], TROUSERS, { flow: 'along' }));
    prims.push(prim(leg, 'ellipsoid', [0, -0.64, 0.04], [0.075, 0.06, 0.12], BOOTS));
  }
  const chest = child(pelvis, [0, 0.36, 0], rotX(0.04 + walk * 0.06));
  prims.push(prim(pelvis, 'cone', [0, 0.08, 0], [0.25, 0.22, 0.25], COAT, { flow: 'along' }));
  prims.push(prim(pelvis, 'capsule', [0, 0.28, 0], [0.165, 0.12, 0.165], COAT, { flow: 'along' }));
  // Scarf: a ring around the neck and a tail that swings with the walk and the wind.
  prims.push(prim(chest, 'cylinder', [0, 0.1, 0], [0.125, 0.05, 0.125], SCARF));
  const tailSwing = -0.25 - (p.wind ?? 0) - walk * 0.25 * Math.sin(ph * 2);
  const tail = child(chest, [0.07, 0.08, 0.1], mul(rotX(tailSwing), rotZ(0.15)));
  prims.push(prim(tail, 'box', [0, -0.14, 0.02], [0.048, 0.14, 0.018], SCARF, { flow: 'along' }));
  const head = child(chest, [0, 0.32, 0], mul(rotY(p.headYaw ?? 0), rotX(p.headTilt ?? 0)));
  prims.push(prim(head, 'ellipsoid', [0, 0, 0], [0.15, 0.16, 0.148], SKIN));
  prims.push(prim(head, 'ellipsoid', [0, 0.04, -0.03], [0.158, 0.148, 0.15], HAIR));
  prims.push(prim(head, 'ellipsoid', [0, 0.17, -0.08], [0.075, 0.07, 0.075], HAIR));
  for (const s of [1, -1]) {
    prims.push(prim(head, 'ellipsoid', [s * 0.056, -0.005, 0.128], [0.028, 0.036, 0.02], DARK));
    prims.push(prim(head, 'ellipsoid', [s * 0.09, -0.055, 0.11], [0.03, 0.022, 0.015], [0.95, 0.55, 0.5]));
  }
  for (const s of [1, -1]) {
    const swing = walk * 0.45 * Math.sin(ph + (s > 0 ? Math.PI : 0));
    const waving = s > 0 ? (p.wave ?? 0) : 0;
    const abduct = 0.14 + waving * (2.5 + 0.25 * Math.sin(p.wavePhase ?? 0));
    const arm = child(chest, [s * 0.19, 0.03, 0], mul(rotZ(s * abduct), rotX(-swing * (1 - waving))));
    prims.push(prim(arm, 'capsule', [0, -0.21, 0], [0.055, 0.17, 0.055], COAT, { flow: 'along' }));
    prims.push(prim(arm, 'ellipsoid', [0, -0.44, 0], [0.052, 0.058, 0.052], SKIN));
  }
  return { name: 'mira', kind: 'character', character: 'mira', id: CHARACTER_IDS.mira, prims, castsShadow: true };
}

export interface PipPose {
  pos: Vec3;
  yaw: number;
  trotPhase?: number;
  trot?: number;
  tailWag?: number;
  headYaw?: number;
}

const FUR: Vec3 = [0.92, 0.45, 0.14];
const WHITE: Vec3 = [0.96, 0.93, 0.86];
const SOCKS: Vec3 = [0.22, 0.14, 0.12];

export function pip(p: PipPose): SceneObject {
  const trot = p.trot ?? 0, ph = p.trotPhase ?? 0;
  const root = rootFrame(p.pos, p.yaw);
  const body = child(root, [0, 0.3 + trot * 0.02 * Math.abs(Math.sin(ph)), 0]);
  const prims: Primitive[] = [];
  prims.push(prim(body, 'ellipsoid', [0, 0, 0], [0.13, 0.25, 0.12], FUR, { flow: 'along', rot: rotX(Math.PI / 2) }));
  prims.push(prim(body, 'ellipsoid', [0, -0.02, 0.15], [0.1, 0.1, 0.1], WHITE));
  for (const [sx, sz, off] of [[1, 1, 0], [-1, 1, Math.PI], [1, -1, Math.PI], [-1, -1, 0]] as const) {
    const leg = child(body, [sx * 0.075, -0.05, sz * 0.16], rotX(trot * 0.55 * Math.sin(ph + off)));
    prims.push(prim(leg, 'cylinder', [0, -0.14, 0], [0.032, 0.12, 0.032], SOCKS, { flow: 'along' }));
  }
  const head = child(body, [0, 0.15, 0.25], rotY(p.headYaw ?? 0));
  prims.push(prim(head, 'ellipsoid', [0, 0, 0], [0.115, 0.105, 0.11], FUR));
  prims.push(prim(head, 'cone', [0, -0.02, 0.13], [0.06, 0.07, 0.06], WHITE, { rot: rotX(Math.PI / 2), flow: 'along' }));
  prims.push(prim(head, 'ellipsoid', [0, -0.02, 0.205], [0.022, 0.02, 0.02], DARK));
  for (const s of [1, -1]) {
    prims.push(prim(head, 'cone', [s * 0.065, 0.12, -0.01], [0.05, 0.065, 0.03], FUR, { rot: rotZ(-s * 0.25), flow: 'along' }));
    prims.push(prim(head, 'ellipsoid', [s * 0.05, 0.025, 0.095], [0.018, 0.022, 0.014], DARK));
  }
  const tail = child(body, [0, 0.06, -0.24], mul(rotY(0.5 * (p.tailWag ?? 0)), rotX(-0.9)));
  prims.push(prim(tail, 'ellipsoid', [0, 0, -0.14], [0.075, 0.18, 0.075], FUR, { flow: 'along', rot: rotX(Math.PI / 2) }));
  prims.push(prim(tail, 'ellipsoid', [0, 0, -0.3], [0.055, 0.055, 0.06], WHITE));
  return { name: 'pip', kind: 'character', character: 'pip', id: CHARACTER_IDS.pip, prims, castsShadow: true };
}
