// atelier compare <a> <b>: look at two renderings of a shot at 100%, ground truth | a | b, with the
// figures that say whether the texture is there (PSNR, texture SWD, high-frequency ratio per crop).
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as E from '../../engine/index.js';
import { printResult } from '../output.js';
import { common, integer, withProduction, table, type CommonOpts, DEVICE_OPTION } from './store-common.js';
import { resolveLookModel } from '../../jobs/model-ref.js';
import { stylizeFile } from '../../models/look/stylize.js';
import type { LookModel } from '../../models/look/model-file.js';
import { writeSheet } from '../../models/look/sheet.js';
import { loadImage } from '../../data/image-io.js';
import { parseFrameList, type Production, type Shot } from '../../store/index.js';
import { isSequencePattern, parseSequencePattern, framePath as patternFrame } from '../../store/sequence-pattern.js';
import { detailWindow, cropWindow, cropFigures, type CropWindow, type CropFigures } from '../../metrics/index.js';

/** A side of the comparison: a look model (rendered here, frame by frame) or a folder of rendered frames. */
type Side =
  | { kind: 'model'; label: string; model: LookModel; version: number | null; path: string }
  | { kind: 'renders'; label: string; dir: string };

async function resolveSide(prod: Production, shot: Shot, ref: string): Promise<Side> {
  // A render version folder: a path, or vNNN under renders/<shot>.
  const asVersion = /^v\d+$/.test(ref) ? join(prod.dir, 'renders', shot.name, ref) : null;
  for (const dir of [asVersion, resolve(ref)]) {
    if (dir && existsSync(dir) && statSync(dir).isDirectory()) return { kind: 'renders', label: ref, dir };
  }
  if (asVersion) throw new Error(`no render version ${ref} of shot ${shot.name} (looked in ${asVersion})`);
  if (/^\d+$/.test(ref) || existsSync(ref)) {
    const { model, version, path } = await resolveLookModel(prod, ref);
    return { kind: 'model', label: version !== null ? `#${version}` : ref, model, version, path };
  }
  throw new Error(`"${ref}" is neither a model version number, a model file, a render version (v001) of shot ${shot.name}, nor a folder of rendered frames`);
}

async function sideFrame(side: Side, shot: Shot, frame: number): Promise<E.Tensor> {
  const f = shot.frames.find((x) => x.frame === frame)!;
  if (side.kind === 'model') {
    const passes = Object.fromEntries(Object.entries(f.passes).map(([k, a]) => [k, a.path]));
    return stylizeFile(side.model, f.rough!.path, side.model.config.guides.length ? passes : null);
  }
  const file = join(side.dir, `${shot.name}.${String(frame).padStart(4, '0')}.png`);
  if (!existsSync(file)) throw new Error(`${side.dir} has no frame ${frame} of shot ${shot.name} (${file})`);
  return (await loadImage(file, 3)).tensor;
}

/** Frames to show: the given list/range, else three spread over the shot (first, middle, last but one). */
function pickFrames(shot: Shot, spec: string | undefined): number[] {
  const have = new Set(shot.frames.filter((f) => f.rough).map((f) => f.frame));
  let frames: number[];
  if (spec) {
    frames = parseFrameList(spec);
    const missing = frames.filter((n) => !have.has(n));
    if (missing.length) throw new Error(`shot ${shot.name} (${shot.range[0]}-${shot.range[1]}) has no rough frame ${missing.join(', ')}`);
  } else {
    const all = [...have].sort((a, b) => a - b);
    frames = [...new Set([all[1] ?? all[0]!, all[Math.floor(all.length / 2)]!, all[Math.max(0, all.length - 2)]!])];
  }
  return frames;
}

export interface CompareRow {
  frame: number;
  /** Where the ground truth came from: a painted keyframe of the shot, the --gt sequence, or none. */
  groundTruth: 'keyframe' | 'sequence' | null;
  crop: CropWindow;
  a: CropFigures | null;
  b: CropFigures | null;
}

export function registerCompare(program: Command): void {
  common(program.command('compare')
    .description('Compare two look models or two renders of a shot at 100%: a PNG sheet of crops, ground truth | a | b, with PSNR, texture SWD and high-frequency ratio per crop.')
    .argument('<a>', 'model version number or file, or a render version of the shot (v001, or a folder of <shot>.####.png)')
    .argument('<b>', 'the same kinds as <a>')
    .requiredOption('--shot <name>', 'the shot (see `atelier shot ls`)')
    .option('--frames <list>', 'frames, e.g. 12 or 5,12,20 or 4-8 (default: three spread over the shot)')
    .option('--gt <pattern>', 'painted ground truth as a frame sequence, e.g. sample/test/sh010/sh010_gt.####.png (default: the shot\'s painted keyframes, where there is one)')
    .option(...DEVICE_OPTION)
    .option('--crop <px>', 'crop size in pixels (square; default 128)', integer)
    .option('-o, --output <file>', 'the sheet (default: compare-<shot>-<a>-<b>.png in the current folder)'))
    .addHelpText('after', `
Each row is one frame, at 100% (no scaling): ground truth | a | b when the frame has painted ground
truth, else a | b. The crop is the window of the ground truth (else of a) with the most fine detail.
A model is rendered here frame by frame (no temporal blending); a render folder is read as it is.
Figures per crop, against the ground truth: psnr (dB, higher is closer), texture_swd (sliced
Wasserstein distance of 7x7 patches of the luma high-pass band, lower is closer) and hf_ratio
(high-pass variance of the crop / of the ground truth; 1 = as much fine texture as the painting).

Examples:
  atelier compare 3 5 --shot sh010 --gt sample/test/sh010/sh010_gt.####.png
  atelier compare v001 v002 --shot sh010 --frames 0,23
  atelier compare 1 runs/keys-sh010/model.safetensors --shot sh010 --frames 0-3 --json`)
    .action(async (aRef: string, bRef: string, o: CommonOpts & { shot: string; frames?: string; gt?: string; crop?: number; output?: string }) => {
      const size = o.crop ?? 128;
      if (size < 8) throw new Error(`--crop must be at least 8 pixels, got ${size}`);
      if (o.gt && !isSequencePattern(o.gt)) throw new Error(`--gt takes a frame sequence pattern with #### for the frame number, got "${o.gt}"`);
      const gtPattern = o.gt ? parseSequencePattern(resolve(o.gt)) : null;
      const r = await withProduction(o, async (prod) => {
        const shot = await prod.shot(o.shot).catch((err: Error) => { throw new Error(`${err.message} (see \`atelier shot ls\`)`); });
        const frames = pickFrames(shot, o.frames);
        const sides: Side[] = [];
        try {
          for (const ref of [aRef, bRef]) sides.push(await resolveSide(prod, shot, ref));
          const rows: CompareRow[] = [];
          const cells: E.Tensor[][] = [];
          for (const frame of frames) {
            const f = shot.frames.find((x) => x.frame === frame)!;
            let gt: E.Tensor | null = null;
            let source: CompareRow['groundTruth'] = null;
            if (gtPattern) {
              const file = patternFrame(gtPattern, frame);
              if (!existsSync(file)) throw new Error(`no ground truth for frame ${frame}: ${file} does not exist`);
              gt = (await loadImage(file, 3)).tensor; source = 'sequence';
            } else if (f.keyframe) {
              gt = (await loadImage(f.keyframe.path, 3)).tensor; source = 'keyframe';
            }
            const [a, b] = [await sideFrame(sides[0]!, shot, frame), await sideFrame(sides[1]!, shot, frame)];
            for (const [t, what] of [[b, bRef], [gt, 'the ground truth']] as const) {
              if (t && (t.size(2) !== a.size(2) || t.size(3) !== a.size(3))) throw new Error(`frame ${frame}: ${what} is ${t.size(3)}x${t.size(2)}, ${aRef} is ${a.size(3)}x${a.size(2)}`);
            }
            const win = detailWindow(gt ?? a, size);
            const [ca, cb] = [cropWindow(a, win), cropWindow(b, win)];
            const cg = gt ? cropWindow(gt, win) : null;
            rows.push({ frame, groundTruth: source, crop: win, a: cg ? cropFigures(ca, cg) : null, b: cg ? cropFigures(cb, cg) : null });
            cells.push(cg ? [cg, ca, cb] : [ca, cb]);
            E.disposeAll([a, b, ...(gt ? [gt] : [])]);
          }
          const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/\.safetensors$/, '');
          const output = resolve(o.output ?? `compare-${shot.name}-${safe(sides[0]!.label)}-${safe(sides[1]!.label)}.png`);
          await writeSheet(output, cells);
          E.disposeAll(cells.flat());
          const mean = (k: 'a' | 'b') => {
            const xs = rows.map((x) => x[k]).filter((x): x is CropFigures => x !== null);
            if (!xs.length) return null;
            const avg = (f: keyof CropFigures) => +(xs.reduce((s, x) => s + x[f], 0) / xs.length).toFixed(4);
            return { psnr: avg('psnr'), texture_swd: avg('texture_swd'), hf_ratio: avg('hf_ratio') };
          };
          return {
            shot: shot.name, a: sides[0]!.label, b: sides[1]!.label, output, columns: rows.some((x) => x.groundTruth) ? ['ground_truth', 'a', 'b'] : ['a', 'b'],
            crop: size, frames: rows, mean: { a: mean('a'), b: mean('b') },
          };
        } finally {
          for (const s of sides) if (s.kind === 'model') s.model.generator.dispose();
        }
      });
      const fig = (x: CropFigures | null) => (x ? [x.psnr.toFixed(2), x.texture_swd.toFixed(4), x.hf_ratio.toFixed(3)] : ['-', '-', '-']);
      printResult(!!o.json, r, () => {
        const head = ['frame', 'gt', `${r.a} psnr`, 'tex_swd', 'hf', `${r.b} psnr`, 'tex_swd', 'hf'];
        const lines = r.frames.map((x) => [String(x.frame), x.groundTruth ?? 'none', ...fig(x.a), ...fig(x.b)]);
        const note = r.frames.some((x) => x.groundTruth) ? '' : '\nno painted ground truth for these frames (give --gt PATTERN): figures need one';
        return `${r.output} (${r.columns.join(' | ')}, ${r.crop}px crops at 100%)\n${table([head, ...lines])}${note}`;
      });
    });
}
