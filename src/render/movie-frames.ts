// Movies of EXR renders: ffmpeg encodes the movie from 8-bit PNG copies of the frames, display-
// referred through the production's OCIO view (data/display-image.ts, as the dailies show the
// frames) with their straight alpha (ProRes 4444 keeps it), made in a hidden folder beside the
// frames and removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { frameNumber } from '../store/sequence-pattern.js';
import { defaultDisplayView, displayPng } from '../data/display-image.js';
import type { ColourContext } from '../data/colour.js';

/** Writes `<tmp>/<shot>.####.png` for every frame of `range` from the EXR frames (or PNG frames in
 *  colour space `from`, not the image space); returns the folder. */
export async function writeMoviePngs(outDir: string, shot: string, range: [number, number], colour: ColourContext, exrPath: (frame: number) => string, from?: string): Promise<string> {
  const tmp = mkdtempSync(join(outDir, '.movie-frames-'));
  try {
    const view = defaultDisplayView(colour);
    for (let f = range[0]; f <= range[1]; f++) {
      writeFileAtomic(join(tmp, `${shot}.${frameNumber(f)}.png`), await displayPng(exrPath(f), colour, { view, ...(from ? { from } : {}) }));
    }
    return tmp;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
