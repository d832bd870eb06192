// A render's frames in and out, in the production's colours. In: the rough frame converted by OCIO
// from its colour space (the shot's, else the file's own, else the production's defaults) into the
// working space, with its alpha where the output carries it, or a matte (a pass) as its alpha. Out:
// PNG (8/16-bit, in the image colour space or a chosen one; opaque, the bytes renders have always written, or RGBA
// with straight colour when a matte cuts the frame out) or half-float EXR (ZIP, in the output
// colour space, premultiplied alpha, the frame's SMPTE time code and shot in the header).
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { decodeAllExr } from '../data/exr-file.js';
import * as E from '../engine/index.js';
import { loadImage, saveImage } from '../data/image-io.js';
import { saveExr } from '../data/exr-writer.js';
import { colourSpace, isDataSpace, SPACE, type ColourContext } from '../data/colour.js';
import { convertTensor, loadWorkingImage } from '../data/working-space.js';
import { addFrames, parseTimecode } from '../store/timecode.js';
import type { RenderFormat } from './render-description.js';

export interface RoughFrame {
  colour: ColourContext;
  /** The shot's colour space, when set (overrides the file's own). */
  from?: string;
  /** Load the frame's alpha too (EXR renders carry it). */
  alpha: boolean;
}

function isExr(path: string): boolean {
  const b = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try { return readSync(fd, b, 0, 4, 0) === 4 && b.readUInt32LE(0) === 20000630; } finally { closeSync(fd); }
}

/**
 * The rough frame (1, 3, H, W) in the working space, and its straight alpha (1, 1, H, W) or null.
 * An EXR with alpha gives straight colour (a character's own colours to its soft edges, as PNG
 * paintings hold them) whatever the output; a PNG is read as renders always read it.
 */
export async function loadRough(path: string, rf: RoughFrame, matte?: string): Promise<{ rough: E.Tensor; alpha: E.Tensor | null }> {
  if (matte !== undefined) {
    // The frame's own colour as without a matte (an EXR's straight), the matte as its alpha.
    const { rough } = await loadRough(path, { ...rf, alpha: false });
    try { return { rough, alpha: await loadMatte(matte, rough.size(2), rough.size(3)) }; } catch (err) { rough.dispose(); throw err; }
  }
  const load = (channels: 3 | 'keep') => loadWorkingImage(path, channels, rf.colour, rf.from);
  const exr = isExr(path);
  if (!rf.alpha && !exr) return { rough: (await load(3)).tensor, alpha: null };
  const kept = (await load('keep')).tensor;
  const c = kept.size(1);
  const hasAlpha = c === 2 || c === 4;
  const alpha = hasAlpha && rf.alpha ? E.tidy(() => kept.narrow(1, c - 1, 1).clamp(0, 1).contiguous()) : null;
  if (exr && c === 4) {
    const rough = E.tidy(() => kept.narrow(1, 0, 3).contiguous());
    kept.dispose();
    return { rough, alpha };
  }
  if (exr && c === 3) return { rough: kept, alpha };
  kept.dispose();
  return { rough: (await load(3)).tensor, alpha };
}

/**
 * A matte (a render pass holding a character's coverage) as alpha (1, 1, H, W) in [0, 1]: its alpha
 * channel when it has one, else its first channel (a grey or single-channel matte). Data: never
 * colour-converted. Its size must be the frame's.
 */
export async function loadMatte(path: string, height: number, width: number): Promise<E.Tensor> {
  const m = (await loadImage(path, 'keep')).tensor;
  try {
    const c = m.size(1);
    if (m.size(2) !== height || m.size(3) !== width) throw new RangeError(`matte ${path} is ${m.size(3)}x${m.size(2)} but the rough frame is ${width}x${height}`);
    return E.tidy(() => m.narrow(1, c === 2 || c === 4 ? c - 1 : 0, 1).clamp(0, 1).contiguous());
  } finally { m.dispose(); }
}

/** An EXR output colour space by the config's own name (default: the production's exr_color_space). */
export function exrOutputSpace(colour: ColourContext, name?: string): string {
  try { return colourSpace(colour.config, name ?? colour.exr ?? SPACE.acescg); } catch (err) {
    throw new Error(`EXR output colour space: ${(err as Error).message}`);
  }
}

/**
 * A render's output colour space by the config's own name: EXR always (exrOutputSpace); PNG only
 * when one is chosen (undefined: the production's image_color_space, the frames renders have always
 * written). A data space (Raw) is refused: colour frames are not data.
 */
export function outputSpace(colour: ColourContext, format: RenderFormat, name?: string): string | undefined {
  if (format === 'exr') return exrOutputSpace(colour, name);
  if (name === undefined) return undefined;
  let space: string;
  try { space = colourSpace(colour.config, name); } catch (err) {
    throw new Error(`PNG output colour space: ${(err as Error).message}`);
  }
  if (isDataSpace(colour.config, space)) throw new Error(`PNG output colour space: "${space}" is a data space (no colour encoding); choose a colour space of the ${colour.config.label} OCIO config`);
  return space;
}

/** Frame `frame`'s time code from the shot's start timecode, or null (none, or above 30 fps:
 *  an EXR time code counts frames 0-29). */
export function frameTimeCode(shot: { timecode: string | null; fps: number; range: [number, number] }, frame: number): [number, number, number, number] | null {
  if (!shot.timecode || Math.round(shot.fps) > 30) return null;
  const t = addFrames(parseTimecode(shot.timecode, shot.fps), frame - shot.range[0], shot.fps);
  return [t.h, t.m, t.s, t.f];
}

export interface WriteFrameOptions {
  format: RenderFormat;
  bits: 8 | 16;
  colour: ColourContext;
  /** The output colour space: EXR's; PNG's when chosen (default: the image colour space). */
  space?: string;
  timeCode?: [number, number, number, number] | null;
  shot: string;
}

/**
 * Writes a rendered frame (working space) atomically; alpha is resized to the frame (upscaled
 * renders). PNG: RGBA with straight colour when alpha is given (a matte), else opaque RGB; EXR:
 * saveExr premultiplies.
 */
export async function writeFrame(path: string, frame: E.Tensor, alpha: E.Tensor | null, o: WriteFrameOptions): Promise<void> {
  const [h, w] = frame.shape.slice(-2) as [number, number];
  const a = alpha && (alpha.size(2) !== h || alpha.size(3) !== w)
    ? E.tidy(() => E.F.interpolate(alpha, { size: [h, w], mode: 'bilinear' }).clamp(0, 1)) : alpha;
  if (o.format === 'png') {
    const rgba = a ? E.tidy(() => E.F.cat([frame.to('float32'), a], 1)) : frame;
    const image = colourSpace(o.colour.config, o.space ?? o.colour.image ?? SPACE.srgbTexture);
    const working = colourSpace(o.colour.config, o.colour.working);
    // The same space: no conversion, the bytes as always (alpha straight, as PNG holds it).
    const converted = image === working ? rgba : convertTensor(rgba, o.colour, working, image);
    try { return await saveImage(path, converted, o.bits); } finally {
      if (converted !== rgba) converted.dispose();
      if (rgba !== frame) rgba.dispose();
      if (a !== alpha) a?.dispose();
    }
  }
  try {
    saveExr(path, frame, { colour: o.colour, space: o.space, alpha: a, timeCode: o.timeCode ?? null, attributes: { 'atelier:shot': o.shot } });
  } finally { if (a !== alpha) a?.dispose(); }
}

/** PNG's last chunk, IEND, as every complete file ends. */
const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/**
 * Whether a written frame is whole, for --resume: frames are written atomically, so a short file
 * was cut by something else (a full disk elsewhere, a copy, a sync), and keeping it failed the movie
 * later with ffmpeg's "chunk too big", naming no frame. PNG: ends with IEND; EXR: every chunk decodes.
 */
export function frameComplete(path: string, format: RenderFormat): boolean {
  if (!existsSync(path) || !statSync(path).isFile()) return false;
  if (format === 'exr') {
    try { decodeAllExr(path); return true; } catch { return false; }
  }
  const size = statSync(path).size;
  if (size < 8 + PNG_END.length) return false;
  const fd = openSync(path, 'r');
  try {
    const tail = Buffer.alloc(PNG_END.length);
    return readSync(fd, tail, 0, tail.length, size - tail.length) === tail.length && tail.equals(PNG_END);
  } finally { closeSync(fd); }
}
