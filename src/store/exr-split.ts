// Multi-layer and multi-part EXR frames of a shot, split into one file per layer before ingest:
// the beauty (R G B A, its colour space named in the header) becomes the rough frame and each
// selected layer a render pass (data, colour space Raw), pixel types kept, ZIP (lossless). Every
// channel of the frame is decoded first, so a truncated or corrupt frame is rejected with
// OpenEXR's reason. The split files are deterministic, so re-imports store nothing new.
import { basename, join } from 'node:path';
import { exrParts, decodeAllExr, readExrChannels, writeExrFile, ExrError } from '../data/exr-file.js';
import { selectExrLayer } from '../data/exr-layers.js';
import { isColourLayer, isLuminanceLayer } from '../data/exr-read.js';
import { exrDeclaredSpace, chromaticitiesOf } from '../data/exr-colour.js';
import { colourSpace, findColourSpace, type ColourContext } from '../data/colour.js';

export interface SplitFrame { file: string; origin: { sourcePath: string; originalName: string } }
export interface SplitResult {
  rough: Map<number, SplitFrame>;
  passes: Map<string, Map<number, SplitFrame>>;
  rejected: { frame: number; file: string; reason: string }[];
  /** The first frame's time code from its header, if any. */
  timeCode: [number, number, number, number] | null;
}

export interface SplitOptions {
  /** The beauty layer (default: "beauty", else the default layer); null: no rough frame (passes only). */
  layer?: string | null;
  /** pass name -> layer selector (depth -> "Z", motion -> "motion"). */
  passes?: Record<string, string>;
  colour: ColourContext;
  /** The frames' colour space when the files do not say (the shot's --color-space). */
  colourSpace?: string | null;
}

export function splitExrFrames(frames: Map<number, string>, outDir: string, o: SplitOptions): SplitResult {
  const out: SplitResult = { rough: new Map(), passes: new Map(), rejected: [], timeCode: null };
  const cfg = o.colour.config;
  const dataSpace = findColourSpace(cfg, 'data') ?? findColourSpace(cfg, 'Raw');
  for (const name of Object.keys(o.passes ?? {})) out.passes.set(name, new Map());
  for (const [frame, file] of frames) {
    try {
      const parts = exrParts(file);
      decodeAllExr(file, parts);
      if (out.timeCode === null && parts[0]!.timeCode) out.timeCode = parts[0]!.timeCode;
      const jobs: { key: string | null; selector: string | undefined }[] = [];
      if (o.layer !== null) jobs.push({ key: null, selector: o.layer });
      for (const [name, sel] of Object.entries(o.passes ?? {})) jobs.push({ key: name, selector: sel });
      const written: [string | null, SplitFrame][] = [];
      for (const job of jobs) {
        const layer = selectExrLayer(file, parts, job.selector);
        const part = parts[layer.part]!;
        // The beauty is a picture: R G B, or Y (a grey render or scan), with or without A.
        const grey = job.key === null && isLuminanceLayer(layer);
        const colour = job.key === null && (isColourLayer(layer) || grey);
        if (job.key === null && !colour) throw new ExrError(file, `the beauty layer "${layer.name || '(default)'}" has neither R, G, B nor Y channels (it has ${layer.short.join(' ')})`, false);
        const alpha = layer.short.includes('A') ? ['A'] : [];
        const order = grey ? ['Y', ...alpha] : colour ? ['R', 'G', 'B', ...alpha] : layer.short;
        const full = order.map((s) => layer.channels[layer.short.indexOf(s)]!);
        const planes = readExrChannels(file, part, full);
        const types = full.map((n) => (part.channels.find((c) => c.name === n)!.type === 'half' ? 'half' as const : 'float' as const));
        const space = colour
          ? (o.colourSpace ? colourSpace(cfg, o.colourSpace) : exrDeclaredSpace(cfg, part) ?? colourSpace(cfg, o.colour.exr ?? 'ACEScg'))
          : dataSpace;
        const target = join(outDir, `${job.key ?? 'rough'}.${frame}.exr`);
        writeExrFile(target, [{
          width: part.width, height: part.height, compression: 'zip',
          channels: order.map((s, i) => ({ name: s, type: types[i]!, data: planes[i]! })),
          attributes: { ...(space ? { colorSpace: space } : {}), 'atelier:layer': layer.name || '(default)' },
          chromaticities: space && colour ? chromaticitiesOf(space) : null,
          timeCode: part.timeCode,
        }]);
        written.push([job.key, { file: target, origin: { sourcePath: file, originalName: `${basename(file)}#${layer.name || '(default)'}` } }]);
      }
      for (const [key, f] of written) (key === null ? out.rough : out.passes.get(key)!).set(frame, f);
    } catch (err) {
      out.rejected.push({ frame, file, reason: err instanceof ExrError ? err.reason : (err as Error).message });
    }
  }
  return out;
}
