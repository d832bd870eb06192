// Loads the image addon (build/Release/atelier_image.node: OpenEXR and OpenColorIO) on first use,
// with one error that says how to fix a missing build. Callers above check every argument first.
import { loadAddon } from '../util/native-addons.js';

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

let addon: ImageAddon | null = null;

export function imageNative(): ImageAddon {
  if (addon) return addon;
  addon = loadAddon<ImageAddon>('atelier_image', 'the image addon (OpenEXR, OpenColorIO)',
    'Run `npm run setup` (installs libopenexr-dev and libopencolorio-dev and builds the addon).');
  return addon;
}
