// Movies of EXR renders: ffmpeg encodes the movie from 8-bit PNG copies of the frames, in the
// production's image colour space (what the PNG renders hold) with their straight alpha (ProRes
// 4444 keeps it), made in a hidden folder beside the frames and removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadImage, saveImage } from '../data/image-io.js';
import { SPACE, type ColourContext } from '../data/colour.js';

/** Writes `<tmp>/<shot>.####.png` for every frame of `range` from the EXR frames; returns the folder. */
export async function writeMoviePngs(outDir: string, shot: string, range: [number, number], colour: ColourContext, exrPath: (frame: number) => string): Promise<string> {
  const tmp = mkdtempSync(join(outDir, '.movie-frames-'));
  try {
    const display: ColourContext = { ...colour, working: colour.image ?? SPACE.srgbTexture };
    for (let f = range[0]; f <= range[1]; f++) {
      const img = await loadImage(exrPath(f), 'keep', { colour: display });
      try { await saveImage(join(tmp, `${shot}.${String(f).padStart(4, '0')}.png`), img.tensor, 8); } finally { img.tensor.dispose(); }
    }
    return tmp;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
