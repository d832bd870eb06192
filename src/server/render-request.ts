// The dailies' render request (POST /api/jobs/render): every option `atelier render` has, as JSON
// (the matte, and the preview movie's codec and burn-ins, included).
// The schema refuses wrong types and values (400 invalid_request); renderInputOf turns a body into
// the render job's input as the CLI's flags do; the render description's own checks (range, model,
// passes, format and colour space, upscaler) then run on the server before the job is queued.
import { DatabaseUnavailableError, type Production } from '../store/index.js';
import { checkRenderShotInput, type RenderShotInput } from '../jobs/run-jobs.js';
import type { CoherenceChoice } from '../render/coherence.js';
import { MOVIE_CODECS, type MovieCodec } from '../render/movie.js';
import { DEFAULT_TILING, type TilingOptions } from '../models/look/stylize.js';
import type { RenderDescription } from '../render/render-description.js';
import { badRequest } from './errors.js';
import type { Schema } from './route.js';
import { SHOT_NAME } from './routes/shots.js';

const int = (minimum: number, maximum = 2147483647): Schema => ({ type: 'integer', minimum, maximum });

export const RENDER_BODY: Schema = {
  type: 'object', additionalProperties: false, required: ['shot'],
  properties: {
    shot: SHOT_NAME,
    modelVersion: { ...int(1), description: 'a look model version; default: the shot\'s default look model, as `atelier render` picks it' },
    frameStart: { type: 'integer' }, frameEnd: { type: 'integer' },
    priority: { ...int(1, 2097152), description: 'on a farm: 1 runs first (default 1000)' },
    quality: { type: 'string', enum: ['preview', 'final'], description: 'final adds the production\'s brush strokes (slower)' },
    bits: { type: 'integer', enum: [8, 16], description: 'PNG depth (default 8)' },
    format: { type: 'string', enum: ['png', 'exr'], description: 'png (default) or exr: half float in the output colour space' },
    colorSpace: { type: 'string', minLength: 1, maxLength: 200, description: 'the frames\' colour space (exr default: the production\'s exr_color_space; png default: its image_color_space)' },
    matte: { type: 'string', minLength: 1, maxLength: 200, description: 'a pass of the shot that becomes the frames\' alpha' },
    movie: {
      description: 'false writes no preview movie; else its codec (default h264) and burn-ins (shot, version, frame, timecode)',
      anyOf: [
        { type: 'boolean', enum: [false] },
        { type: 'object', additionalProperties: false, properties: { codec: { type: 'string', enum: [...MOVIE_CODECS] }, burnIn: { type: 'boolean' } } },
      ],
    },
    coherence: {
      description: 'false renders every frame on its own; else the flow-guided blend\'s window and where its motion comes from',
      anyOf: [
        { type: 'boolean', enum: [false] },
        { type: 'object', additionalProperties: false, properties: { window: int(0, 64), flow: { type: 'string', enum: ['dis', 'motion'] } } },
      ],
    },
    lookWidth: { ...int(0, 16384), description: 'as --look-width: the look model runs on wider frames downscaled; 0 at full size' },
    tiling: {
      type: 'object', additionalProperties: false, description: 'as --tile, --tile-overlap, --tile-above',
      properties: { tile: int(0, 16384), overlap: int(0, 8192), above: int(0) },
    },
    upscale: {
      type: 'object', additionalProperties: false, description: 'as --scale, --upscaler, --upscale-passes: an upscaler version or the newest of a scale',
      properties: { scale: { type: 'integer', enum: [2, 4] }, model: int(1), passes: { type: 'integer', enum: [1, 8] } },
    },
  },
};

export interface RenderBody {
  shot: string; modelVersion?: number; frameStart?: number; frameEnd?: number; priority?: number;
  quality?: 'preview' | 'final'; bits?: 8 | 16; format?: 'png' | 'exr'; colorSpace?: string; matte?: string;
  movie?: false | { codec?: MovieCodec; burnIn?: boolean };
  coherence?: false | CoherenceChoice;
  tiling?: { tile?: number; overlap?: number; above?: number };
  lookWidth?: number;
  upscale?: { scale?: 2 | 4; model?: number; passes?: 1 | 8 };
}

/** Tiling as --tile, --tile-overlap and --tile-above give it: a tile alone tiles every frame, tile 0 never. */
function tilingOf(t: NonNullable<RenderBody['tiling']>): TilingOptions {
  if (t.tile !== undefined && t.tile > 0 && t.tile < 64) throw badRequest(`tiling.tile must be 0 (never tile) or at least 64 pixels, got ${t.tile}`);
  if (t.tile === 0) return { tileAbove: Number.MAX_SAFE_INTEGER };
  const out: TilingOptions = {};
  if (t.tile !== undefined) { out.tile = t.tile; out.tileAbove = t.above ?? 0; } else if (t.above !== undefined) out.tileAbove = t.above;
  // The default overlap counts too: tiles that cannot advance would fail only once the job runs.
  const overlap = t.overlap ?? DEFAULT_TILING.overlap;
  if (t.tile !== undefined && overlap * 2 >= t.tile) throw badRequest(`tiling.overlap ${overlap}${t.overlap === undefined ? ' (the default)' : ''} must be less than half the tile (${t.tile})`);
  if (t.overlap !== undefined) out.overlap = t.overlap;
  return out;
}

/** false: frame by frame; else the body's window and flow are the choice the render resolves on the shot, as the CLI's flags. */
const coherenceOf = (c: RenderBody['coherence']): CoherenceChoice | null | undefined => (c === false ? null : c);

/** The render job's input for a request body (the schema has checked the types). */
export function renderInputOf(productionDir: string, shotRange: [number, number], b: RenderBody): RenderShotInput & { shotRange: [number, number]; priority?: number } {
  const range: [number, number] = [b.frameStart ?? shotRange[0], b.frameEnd ?? shotRange[1]];
  const coherence = coherenceOf(b.coherence);
  if (b.upscale && b.upscale.scale === undefined && b.upscale.model === undefined) throw badRequest('upscale needs a scale (the newest upscaler of it) or an upscaler model version');
  return {
    productionDir, shot: b.shot, range, shotRange, ...(b.modelVersion !== undefined ? { modelVersion: b.modelVersion } : {}),
    ...(b.quality ? { quality: b.quality } : {}), ...(b.bits ? { bits: b.bits } : {}), ...(b.format ? { format: b.format } : {}), ...(b.colorSpace !== undefined ? { colorSpace: b.colorSpace } : {}),
    ...(b.matte !== undefined ? { matte: b.matte } : {}),
    ...(b.movie === false ? { movie: false } : b.movie ? { ...(b.movie.codec ? { codec: b.movie.codec } : {}), ...(b.movie.burnIn ? { burnIn: true } : {}) } : {}),
    ...(coherence !== undefined ? { coherence } : {}), ...(b.tiling ? { tiling: tilingOf(b.tiling) } : {}),
    ...(b.lookWidth !== undefined ? { lookWidth: b.lookWidth } : {}),
    ...(b.upscale ? { upscale: { ...(b.upscale.model !== undefined ? { model: String(b.upscale.model) } : {}), ...(b.upscale.scale ? { scale: b.upscale.scale } : {}), passes: b.upscale.passes ?? 8 } } : {}),
    ...(b.priority ? { priority: b.priority } : {}),
  };
}

/** The render description's checks on a job input, before it is queued: a refusal is a 400 naming the problem. */
export async function checkRenderInput(prod: Production, input: RenderShotInput): Promise<Omit<RenderDescription, 'outDir'>> {
  try {
    return await checkRenderShotInput(prod, input);
  } catch (err) {
    // A missing shot or model is a 404 (errors.ts); a database away is the server's trouble.
    if (err instanceof DatabaseUnavailableError || /^no (model version|shot)\b/i.test((err as Error).message)) throw err;
    throw badRequest((err as Error).message);
  }
}
