// Loads the image addon (build/Release/atelier_image.node: OpenEXR and OpenColorIO) on first use,
// with one error that says how to fix a missing build. Callers above check every argument first.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

export interface NativeExrChannel { name: string; type: 'half' | 'float' | 'uint' | 'unknown'; xSampling: number; ySampling: number }
export interface NativeExrPart {
  name: string | null;
  type: string;
  tiled: boolean;
  deep: boolean;
  dataWindow: [number, number, number, number];
  displayWindow: [number, number, number, number];
  compression: string;
  channels: NativeExrChannel[];
  attributes: Record<string, string>;
  chromaticities: number[] | null;
  timeCode: [number, number, number, number] | null;
}
export interface NativeExrWritePart {
  name: string;
  width: number;
  height: number;
  compression: string;
  channels: { name: string; type: 'half' | 'float'; data: Float32Array }[];
  attributes: Record<string, string>;
  chromaticities: number[] | null;
  timeCode: [number, number, number, number] | null;
}
export type NativeOcioConfig = { path: string } | { text: string };
export interface NativeOcioInfo {
  colorSpaces: { name: string; aliases: string[]; family: string; isData: boolean }[];
  roles: Record<string, string>;
  displays: Record<string, string[]>;
}

interface ImageAddon {
  exrInfo(path: string): { parts: NativeExrPart[] };
  exrRead(path: string, part: number, names: string[]): Float32Array[];
  exrWrite(path: string, parts: NativeExrWritePart[]): void;
  ocioInfo(config: NativeOcioConfig): NativeOcioInfo;
  ocioApply(config: NativeOcioConfig, how: { src: string; dst: string } | { src: string; display: string; view: string }, planes: Float32Array[], width: number, height: number): void;
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('atelier: cannot locate the repository root (binding.gyp) from ' + fileURLToPath(import.meta.url));
}

let addon: ImageAddon | null = null;

export function imageNative(): ImageAddon {
  if (addon) return addon;
  const path = join(repoRoot(), 'build', 'Release', 'atelier_image.node');
  try {
    addon = createRequire(import.meta.url)(path) as ImageAddon;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`atelier: the image addon (OpenEXR, OpenColorIO) could not be loaded from ${path} (${why}). ` +
      'Run `npm run setup` (installs libopenexr-dev and libopencolorio-dev and builds the addon).');
  }
  return addon;
}
