// Scene description: objects made of simple primitives, a camera, a sun. A scene is rebuilt for every
// frame by a pure function of time, with the same objects/primitives in the same order, so primitive i at
// frame t and at frame t-1 is the same surface (that is what motion vectors and stroke anchors rely on).
import type { Mat3, Vec3 } from './vec.js';
import { cross, normalize, sub } from './vec.js';

export type Shape = 'ellipsoid' | 'box' | 'capsule' | 'cylinder' | 'cone' | 'plane';

/** How painted strokes orient on a primitive: along its local y axis (limbs, trunks), around it (heads,
 * canopies), or along a fixed world direction (ground). The image gradient then bends them further. */
export type StrokeFlow = 'along' | 'around' | 'fixed';

export interface Primitive {
  shape: Shape;
  /** Half extents for ellipsoid/box; [radius, half length of the axis segment, radius] for capsule,
   * cylinder and cone (apex up); ignored for plane (the plane is local y = 0, a disc of radius size[0]). */
  size: Vec3;
  rot: Mat3;
  pos: Vec3;
  /** Flat base colour (display-referred 0..1), what the albedo pass shows. */
  color: Vec3;
  /** Amplitude of object-space colour variation in the painted look only (the rough render stays flat). */
  paintVariation?: number;
  flow?: StrokeFlow;
}

export type ObjectKind = 'character' | 'prop' | 'ground' | 'set';

export interface SceneObject {
  name: string;
  kind: ObjectKind;
  /** Value of the id pass: one per asset instance, the same in every scene (characters too). */
  id: number;
  /**
   * What seeds its surfaces' paint variation (default: name). Set pieces keep the key they had when
   * their names counted up per scene, so their frames stay byte for byte what they were.
   */
  paintSeed?: string;
  /** Character name for kind 'character'. */
  character?: string;
  prims: Primitive[];
  castsShadow: boolean;
}

export interface Camera {
  pos: Vec3;
  target: Vec3;
  /** Vertical field of view in degrees. */
  fov: number;
}

export interface Light {
  /** Direction towards the sun (normalised by the renderer). */
  dir: Vec3;
  /** Sun colour in the painted look (the rough render ignores it: blocking renders are neutral). */
  color: Vec3;
  /** Colour shadows take in the painted look. */
  shadowTint: Vec3;
  /** Sky gradient: zenith and horizon colours (painted look) and sky albedo (rough). */
  skyTop: Vec3;
  skyHorizon: Vec3;
  /** Atmospheric haze density per world unit in the painted look. */
  haze: number;
}

export interface Scene {
  objects: SceneObject[];
  camera: Camera;
  light: Light;
  /** Seed for object-independent randomness (clouds, paper). */
  seed: number;
}

/** Camera basis and focal length in pixels for a given image size. */
export interface CameraBasis {
  pos: Vec3;
  right: Vec3;
  up: Vec3;
  fwd: Vec3;
  focal: number;
  cx: number;
  cy: number;
}

export function cameraBasis(cam: Camera, width: number, height: number): CameraBasis {
  const fwd = normalize(sub(cam.target, cam.pos));
  const right = normalize(cross(fwd, [0, 1, 0]));
  const up = cross(right, fwd);
  const focal = height / 2 / Math.tan((cam.fov * Math.PI) / 360);
  return { pos: cam.pos, right, up, fwd, focal, cx: width / 2, cy: height / 2 };
}

/** Projects a world point: returns [x_px, y_px, z_cam] (z <= 0 means behind the camera). */
export function project(b: CameraBasis, px: number, py: number, pz: number, out: Float64Array): void {
  const dx = px - b.pos[0], dy = py - b.pos[1], dz = pz - b.pos[2];
  const cz = dx * b.fwd[0] + dy * b.fwd[1] + dz * b.fwd[2];
  const cx = dx * b.right[0] + dy * b.right[1] + dz * b.right[2];
  const cy = dx * b.up[0] + dy * b.up[1] + dz * b.up[2];
  out[0] = b.cx + (b.focal * cx) / cz;
  out[1] = b.cy - (b.focal * cy) / cz;
  out[2] = cz;
}
