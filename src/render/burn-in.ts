// Burn-ins for dailies movies: a dark band across the bottom of the picture with the shot and
// version on the left, the frame number in the middle and the running timecode on the right,
// drawn by ffmpeg's drawbox/drawtext after the colour conversion (so every pixel outside the band
// is the movie's pixel without burn-ins). Text needs a font file on disk, never a download: Debian's
// fonts-dejavu-core (scripts/setup.sh installs it).
import { existsSync } from 'node:fs';

export const DEFAULT_BURN_IN_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';

export interface BurnIn {
  shot: string;
  /** The version's name (its folder, e.g. v003); omitted when absent. */
  version?: string | null;
  /** A TrueType/OpenType font file (default DejaVu Sans Mono). */
  font?: string;
}

/** Rows of the band at the bottom of a frame `height` rows high (even, at least 10: 44 at 1080p). */
export function burnInBand(height: number): number {
  return 2 * Math.max(5, Math.round(height * 0.02));
}

/** ffmpeg's two levels of escaping for a filter option value (option, then filtergraph). */
function filterValue(v: string): string {
  const option = v.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/**
 * The filters (to append to the movie's -vf chain) that burn in the shot, version, frame number
 * (from firstFrame) and timecode (when given) on frames `height` rows high (after cropping to even).
 */
export function burnInFilters(b: BurnIn, o: { height: number; firstFrame: number; fps: number; timecode: string | null }): string[] {
  if (typeof b.shot !== 'string' || b.shot === '') throw new TypeError(`a burn-in needs the shot's name, got ${JSON.stringify(b.shot)}`);
  const font = b.font ?? DEFAULT_BURN_IN_FONT;
  if (!existsSync(font)) throw new Error(`burn-ins need the font ${font}, which is not there (Debian: apt-get install fonts-dejavu-core)`);
  const band = burnInBand(o.height);
  const size = Math.max(6, Math.floor(band * 0.6));
  const pad = Math.ceil(band / 3);
  const text = (extra: string, x: string) =>
    `drawtext=fontfile=${filterValue(font)}:fontsize=${size}:fontcolor=white:${extra}:x=${x}:y=h-${band}+(${band}-lh)/2`;
  const label = [b.shot, b.version ?? ''].filter(Boolean).join('  ');
  return [
    `drawbox=x=0:y=ih-${band}:w=iw:h=${band}:color=black@0.6:t=fill`,
    text(`expansion=none:text=${filterValue(label)}`, String(pad)),
    text(`text=${filterValue('%{frame_num}')}:start_number=${o.firstFrame}`, '(w-tw)/2'),
    ...(o.timecode ? [text(`timecode=${filterValue(o.timecode)}:timecode_rate=${filterValue(String(o.fps))}`, `w-tw-${pad}`)] : []),
  ];
}
