// Preview movies from a numbered PNG sequence with Debian's ffmpeg: H.264 MP4 (libx264, yuv420p,
// CRF 18) for dailies and review links, ProRes 422 HQ .mov for editorial, or ProRes 4444 .mov
// with alpha for compositing; a start timecode (the shot's) is written into the movie, and optional
// burn-ins (shot, version, frame, timecode: burn-in.ts) are drawn on the picture. ffmpeg runs as a child
// process with an argument array (never a shell string). It writes a temp file next to the target,
// renamed over it only when ffmpeg succeeded (-xerror: a frame that fails to decode fails the
// encode instead of being skipped), so no half-written movie ever has the final name.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, renameSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tempPathFor } from '../util/atomic.js';
import { parseSequencePattern, findSequenceFrames, formatFrames } from '../store/sequence-pattern.js';
import { probeVideo } from '../store/ffmpeg.js';
import { parseTimecode, formatTimecode } from '../store/timecode.js';
import { burnInFilters, type BurnIn } from './burn-in.js';

export type MovieCodec = 'h264' | 'prores' | 'prores4444';
/** Every codec the movie writer has (local renders, the farm's finish job and the dailies alike). */
export const MOVIE_CODECS: readonly MovieCodec[] = ['h264', 'prores', 'prores4444'];

export interface MovieOptions {
  /** Frames per second (default 24). */
  fps?: number;
  /** 'h264' (MP4), 'prores' (ProRes 422 HQ, .mov) or 'prores4444' (ProRes 4444 with alpha, .mov);
   *  default from the output's extension (.mov: prores). */
  codec?: MovieCodec;
  /** Start timecode HH:MM:SS:FF of the first frame (a shot's), written into the movie. */
  timecode?: string | null;
  /** H.264 constant rate factor: 0 lossless .. 51; default 18 (visually lossless for previews). */
  crf?: number;
  /** First and last frame numbers (inclusive); default the first and last frame found. */
  range?: [number, number];
  /** Burn the shot, version, frame number and timecode into the picture (dailies); default none. */
  burnIn?: BurnIn | null;
  /** Called with ffmpeg's progress (frames encoded so far, of the total). */
  onProgress?: (done: number, total: number) => void;
}

export interface MovieResult { path: string; codec: MovieCodec; frames: number; firstFrame: number; fps: number; width: number; height: number; seconds: number; timecode: string | null }

/** Width and height from a PNG's IHDR chunk, or null if the file is not a PNG. */
function pngSize(path: string): [number, number] | null {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(24);
    if (readSync(fd, b, 0, 24, 0) < 24 || b.readUInt32BE(0) !== 0x89504e47 || b.toString('latin1', 12, 16) !== 'IHDR') return null;
    return [b.readUInt32BE(16), b.readUInt32BE(20)];
  } finally {
    closeSync(fd);
  }
}

/** ffmpeg's image2 pattern for a sequence: "%" in names escaped, frame digits as %0Nd. */
function ffmpegPattern(dir: string, prefix: string, suffix: string, padding: number): string {
  // image2 reads % in the whole path as a pattern, the folders too (a show_100% folder broke every movie).
  const esc = (s: string) => s.replace(/%/g, '%%');
  return esc(join(dir, prefix)) + `%0${padding}d${esc(suffix)}`;
}

/** A frame rate for ffmpeg: the NTSC rates typed as 23.976 (or 23.98), 29.97 or 59.94 as the exact x/1001 (23.976 read as 2997/125). */
export function ffmpegRate(fps: number): string {
  for (const k of [24, 30, 48, 60, 120]) if (Math.abs(fps - (k * 1000) / 1001) < 0.005) return `${k * 1000}/1001`;
  return String(fps);
}

function codecArgs(codec: MovieCodec, crf: number): string[] {
  if (codec === 'prores4444') {
    // prores_ks profile 4 = 4444: 4:4:4 with a 16-bit alpha plane (the PNGs' alpha; opaque without one).
    return ['-c:v', 'prores_ks', '-profile:v', '4', '-vendor', 'apl0', '-pix_fmt', 'yuva444p10le', '-alpha_bits', '16', '-f', 'mov'];
  }
  if (codec === 'prores') {
    // prores_ks profile 3 = 422 HQ, 10-bit 4:2:2, tagged as Apple's.
    return ['-c:v', 'prores_ks', '-profile:v', '3', '-vendor', 'apl0', '-pix_fmt', 'yuv422p10le', '-f', 'mov'];
  }
  return ['-c:v', 'libx264', '-preset', 'medium', '-crf', String(crf), '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4'];
}

/**
 * Encodes the frames matching `pattern` ("shot/out.####.png" or "out.%04d.png") into `output`.
 * Every frame of the range must exist and all must share one size; odd widths / heights are cropped
 * by one pixel (4:2:0 and 4:2:2 need even sizes). Colours: sRGB PNGs to BT.709 video, tagged so.
 */
export async function writeMovie(pattern: string, output: string, o: MovieOptions = {}): Promise<MovieResult> {
  const fps = o.fps ?? 24;
  if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`fps must be a positive number, got ${fps}`);
  const target = resolve(output);
  const codec: MovieCodec = o.codec ?? (/\.mov$/i.test(target) ? 'prores' : 'h264');
  if (!MOVIE_CODECS.includes(codec)) throw new RangeError(`codec must be one of ${MOVIE_CODECS.join(', ')}, got ${String(codec)}`);
  if (codec !== 'h264' && !/\.mov$/i.test(target)) throw new RangeError(`${codec} is written as QuickTime: the output must end in .mov, got ${target}`);
  const timecode = o.timecode ? formatTimecode(parseTimecode(o.timecode, fps)) : null;
  const ntsc = Math.abs(fps - 30000 / 1001) < 0.01 || Math.abs(fps - 60000 / 1001) < 0.01;
  if (timecode?.includes(';') && !ntsc) {
    throw new RangeError(`drop-frame timecode ${timecode} needs 29.97 or 59.94 fps, got ${fps}`);
  }
  const crf = o.crf ?? 18;
  if (!Number.isInteger(crf) || crf < 0 || crf > 51) throw new RangeError(`crf must be a whole number from 0 to 51, got ${crf}`);

  const seq = parseSequencePattern(pattern);
  const found = findSequenceFrames(seq);
  if (found.size === 0) throw new Error(`${pattern}: no frames match`);
  const numbers = [...found.keys()];
  const [first, last] = o.range ?? [numbers[0]!, numbers.at(-1)!];
  if (!Number.isInteger(first) || !Number.isInteger(last) || last < first) throw new RangeError(`frame range ${first}-${last} is not valid`);
  const missing: number[] = [];
  for (let f = first; f <= last; f++) if (!found.has(f)) missing.push(f);
  if (missing.length) throw new Error(`${pattern}: missing frame${missing.length > 1 ? 's' : ''} ${formatFrames(missing)} of ${first}-${last}`);
  const count = last - first + 1;
  let size: [number, number] | null = null;
  for (let f = first; f <= last; f++) {
    const s = pngSize(found.get(f)!);
    if (s === null) throw new Error(`${found.get(f)}: not a PNG file`);
    if (size === null) size = s;
    else if (s[0] !== size[0] || s[1] !== size[1]) throw new Error(`${found.get(f)} is ${s[0]}x${s[1]} but frame ${first} is ${size[0]}x${size[1]}: every frame of a movie must have the same size`);
  }
  const [w, h] = size!;
  if (w < 2 || h < 2) throw new Error(`${pattern}: frames of ${w}x${h} are too small for a movie`);
  // Drawn after the colour conversion: pixels outside the burn-in band are those of a movie without.
  const burnIn = o.burnIn ? burnInFilters(o.burnIn, { height: h - (h % 2), firstFrame: first, fps, timecode }) : [];

  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  // image2 numbers a sequence from 0 up: frames numbered below 0 are read through links renumbered
  // from 0 (the burn-in still counts from the shot's first frame).
  const links = first < 0 ? mkdtempSync(join(dirname(target), '.movie-frames-')) : null;
  if (links) for (let f = first; f <= last; f++) symlinkSync(resolve(found.get(f)!), join(links, `f.${String(f - first).padStart(6, '0')}.png`));
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-xerror', '-progress', 'pipe:1', '-y',
    '-f', 'image2', '-framerate', ffmpegRate(fps), '-start_number', String(links ? 0 : first), '-i', links ? ffmpegPattern(links, 'f.', '.png', 6) : ffmpegPattern(seq.dir, seq.prefix, seq.suffix, seq.padding),
    '-frames:v', String(count),
    '-vf', ['crop=trunc(iw/2)*2:trunc(ih/2)*2,scale=out_color_matrix=bt709:out_range=tv', ...burnIn].join(','),
    '-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv',
    ...(timecode ? ['-timecode', timecode] : []),
    ...codecArgs(codec, crf), tmp,
  ];
  const t0 = Date.now();
  try {
    await new Promise<void>((ok, fail) => {
      const p = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      let progress = '';
      p.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-8000); });
      p.stdout.on('data', (d: Buffer) => {
        progress += d.toString();
        const lines = progress.split('\n');
        progress = lines.pop() ?? '';
        for (const l of lines) {
          const m = /^frame=(\d+)/.exec(l.trim());
          if (m) o.onProgress?.(Number(m[1]), count);
        }
      });
      p.on('error', (e: NodeJS.ErrnoException) => fail(new Error(e.code === 'ENOENT' ? 'writing a movie needs ffmpeg, which is not installed (apt-get install ffmpeg)' : `ffmpeg failed to start (${e.message})`)));
      p.on('close', (code, signal) => {
        if (code === 0) return ok();
        const msg = err.trim().split('\n').filter(Boolean).slice(-3).join('; ') || (signal ? `killed by ${signal}` : `exit code ${code}`);
        fail(new Error(`ffmpeg could not encode ${pattern} into ${target}: ${msg}`));
      });
    });
    const probe = probeVideo(tmp);
    if (probe.frames !== null && probe.frames !== count) throw new Error(`ffmpeg wrote ${probe.frames} frames of ${count} into ${target}`);
    renameSync(tmp, target);
    return { path: target, codec, frames: count, firstFrame: first, fps, width: probe.width, height: probe.height, seconds: (Date.now() - t0) / 1000, timecode };
  } finally {
    if (existsSync(tmp)) try { unlinkSync(tmp); } catch { /* already gone */ }
    if (links) rmSync(links, { recursive: true, force: true });
  }
}
