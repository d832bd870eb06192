// The concrete sample production: training scenes (paintover pairs), concept art, character sheets and
// held-out animated test shots. Test shots reuse the cast in lighting/setting combinations the training
// scenes never show, so the benchmark measures generalisation rather than recall.
import type { CharacterName, MiraPose, PipPose } from './characters.js';
import { mira, pip } from './characters.js';
import type { Camera, Primitive, Scene, SceneObject } from './scene.js';
import { insideLocal } from './geometry.js';
import type { LightName, SettingName } from './settings.js';
import { LIGHTS, buildSetting, studioSetting } from './settings.js';
import type { Vec3 } from './vec.js';

export interface FramePose {
  camera: Camera;
  mira?: MiraPose;
  pip?: PipPose;
}

export interface SequenceSpec {
  name: string;
  setting: SettingName | 'studio';
  light: LightName;
  frames: number;
  pose: (frame: number) => FramePose;
  tags: string[];
}

const cam = (pos: Vec3, target: Vec3, fov = 40): Camera => ({ pos, target, fov });
const orbit = (angle: number, dist: number, height: number, target: Vec3, fov = 40): Camera =>
  cam([target[0] + Math.sin(angle) * dist, height, target[2] + Math.cos(angle) * dist], target, fov);

/** Training scenes: a few distinct poses each (frames are separate poses, not continuous motion). */
export const TRAIN_SCENES: SequenceSpec[] = [
  {
    name: 'meadow_hello', setting: 'meadow', light: 'day', frames: 3, tags: ['day', 'exterior', 'meadow'],
    pose: (f) => ([
      { camera: orbit(0.15, 4.2, 1.3, [0, 0.85, 0]), mira: { pos: [0, 0, 0], yaw: 0.15, wave: 1, wavePhase: 0.5 }, pip: { pos: [0.8, 0, 0.4], yaw: -0.6, tailWag: 0.6 } },
      { camera: orbit(0.9, 3.6, 1.0, [0, 0.8, 0]), mira: { pos: [0, 0, 0], yaw: 1.2, walk: 1, walkPhase: 0.9 }, pip: { pos: [0.5, 0, -0.9], yaw: 1.3, trot: 1, trotPhase: 1.2 } },
      { camera: orbit(-0.6, 2.4, 0.7, [0.5, 0.35, 0.3]), mira: { pos: [-0.4, 0, -0.3], yaw: 0.4, headTilt: 0.3 }, pip: { pos: [0.5, 0, 0.3], yaw: -0.4, headYaw: 0.3, tailWag: -0.5 } },
    ] satisfies FramePose[])[f]!,
  },
  {
    name: 'village_stroll', setting: 'village', light: 'afternoon', frames: 3, tags: ['afternoon', 'exterior', 'village'],
    pose: (f) => ([
      { camera: orbit(0.3, 5, 1.6, [0, 0.8, 0]), mira: { pos: [0, 0, 0], yaw: 2.6, walk: 1, walkPhase: 0.2, headYaw: -0.4 }, pip: { pos: [0.7, 0, 0.3], yaw: 2.6, trot: 1, trotPhase: 2 } },
      { camera: orbit(-0.7, 3.2, 1.3, [0, 1.0, 0]), mira: { pos: [0, 0, 0], yaw: -0.4, wave: 0.7, wavePhase: 2 } },
      { camera: orbit(1.4, 3.2, 1.1, [0.2, 0.6, 0]), mira: { pos: [-0.4, 0, 0], yaw: 1.2, headYaw: 0.5 }, pip: { pos: [0.6, 0, 0.5], yaw: 1.7, headYaw: -0.4, tailWag: 0.8 } },
    ] satisfies FramePose[])[f]!,
  },
  {
    name: 'forest_rest', setting: 'forest', light: 'dusk', frames: 3, tags: ['dusk', 'exterior', 'forest'],
    pose: (f) => ([
      { camera: orbit(0.5, 4.5, 1.2, [0, 0.8, 0]), mira: { pos: [0, 0, 0], yaw: 0.9, headTilt: -0.2, wind: 0.4 }, pip: { pos: [0.9, 0, 0.2], yaw: -0.3, tailWag: 0.3 } },
      { camera: orbit(-0.3, 3.0, 1.5, [0, 1.15, 0]), mira: { pos: [0, 0, 0], yaw: -0.2, headYaw: 0.5, wind: 0.6 } },
      { camera: orbit(1.6, 3.4, 0.5, [0.3, 0.4, 0]), mira: { pos: [-0.2, 0, -0.5], yaw: 1.4, walk: 1, walkPhase: 2.1 }, pip: { pos: [0.6, 0, 0.2], yaw: 1.6, trot: 1, trotPhase: 0.4 } },
    ] satisfies FramePose[])[f]!,
  },
  {
    name: 'meadow_morning', setting: 'meadow', light: 'morning', frames: 3, tags: ['morning', 'exterior', 'meadow'],
    pose: (f) => ([
      { camera: orbit(-2.4, 6, 1.8, [0, 0.7, 0], 45), mira: { pos: [0, 0, 0], yaw: -2.2, walk: 1, walkPhase: 3.5 }, pip: { pos: [-0.7, 0, 0.1], yaw: -2.2, trot: 1, trotPhase: 0.2 } },
      { camera: orbit(3.0, 2.2, 1.25, [0, 1.2, 0]), mira: { pos: [0, 0, 0], yaw: 2.8, headYaw: -0.3, headTilt: -0.15 } },
      { camera: orbit(0.2, 2.0, 0.6, [0, 0.35, 0]), pip: { pos: [0, 0, 0], yaw: 0.5, headYaw: -0.4, tailWag: 1 } },
    ] satisfies FramePose[])[f]!,
  },
];

/** Held-out animated test shots: continuous motion, 24 frames by default. */
export function testShots(frames: number): SequenceSpec[] {
  const T = Math.max(2, frames);
  return [
    {
      name: 'sh010', setting: 'meadow', light: 'afternoon', frames: T, tags: ['afternoon', 'meadow', 'walk', 'tracking_camera'],
      pose: (f) => {
        const u = f / (T - 1);
        const x = -1.2 + 2.4 * u;
        return {
          camera: cam([x * 0.7 - 0.6, 1.25, 4.2], [x * 0.9, 0.85, 0]),
          mira: { pos: [x, 0, 0], yaw: Math.PI / 2 - 0.2, walk: 1, walkPhase: u * Math.PI * 4, headYaw: -0.35 },
          pip: { pos: [x - 0.9, 0, 0.5], yaw: Math.PI / 2, trot: 1, trotPhase: u * Math.PI * 6, tailWag: Math.sin(u * 12) },
        };
      },
    },
    {
      name: 'sh020', setting: 'village', light: 'dusk', frames: T, tags: ['dusk', 'village', 'wave', 'dolly_in'],
      pose: (f) => {
        const u = f / (T - 1);
        const d = 5 - 2 * u;
        return {
          camera: orbit(-0.35, d, 1.4 - 0.1 * u, [0, 1.0 - 0.1 * u, 0], 38),
          mira: { pos: [0, 0, 0], yaw: -0.3, wave: Math.min(1, u * 2.5), wavePhase: u * Math.PI * 6, headTilt: 0.1 },
          pip: { pos: [1.8 - 1.1 * u, 0, 0.4], yaw: -Math.PI / 2 - 0.3, trot: 1 - u * 0.6, trotPhase: u * Math.PI * 7, tailWag: Math.sin(u * 9) },
        };
      },
    },
    {
      name: 'sh030', setting: 'forest', light: 'morning', frames: T, tags: ['morning', 'forest', 'orbit_camera', 'head_turn'],
      pose: (f) => {
        const u = f / (T - 1);
        return {
          camera: orbit(0.9 - 1.1 * u, 3.4, 1.3, [0.2, 0.8, 0]),
          mira: { pos: [0, 0, 0], yaw: 0.3, headYaw: -0.6 + 1.1 * u, wind: 0.3 + 0.25 * Math.sin(u * 8) },
          pip: { pos: [0.8, 0, 0.3], yaw: -0.5 + 0.6 * u, headYaw: 0.4 - 0.6 * u, tailWag: Math.sin(u * 10) },
        };
      },
    },
    // Character shots: the same cast in poses, light and framing no other shot has, so the look
    // model's rendering of a character can be compared across shots (character consistency).
    {
      name: 'sh040', setting: 'village', light: 'day', frames: T, tags: ['day', 'village', 'close_up', 'turn', 'wave', 'characters'],
      pose: (f) => {
        const u = f / (T - 1);
        // Medium close-up from low, Mira turns towards the camera and waves; Pip sits in the foreground.
        return {
          camera: cam([0.35 + 0.25 * u, 0.65, 2.5], [0, 0.82, 0], 44),
          mira: { pos: [0, 0, 0], yaw: -1.2 + 1.3 * u, wave: Math.max(0, u * 1.6 - 0.4), wavePhase: u * Math.PI * 5, headYaw: 0.4 - 0.5 * u, headTilt: -0.1 },
          pip: { pos: [-0.35, 0, 0.6], yaw: 2.2 - 0.8 * u, headYaw: -0.5 + 0.6 * u, tailWag: Math.sin(u * 14) },
        };
      },
    },
    {
      name: 'sh050', setting: 'forest', light: 'afternoon', frames: T, tags: ['afternoon', 'forest', 'high_angle', 'walk_away', 'trot'],
      pose: (f) => {
        const u = f / (T - 1);
        // High wide angle looking down: Mira walks away from the camera, Pip trots past her in profile.
        return {
          camera: cam([0.2, 2.9, 3.6], [0, 0.4, -0.4 - 0.3 * u], 46),
          mira: { pos: [-0.3, 0, 0.4 - 1.0 * u], yaw: Math.PI + 0.15, walk: 1, walkPhase: u * Math.PI * 4 },
          pip: { pos: [1.2 - 2.2 * u, 0, 0.1], yaw: -Math.PI / 2, trot: 1, trotPhase: u * Math.PI * 7, tailWag: 0.5 * Math.sin(u * 11) },
        };
      },
    },
  ];
}

/** Concept art: painted only, no rough counterpart. */
export const CONCEPT_ART: (SequenceSpec & { kindTag: string })[] = [
  { name: 'env_meadow', kindTag: 'environment', setting: 'meadow', light: 'day', frames: 1, tags: ['environment', 'day', 'meadow'], pose: () => ({ camera: cam([2, 2.4, 9], [-1, 1.2, -3], 50) }) },
  { name: 'env_village', kindTag: 'environment', setting: 'village', light: 'morning', frames: 1, tags: ['environment', 'morning', 'village'], pose: () => ({ camera: cam([0.5, 1.7, 7.5], [0, 1.2, -2], 50) }) },
  { name: 'env_forest', kindTag: 'environment', setting: 'forest', light: 'afternoon', frames: 1, tags: ['environment', 'afternoon', 'forest'], pose: () => ({ camera: cam([-3, 1.4, 6], [0, 1.4, -1], 50) }) },
  {
    name: 'key_dusk_meadow', kindTag: 'key_art', setting: 'meadow', light: 'dusk', frames: 1, tags: ['key_art', 'dusk', 'meadow'],
    pose: () => ({ camera: orbit(0.6, 3.8, 1.0, [0.3, 0.8, 0]), mira: { pos: [0, 0, 0], yaw: 0.9, headYaw: 0.4, wind: 0.5 }, pip: { pos: [0.8, 0, 0.5], yaw: -0.2, tailWag: 0.5, headYaw: 0.4 } }),
  },
];

/** Character sheet: four turnaround views side by side on a studio floor. */
export const SHEET_VIEWS = [0, Math.PI / 4, Math.PI / 2, Math.PI] as const;

/** `aspect` is the sheet's width / height: the camera fits all four views across, with a margin. */
export function characterSheetScene(name: CharacterName, seed: number, aspect = 2): Scene {
  const objects: SceneObject[] = [...studioSetting()];
  const spacing = name === 'mira' ? 0.95 : 1.0;
  // Each view is its own object (ids stay the character's id) so the id pass is still the character.
  SHEET_VIEWS.forEach((yaw, k) => {
    const x = (k - 1.5) * spacing;
    const o = name === 'mira' ? mira({ pos: [x, 0, 0], yaw }) : pip({ pos: [x, 0, 0], yaw });
    objects.push({ ...o, name: `${o.name}_view${k}` });
  });
  const halfHeight = name === 'mira' ? 0.98 : 0.42, halfWidth = 1.5 * spacing + (name === 'mira' ? 0.38 : 0.5);
  const target: Vec3 = [0, halfHeight, 0];
  const dist = 9;
  const tanY = Math.max(halfHeight * 1.12, (halfWidth * 1.08) / aspect) / dist;
  const fov = (2 * Math.atan(tanY) * 180) / Math.PI;
  return { objects, camera: cam([0, target[1] + 0.35, dist], target, fov), light: LIGHTS.studio, seed };
}

/** Is the world point within `margin` of the primitive (tested as inside the primitive grown by margin)? */
function near(p: Primitive, w: Vec3, margin: number): boolean {
  if (p.shape === 'plane') return false;
  const R = p.rot, qx = w[0] - p.pos[0], qy = w[1] - p.pos[1], qz = w[2] - p.pos[2];
  const grown: Primitive = { ...p, size: [p.size[0] + margin, p.size[1] + margin, p.size[2] + margin] };
  return insideLocal(grown, R[0] * qx + R[3] * qy + R[6] * qz, R[1] * qx + R[4] * qy + R[7] * qz, R[2] * qx + R[5] * qy + R[8] * qz);
}

export function buildScene(spec: SequenceSpec, frame: number, seed: number): Scene {
  const pose = spec.pose(frame);
  let objects = spec.setting === 'studio' ? studioSetting() : buildSetting(spec.setting, seed);
  // Drop set pieces any camera of this sequence would sit inside (or brush against). Decided from the
  // whole camera path, so every frame of a shot keeps the same objects (motion vectors rely on it).
  const cams: Vec3[] = [];
  for (let f = -1; f <= spec.frames; f++) {
    const p = spec.pose(f) as FramePose | undefined; // stills have poses for 0..frames-1 only
    if (p) cams.push(p.camera.pos);
  }
  const CLEAR = 0.6;
  objects = objects.filter((o) => o.kind === 'ground' || !o.prims.some((p) => cams.some((c) => near(p, c, CLEAR))));
  if (pose.mira) objects.push(mira(pose.mira));
  if (pose.pip) objects.push(pip(pose.pip));
  return { objects, camera: pose.camera, light: LIGHTS[spec.light], seed };
}
