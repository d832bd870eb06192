// atelier stylize: one still through a look model, for layouts and concept frames.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, extname, join, dirname, resolve } from 'node:path';
import { printResult } from '../output.js';
import { collect, openProductionForModel, DEVICE_OPTION } from './store-common.js';
import { sha256File, type Production } from '../../store/index.js';
import { resolveLookModel } from '../../jobs/model-ref.js';
import { stylizeStill } from '../../synth/stylize-still.js';
import { saveImage } from '../../data/image-io.js';
import { defaultColourContext, type ColourContext } from '../../data/colour.js';
import { convertTensor, workingToImage } from '../../data/working-space.js';
import { outputSpace } from '../../render/frame-io.js';
import { productionColour } from '../../store/colour-settings.js';
import { checkModelWorkingSpace, type LookModel } from '../../models/look/model-file.js';

/** Outside a production: the built-in config, working in the space the model was trained in. */
function modelColour(model: LookModel): ColourContext {
  return { ...defaultColourContext(), working: model.workingSpace };
}
import { exemplarBank } from '../../synth/exemplar-bank.js';
import { tilingOptions, parseTiling, type TilingFlags } from './tiling-options.js';

function parsePasses(list: string[] | undefined): Record<string, string> | null {
  if (!list?.length) return null;
  const out: Record<string, string> = {};
  for (const item of list) {
    const m = /^([A-Za-z0-9][A-Za-z0-9_.-]*)=(.+)$/.exec(item);
    if (!m) throw new Error(`--pass takes NAME=FILE (e.g. normal=frame.normal.png), got "${item}"`);
    if (!existsSync(m[2]!)) throw new Error(`render pass file ${m[2]} does not exist`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

export function registerStylize(program: Command): void {
  tilingOptions(program.command('stylize'))
    .description('Stylize one image with a look model.')
    .argument('<image>', 'rough frame, layout or concept still (PNG, JPEG, TIFF, WebP)')
    .option('--model <version|file>', 'model version number or .safetensors file (default: the production\'s newest look model)')
    .option(...DEVICE_OPTION)
    .option('--pass <name=file>', 'render pass for a guide the model uses (repeatable); without passes the model runs without guides', collect)
    .option('-o, --output <file>', 'output PNG (default: <image>.stylized.png next to the image)')
    .option('--bits <n>', '8 or 16-bit PNG', '8')
    .option('--color-space <name>', 'the output\'s colour space (default: the production\'s image_color_space)')
    .option('--quality <q>', 'preview (the look model) or final (+ the production\'s brush strokes; needs a model version)', 'preview')
    .option('--production <dir>', 'the production (to find model versions and record lineage)')
    .option('--json', 'print one JSON document')
    .action(async (image: string, o: { model?: string; pass?: string[]; output?: string; bits: string; colorSpace?: string; production?: string; json?: boolean; quality: string } & TilingFlags) => {
      if (!existsSync(image)) throw new Error(`${image}: no such file`);
      if (o.bits !== '8' && o.bits !== '16') throw new Error(`--bits must be 8 or 16, got ${o.bits}`);
      if (o.quality !== 'preview' && o.quality !== 'final') throw new Error(`--quality must be preview or final, got ${o.quality}`);
      // A still is written as PNG: another name would hold PNG bytes under it (an .exr did).
      if (o.output !== undefined && extname(o.output).toLowerCase() !== '.png') throw new Error(`-o ${o.output}: stylize writes PNG stills; give a .png name (EXR frames come from \`atelier render --format exr\`)`);
      const passes = parsePasses(o.pass);
      let prod: Production | null = null;
      try {
        prod = await openProductionForModel(o.production, o.model);
        const { model, version, path } = await resolveLookModel(prod, o.model);
        const t0 = Date.now();
        if (o.quality === 'final' && (!prod || version === null)) throw new Error('--quality final takes strokes from the model version\'s painted training pairs: give a production and a model version');
        const exemplars = o.quality === 'final' ? await exemplarBank(prod!, version!, model) : undefined;
        // In the production's working space (a model file alone: its own, in the built-in config); written in the image space.
        const colour = prod ? await productionColour(prod) : modelColour(model);
        checkModelWorkingSpace(model, colour, version !== null ? `look model #${version}` : `look model ${path}`);
        const space = outputSpace(colour, 'png', o.colorSpace);
        const working = await stylizeStill(model, image, passes, parseTiling(o), { quality: o.quality, exemplars, colour });
        const out = space ? convertTensor(working, colour, colour.working, space) : workingToImage(working, colour);
        working.dispose();
        const target = resolve(o.output ?? join(dirname(image), `${basename(image, extname(image))}.stylized.png`));
        await saveImage(target, out, Number(o.bits) as 8 | 16);
        out.dispose();
        model.generator.dispose();
        let renderId: number | null = null;
        if (prod && version !== null) {
          const inputHashes: Record<string, string> = { rough: sha256File(image) };
          for (const [n, f] of Object.entries(passes ?? {})) inputHashes[n] = sha256File(f);
          renderId = await prod.recordRenderedFrame({ path: target, modelVersion: version, inputHashes, params: { command: 'stylize', guides: passes ? Object.keys(passes) : [], quality: o.quality, ...(space ? { colorSpace: space } : {}) } });
        }
        printResult(!!o.json, { output: target, model: version ?? path, seconds: (Date.now() - t0) / 1000, lineageRecord: renderId }, () =>
          `${target} (model ${version !== null ? '#' + version : path}, ${((Date.now() - t0) / 1000).toFixed(1)} s)${renderId !== null ? `; lineage: atelier lineage ${target}` : ''}`);
      } finally {
        await prod?.close();
      }
    });
}
