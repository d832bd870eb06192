// atelier render: a shot through a look model, as a new version of the shot's renders.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { printResult } from '../output.js';
import { ProgressBar, fmt } from '../progress.js';
import { common, integer, withProduction, type CommonOpts, DEVICE_OPTION } from './store-common.js';
import { describeRender, renderOptionsOf } from '../../render/render-description.js';
import { movieCodecFromFlags } from './movie-options.js';
import { renderShotFrames, writeShotMovie } from '../../render/render-shot.js';
import { formatFrames } from '../../store/sequence-pattern.js';
import { DEFAULT_COHERENCE, MOTION_COHERENCE } from '../../render/coherence.js';
import { LOOK_MAX_WIDTH } from '../../render/look-grid.js';
import { getModelVersion, parseFrameSpan } from '../../store/index.js';
import { renderOnFarm, bitsOrFormat } from './render-farm.js';
import { productionColour } from '../../store/colour-settings.js';
import { releaseIfEmpty } from '../../render/version-dir.js';
import { tilingOptions, parseTiling, type TilingFlags } from './tiling-options.js';
import { coherenceFromFlags, FLOW_HELP } from './coherence-options.js';
import { upscaleOptions, upscaleFromFlags, type UpscaleFlags } from './upscale-options.js';

export function registerRender(program: Command): void {
  common(upscaleOptions(tilingOptions(program.command('render')
    .description('Render a shot (or a frame range of it) in the production\'s look, temporally coherent.')
    .argument('<shot>', 'shot name (see `atelier shot ls`)')
    .option('--model <version|file>', 'look model (default: the newest of the production\'s look models and this shot\'s keyframe models from `atelier train keyframes <shot>`)')
    .option(...DEVICE_OPTION)
    .option('--frames <range>', 'frames to render, e.g. 1001-1048 or 12 (default: the whole shot); ranges render independently and match a whole render')
    .option('--output <dir>', 'version folder to write (default: the next renders/<shot>/vNNN); give an existing one with --resume or to add ranges')
    .option('--resume', 'keep frames already in the output folder and continue from the first missing one')
    .option('--no-coherence', 'render every frame on its own (no flow-guided blending)')
    .option('--window <n>', `previous frames blended into each frame (default ${DEFAULT_COHERENCE.window}; ${MOTION_COHERENCE.window} along a motion pass)`, integer)
    // No commander default: an absent --flow lets the shot's passes choose (coherence-options.ts).
    .option('--flow <source>', FLOW_HELP)
    .option('--bits <n>', '8 or 16-bit PNG frames', '8')
    .option('--format <f>', 'png (default) or exr: half-float EXR (ZIP) in the output colour space, with the rough frames\' alpha', 'png')
    .option('--color-space <name>', 'the frames\' colour space (EXR default: the production\'s exr_color_space setting, ACEScg; PNG default: its image_color_space)')
    .option('--matte <pass>', 'cut the frames out with this pass of the shot (a character matte): it becomes their alpha (PNG RGBA, straight colour; EXR premultiplied)')
    .option('--no-movie', 'do not write the preview movie')
    .option('--quality <q>', 'preview (the look model) or final (+ the production\'s brush strokes from its painted pairs, slower)', 'preview')
    .option('--look-width <px>', `the look model runs on wider frames downscaled to at most this width (a preview's blend too), brought back to full size (default ${LOOK_MAX_WIDTH}: half size at 1080p; a final's at most half); 0 runs it at full size`, integer)
    .option('--prores', 'preview movie as ProRes 422 HQ (<shot>.mov) instead of H.264 (<shot>.mp4)')
    .option('--prores4444', 'movie as ProRes 4444 with the frames\' alpha (<shot>.mov; with --format exr or --matte)')
    .option('--burn-in', 'burn the shot, version, frame number and timecode into the movie\'s picture (dailies)')
    .option('--farm', 'render on the farm: frame-range chunks as jobs for `atelier worker`s (needs --queue)')
    .option('--queue <url>', 'with --farm: the farm\'s Redis, redis://host:port (default: $ATELIER_QUEUE)')
    .option('--chunk <n>', 'with --farm: frames per chunk (default 8)', integer)
    .option('--priority <n>', 'with --farm: 1 runs first (default 1000)', integer)
    .option('--detach', 'with --farm: print the job id and return; the farm finishes the render'))))
    .addHelpText('after', `
Writes <shot>.####.png frames (--format exr: <shot>.####.exr, half float in the output colour space,
premultiplied alpha where the rough frames have alpha, the shot's timecode per frame; never a
half-written file under a final name), a lineage record per frame (with format and colour space), and coherence.json (per-frame warping error) in the version folder; then, once the folder
holds every frame of the shot, a preview movie <shot>.mp4 (H.264; --prores, --prores4444: <shot>.mov)
at the shot's fps, starting at the shot's timecode. A render of a sub-range writes the movie when it completes the folder, and says which
frames are missing otherwise. Frames above 2048x1152 pixels run through the model in tiles.

Examples:
  atelier render sq010_sh020
  atelier render sq010_sh020 --frames 1001-1024 --output renders/sq010_sh020/v003
  atelier render sq010_sh020 --model 7 --resume --output renders/sq010_sh020/v004
  atelier render sq010_sh020 --bits 16 --prores
  atelier render sq010_sh020 --format exr --color-space 'Linear Rec.709 (sRGB)'
  atelier render sq010_sh020 --format exr --matte char_matte --prores4444
  atelier render sq010_sh020 --model 7 --farm --chunk 8 --queue redis://farm:6379`)
    .action(async (shot: string, o: CommonOpts & { model?: string; frames?: string; output?: string; resume?: boolean; coherence: boolean; window?: number; flow?: string; bits: string; format: string; colorSpace?: string; matte?: string; movie: boolean; prores?: boolean; prores4444?: boolean; burnIn?: boolean; quality: 'preview' | 'final'; lookWidth?: number; farm?: boolean; queue?: string; chunk?: number; priority?: number; detach?: boolean } & TilingFlags & UpscaleFlags) => {
      if (o.bits !== '8' && o.bits !== '16') throw new Error(`--bits must be 8 or 16, got ${o.bits}`);
      if (o.format !== 'png' && o.format !== 'exr') throw new Error(`--format must be png or exr, got ${o.format}`);
      if (o.format === 'exr' && o.bits !== '8') throw new Error('--bits sets the PNG depth; EXR frames are half float (leave --bits out)');
      if (o.quality !== 'preview' && o.quality !== 'final') throw new Error(`--quality must be preview or final, got ${o.quality}`);
      const codec = movieCodecFromFlags(o);
      if (o.farm) {
        const range = o.frames ? parseFrameSpan(o.frames) : undefined;
        return renderOnFarm(shot, { ...o, bits: o.bits, format: o.format, range, codec });
      }
      const coherence = coherenceFromFlags(o); // bad flags fail before any work
      const upscale = upscaleFromFlags(o);
      if (o.queue || o.chunk !== undefined || o.detach || o.priority !== undefined) throw new Error('--queue, --chunk, --priority and --detach go with --farm');
      const r = await withProduction(o, async (prod) => {
        const range = o.frames ? parseFrameSpan(o.frames) : undefined;
        // One description (render-description.ts), checked and pinned before any work.
        const { description: d, model } = await describeRender(prod, {
          shot, range, model: o.model, ...bitsOrFormat(o), ...(o.matte !== undefined ? { matte: o.matte } : {}), coherence, quality: o.quality, tiling: parseTiling(o), upscale: upscale ?? null,
          ...(o.lookWidth !== undefined ? { lookWidth: o.lookWidth } : {}), outDir: o.output ? resolve(o.output) : undefined,
        });
        const version = d.modelVersion;
        try {
          const kind = version !== null ? (await getModelVersion(prod, version)).kind : null;
          const outDir = resolve(prod.dir, d.outDir);
          const bar = new ProgressBar(`render ${shot}`, 1, process.stderr, 'frame');
          const res = await renderShotFrames(prod, shot, model, version, {
            ...renderOptionsOf(d), outDir, resume: o.resume,
            onFrame: (done, total) => { bar.total = total; if (!o.json) bar.update(done); },
            onStatus: (message) => { if (!o.json) bar.update(0, message); },
          }).catch((err: unknown) => {
            if (!o.output) releaseIfEmpty(outDir); // a render refused before its first frame leaves no empty version
            throw err;
          });
          bar.done();
          let movie: string | null = null;
          let movieNote: string | null = null;
          if (o.movie) {
            const info = await prod.shot(shot);
            const mbar = new ProgressBar('movie', 1, process.stderr, 'frame');
            const m = await writeShotMovie(outDir, info, {
              codec, burnIn: !!o.burnIn, format: d.format, ...(d.colorSpace ? { colorSpace: d.colorSpace } : {}), colour: await productionColour(prod),
              onProgress: (done, total) => { mbar.total = total; if (!o.json) mbar.update(done); },
            });
            if (m.written) {
              mbar.done();
              movie = m.movie.path;
            } else {
              movieNote = `no movie yet: frames ${formatFrames(m.missing)} of ${info.range[0]}-${info.range[1]} are not in ${outDir} (render them with --output ${outDir})`;
            }
          }
          // What the blend followed: the shot's motion pass by default where every frame has one.
          const blend = d.coherence ? { flow: d.coherence.motion ? 'motion' : 'dis', window: d.coherence.window } : null;
          return { shot, model: version, modelKind: kind, quality: d.quality, outDir, frames: res.frames.length, skipped: res.skipped, seconds: res.seconds, blend, movie, movieNote };
        } finally {
          model.generator.dispose();
        }
      });
      const by = r.model !== null ? ` with model #${r.model}${r.modelKind === 'look-keyframes' ? ` (keyframes of ${shot})` : ''}` : '';
      const blended = r.blend && r.blend.window > 0 ? `, blended over ${r.blend.window} frames along ${r.blend.flow === 'motion' ? 'the motion pass' : 'optical flow'}` : ', frame by frame';
      printResult(!!o.json, r, () => `${r.frames} frame${r.frames === 1 ? '' : 's'} of ${shot}${by} in ${r.outDir} (${fmt(r.seconds)}${blended})${r.skipped ? `, ${r.skipped} already there` : ''}`
        + (r.movie ? `\nmovie: ${r.movie}` : '') + (r.movieNote ? `\n${r.movieNote}` : '')
        // The default is the fast look; a keyframe model's alone is a soft draft of its paintings.
        + (r.quality === 'preview' && r.model !== null ? `\npreview: the look model alone; --quality final paints with the strokes of ${r.modelKind === 'look-keyframes' ? 'the shot\'s keyframes' : 'the production\'s paintovers'}` : ''));
    });
}
