// The procedural sample production: a small film's worth of training material and held-out test shots,
// generated from code (no downloads), deterministic for a seed. See manifest.ts for the file roles and
// passes.ts (PASS_ENCODINGS, copied into the manifest) for how each render pass is encoded.
//
// Layout of <outDir> (all images are name.####.png sequences, frame numbers from 0000):
//   train/<scene>/<scene>_{rough,albedo,normal,id,depth,diffuse,motion,paint}.####.png  paintover pairs
//   test/<shot>/<shot>_{rough,<passes>}.####.png   every frame of a held-out test shot
//   test/<shot>/<shot>_gt.####.png                  painted ground truth (held out, never train on it)
//   test/<shot>/<shot>_key.####.png                 painted keyframes (first and last frame; trainable)
//   concept/<name>.0000.png                         concept art (painted, no rough counterpart)
//   characters/<name>/<name>_turnaround.0000.png    character sheets (twice the frame width)
//   preview/*.png                                   contact sheets for people (not training data)
//   manifest.json                                   written last, atomically
import { join } from 'node:path';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import { CHARACTER_IDS, CHARACTER_INFO } from './characters.js';
import type { CharacterName } from './characters.js';
import { writeContactSheet } from './contact-sheet.js';
import type { ManifestFile, ManifestScene, Rights, SampleManifest } from './manifest.js';
import { CLEARED, HELD_OUT, SAMPLE_GENERATOR } from './manifest.js';
import { paintFrame } from './painter.js';
import { PASS_ENCODINGS, PASS_NAMES, encodePass, idColor, renderRough } from './passes.js';
import type { PassName } from './passes.js';
import type { GBuffer } from './raycast.js';
import { raycast } from './raycast.js';
import type { Scene } from './scene.js';
import { CONCEPT_ART, TRAIN_SCENES, buildScene, characterSheetScene, testShots } from './scenes.js';
import type { SequenceSpec } from './scenes.js';
import { seqName, writePng } from './write.js';

export interface SampleOptions {
  /** Frame size of training pairs, test shots and concept art (character sheets are twice as wide). */
  width?: number;
  height?: number;
  seed?: number;
  /** Frames per test shot (default 24). */
  shotFrames?: number;
  /** Write preview contact sheets (default true). */
  preview?: boolean;
  onProgress?: (done: number, total: number, what: string) => void;
}

export interface SampleResult {
  outDir: string;
  manifestPath: string;
  manifest: SampleManifest;
  files: number;
  seconds: number;
  /** Where the time went (seconds): ray casting, painting, and the rest (pass encoding, PNG writing
   * not hidden behind rendering, previews, manifest). */
  timings: { raycast: number; paint: number; other: number };
}

export const DEFAULT_SIZE = { width: 256, height: 256 } as const;
export const DEFAULT_SEED = 1;
const FPS = 24;

export { writeContactSheet } from './contact-sheet.js';
export type { SampleManifest, ManifestFile, ManifestScene, Rights } from './manifest.js';
export { SAMPLE_GENERATOR } from './manifest.js';
export { PASS_NAMES, MOTION_SCALE, MOTION_OFFSET } from './passes.js';
export type { PassName } from './passes.js';

const OWN_ENTRIES = new Set(['manifest.json', 'train', 'test', 'concept', 'characters', 'preview']);

/** Empties a previous (possibly partial) sample production in outDir so no stale frames survive; refuses
 * a folder holding anything else, so a typo cannot wipe unrelated files. */
function prepareOutDir(outDir: string): void {
  if (existsSync(outDir)) {
    const entries = readdirSync(outDir);
    const foreign = entries.filter((e) => !OWN_ENTRIES.has(e));
    if (foreign.length) {
      throw new Error(`sample: ${outDir} is not empty and not a sample production (found ${foreign.slice(0, 3).join(', ')}); choose an empty or new folder`);
    }
    // The manifest first: without it the folder no longer claims to be a complete production.
    rmSync(join(outDir, 'manifest.json'), { force: true });
    for (const e of entries) rmSync(join(outDir, e), { recursive: true, force: true });
  }
  mkdirSync(outDir, { recursive: true });
}

/** Characters with at least a few pixels in the frame. */
function visibleCharacters(g: GBuffer, scene: Scene): string[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < g.obj.length; i++) {
    const o = g.obj[i]!;
    if (o >= 0 && scene.objects[o]!.kind === 'character') counts.set(o, (counts.get(o) ?? 0) + 1);
  }
  const names = new Set<string>();
  for (const [o, c] of counts) if (c >= 16) names.add(scene.objects[o]!.character!);
  return [...names].sort();
}

function idTable(scene: Scene): ManifestScene['ids'] {
  const seen = new Map<number, ManifestScene['ids'][number]>();
  for (const o of scene.objects) {
    if (!seen.has(o.id)) seen.set(o.id, { id: o.id, name: o.character ?? o.name.replace(/_view\d+$/, ''), kind: o.kind, color: idColor(o.id) });
  }
  return [...seen.values()].sort((a, b) => a.id - b.id);
}

export async function generateSampleProduction(outDir: string, options: SampleOptions = {}): Promise<SampleResult> {
  const t0 = performance.now();
  const W = options.width ?? DEFAULT_SIZE.width, H = options.height ?? DEFAULT_SIZE.height;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 32 || H < 32 || W > 4096 || H > 4096) {
    throw new Error(`sample: size must be between 32x32 and 4096x4096, got ${W}x${H}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`sample: seed must be an integer 0..4294967295, got ${seed}`);
  const shots = testShots(options.shotFrames ?? 24);
  const timings = { raycast: 0, paint: 0, other: 0 };
  const files: ManifestFile[] = [];
  const scenes: ManifestScene[] = [];
  const pending: Promise<void>[] = [];
  const paperSeed = seed * 7 + 3;
  const total = TRAIN_SCENES.reduce((n, s) => n + s.frames, 0) + shots.reduce((n, s) => n + s.frames, 0) + CONCEPT_ART.length + 2;
  let done = 0;
  const progress = (what: string) => options.onProgress?.(++done, total, what);

  prepareOutDir(outDir);

  const write = async (rel: string, data: Uint8Array | Uint16Array, w: number, h: number): Promise<void> => {
    pending.push(writePng(join(outDir, rel), data, w, h));
    // Bound the PNG encodes in flight (memory), while the next frame renders.
    if (pending.length >= 24) await Promise.all(pending.splice(0));
  };
  const render = (scene: Scene, w: number, h: number, prevScene?: Scene, prev?: GBuffer): GBuffer => {
    const t = performance.now();
    const g = raycast(scene, w, h, prevScene, prev);
    timings.raycast += (performance.now() - t) / 1000;
    return g;
  };
  const paint = (g: GBuffer, scene: Scene): Uint8Array => {
    const t = performance.now();
    const img = paintFrame(g, scene, { paperSeed });
    timings.paint += (performance.now() - t) / 1000;
    return img;
  };
  const sceneEntry = (spec: SequenceSpec, split: ManifestScene['split'], scene: Scene, characters: Set<string>, extra: Partial<ManifestScene> = {}): ManifestScene => ({
    name: spec.name, split, setting: spec.setting, light: spec.light, frames: spec.frames, continuous: split === 'test',
    ...(split === 'test' ? { fps: FPS } : {}), characters: [...characters].sort(), tags: spec.tags, ids: idTable(scene), ...extra,
  });

  /** Writes the rough frame and passes of one frame; returns their paths. */
  const writeRoughAndPasses = async (dir: string, name: string, frame: number, g: GBuffer, scene: Scene) => {
    const ids = scene.objects.map((o) => o.id);
    const rough = `${dir}/${seqName(`${name}_rough`, frame)}`;
    await write(rough, renderRough(g), W, H);
    const passes: Partial<Record<PassName, string>> = {};
    for (const pass of PASS_NAMES) {
      passes[pass] = `${dir}/${seqName(`${name}_${pass}`, frame)}`;
      await write(passes[pass]!, encodePass(g, pass, ids), W, H);
    }
    return { rough, passes };
  };
  const addFrameFiles = (
    scene: string, frame: number, tags: string[], chars: string[], rough: string, passes: Partial<Record<PassName, string>>,
    painted: { path: string; kind: 'paintover' | 'ground_truth'; rights: Rights } | null, keyframe?: string,
  ) => {
    const base = { scene, frame, width: W, height: H, characters: chars, tags };
    files.push({ ...base, path: rough, kind: 'rough', rights: CLEARED, passes, ...(painted ? { painted: painted.path } : {}), ...(keyframe ? { keyframe } : {}) });
    for (const pass of PASS_NAMES) {
      files.push({ ...base, path: passes[pass]!, kind: 'pass', pass, rights: CLEARED, rough, ...(painted ? { painted: painted.path } : {}) });
    }
    if (painted) files.push({ ...base, path: painted.path, kind: painted.kind, rights: painted.rights, rough, passes });
  };

  // 1. Paintover pairs from the training scenes.
  for (const spec of TRAIN_SCENES) {
    const dir = `train/${spec.name}`;
    const chars = new Set<string>();
    let last: Scene | null = null;
    for (let f = 0; f < spec.frames; f++) {
      const scene = buildScene(spec, f, seed);
      const g = render(scene, W, H);
      const visible = visibleCharacters(g, scene);
      visible.forEach((c) => chars.add(c));
      const { rough, passes } = await writeRoughAndPasses(dir, spec.name, f, g, scene);
      const painted = `${dir}/${seqName(`${spec.name}_paint`, f)}`;
      await write(painted, paint(g, scene), W, H);
      addFrameFiles(spec.name, f, spec.tags, visible, rough, passes, { path: painted, kind: 'paintover', rights: CLEARED });
      last = scene;
      progress(`${spec.name} ${f}`);
    }
    scenes.push(sceneEntry(spec, 'train', last!, chars));
  }

  // 2. Held-out test shots: rough + passes for every frame, painted ground truth, painted keyframes.
  for (const spec of shots) {
    const dir = `test/${spec.name}`;
    const chars = new Set<string>();
    const keyframes = [0, spec.frames - 1];
    let prev: GBuffer | undefined;
    let last: Scene | null = null;
    for (let f = 0; f < spec.frames; f++) {
      const scene = buildScene(spec, f, seed);
      const prevScene = buildScene(spec, f - 1, seed);
      const g = render(scene, W, H, prevScene, prev);
      const visible = visibleCharacters(g, scene);
      visible.forEach((c) => chars.add(c));
      const { rough, passes } = await writeRoughAndPasses(dir, spec.name, f, g, scene);
      const img = paint(g, scene);
      const gt = `${dir}/${seqName(`${spec.name}_gt`, f)}`;
      await write(gt, img, W, H);
      let key: string | undefined;
      if (keyframes.includes(f)) {
        key = `${dir}/${seqName(`${spec.name}_key`, f)}`;
        await write(key, img, W, H);
      }
      addFrameFiles(spec.name, f, spec.tags, visible, rough, passes, { path: gt, kind: 'ground_truth', rights: HELD_OUT }, key);
      if (key) files.push({ path: key, kind: 'keyframe', scene: spec.name, frame: f, width: W, height: H, characters: visible, tags: [...spec.tags, 'keyframe'], rights: CLEARED, rough, passes });
      prev = g;
      last = scene;
      progress(`${spec.name} ${f}`);
    }
    scenes.push(sceneEntry(spec, 'test', last!, chars, { keyframes }));
  }

  // 3. Concept art: painted only.
  for (const spec of CONCEPT_ART) {
    const scene = buildScene(spec, 0, seed);
    const g = render(scene, W, H);
    const visible = visibleCharacters(g, scene);
    const path = `concept/${seqName(spec.name, 0)}`;
    await write(path, paint(g, scene), W, H);
    files.push({ path, kind: 'concept', scene: spec.name, frame: 0, width: W, height: H, characters: visible, tags: spec.tags, rights: CLEARED });
    scenes.push(sceneEntry(spec, 'concept', scene, new Set(visible)));
    progress(spec.name);
  }

  // 4. Character sheets: turnarounds, twice as wide as a frame.
  const characters: SampleManifest['characters'] = [];
  for (const name of Object.keys(CHARACTER_IDS) as CharacterName[]) {
    const scene = characterSheetScene(name, seed, (W * 2) / H);
    const g = render(scene, W * 2, H);
    const path = `characters/${name}/${seqName(`${name}_turnaround`, 0)}`;
    await write(path, paint(g, scene), W * 2, H);
    // Tied to its character twice: the asset's characters list, and a character:<name> tag to select on.
    const tags = ['character_sheet', `character:${name}`, 'turnaround', 'front', 'three_quarter', 'side', 'back'];
    files.push({ path, kind: 'character_sheet', scene: `${name}_turnaround`, frame: 0, width: W * 2, height: H, characters: [name], tags, rights: CLEARED });
    scenes.push({
      name: `${name}_turnaround`, split: 'character_sheet', setting: 'studio', light: 'studio', frames: 1, continuous: false,
      characters: [name], tags, ids: idTable(scene),
    });
    characters.push({ name, displayName: CHARACTER_INFO[name].displayName, id: CHARACTER_IDS[name], idColor: idColor(CHARACTER_IDS[name]), description: CHARACTER_INFO[name].description, sheet: path });
    progress(`${name} sheet`);
  }
  await Promise.all(pending.splice(0));

  // 5. Previews for people: rough | passes | painted of the training pairs, and a test shot strip.
  if (options.preview ?? true) {
    const byRough = files.filter((f) => f.kind === 'paintover');
    const rows = byRough.filter((_, i) => i % 3 === 0).map((p) => [p.rough!, ...PASS_NAMES.map((n) => p.passes![n]!), p.path]);
    const sheet = 'preview/contact_sheet.png';
    const dims = await writeContactSheet(rows.map((r) => r.map((x) => join(outDir, x))), join(outDir, sheet), Math.min(W, 256), Math.min(H, 256));
    files.push({ path: sheet, kind: 'preview', scene: 'train', frame: 0, ...dims, characters: [], tags: ['preview'], rights: { ...CLEARED, cleared_for_training: false } });
    const shot = shots[0]!;
    const frames = [0, 1, 2, 3, Math.floor(shot.frames / 2), shot.frames - 1].filter((f, i, a) => f < shot.frames && a.indexOf(f) === i);
    const strip = `preview/${shot.name}_strip.png`;
    const dims2 = await writeContactSheet(
      [frames.map((f) => join(outDir, `test/${shot.name}/${seqName(`${shot.name}_rough`, f)}`)), frames.map((f) => join(outDir, `test/${shot.name}/${seqName(`${shot.name}_gt`, f)}`))],
      join(outDir, strip), Math.min(W, 256), Math.min(H, 256),
    );
    files.push({ path: strip, kind: 'preview', scene: shot.name, frame: 0, ...dims2, characters: [], tags: ['preview', 'contains_held_out'], rights: HELD_OUT });
  }

  const manifest: SampleManifest = {
    format: 'atelier-sample-production', version: 1, generator: SAMPLE_GENERATOR, title: 'Mira & Pip - Atelier sample production', seed, width: W, height: H,
    rights: CLEARED, characters, passes: PASS_ENCODINGS, scenes, files,
  };
  const manifestPath = join(outDir, 'manifest.json');
  writeFileAtomic(manifestPath, new TextEncoder().encode(JSON.stringify(manifest, null, 1) + '\n'));
  const seconds = (performance.now() - t0) / 1000;
  timings.other = Math.max(0, seconds - timings.raycast - timings.paint);
  return { outDir, manifestPath, manifest, files: files.length + 1, seconds, timings };
}
