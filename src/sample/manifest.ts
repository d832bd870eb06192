// manifest.json of a sample production: every file with its role, its links and its rights.
import type { PassName } from './passes.js';

export type FileKind = 'paintover' | 'rough' | 'pass' | 'concept' | 'character_sheet' | 'keyframe' | 'ground_truth' | 'preview';

export interface Rights {
  owner: 'Atelier Sample Studio';
  licence: 'CC0-1.0';
  source: 'procedural';
  cleared_for_training: boolean;
  /** Ground truth of test shots: never train on it; it is what a render of the shot is scored against. */
  held_out?: true;
}

export interface ManifestFile {
  /** Path relative to the production folder, '/'-separated. */
  path: string;
  kind: FileKind;
  /** Training scene, test shot, concept or sheet name (see `scenes`). */
  scene: string;
  frame: number;
  /** For kind 'pass'. */
  pass?: PassName;
  width: number;
  height: number;
  /** Characters visible in the frame. */
  characters: string[];
  tags: string[];
  rights: Rights;
  /** paintover / keyframe / ground_truth / pass -> the rough frame they belong to. */
  rough?: string;
  /** paintover / keyframe / ground_truth / rough -> the frame's render passes by name. */
  passes?: Partial<Record<PassName, string>>;
  /** rough -> its painted counterpart (paintover or ground truth); pass -> likewise. */
  painted?: string;
  /** rough of a test shot frame that also has a painted keyframe -> that keyframe. */
  keyframe?: string;
}

export interface ManifestScene {
  name: string;
  split: 'train' | 'test' | 'concept' | 'character_sheet';
  setting: string;
  light: string;
  frames: number;
  /** Test shots: frames whose painted keyframe is provided (for per-shot fine-tuning). */
  keyframes?: number[];
  /** Training scenes: frames are separate poses; test shots: continuous motion at `fps`. */
  continuous: boolean;
  fps?: number;
  characters: string[];
  tags: string[];
  /** Values in the id pass and what they are. */
  ids: { id: number; name: string; kind: string; color: [number, number, number] }[];
}

export interface SampleManifest {
  format: 'atelier-sample-production';
  version: 1;
  /** Revision of what the generator writes (absent: 1); a cached sample of another is regenerated. */
  generator?: number;
  title: string;
  seed: number;
  width: number;
  height: number;
  rights: Rights;
  characters: { name: string; displayName: string; id: number; idColor: [number, number, number]; description: string; sheet?: string }[];
  passes: Record<PassName, { format: string; description: string }>;
  scenes: ManifestScene[];
  files: ManifestFile[];
}

export const CLEARED: Rights = { owner: 'Atelier Sample Studio', licence: 'CC0-1.0', source: 'procedural', cleared_for_training: true };
export const HELD_OUT: Rights = { ...CLEARED, cleared_for_training: false, held_out: true };

/**
 * The sample generator's output revision. 2: the motion pass marks sky as seen where the previous
 * frame showed sky at the point the vector names (1 looked at the same pixel). 3: object ids per
 * asset and instance, the same in every scene (settings.ts; they counted up per scene before).
 */
export const SAMPLE_GENERATOR = 3;
