// Sample sheets: rows of rough | output | target, so training can be judged by eye as it goes.
import * as E from '../../engine/index.js';
import { saveImage } from '../../data/image-io.js';
import type { ColourContext } from '../../data/colour.js';
import { workingToImage } from '../../data/working-space.js';

/** rows: [rough, output, target?] each (1, 3, H, W) in the working space of `colour` (written in its
 *  image space, to be seen as the production's images are); rows of different sizes are padded to the widest. */
export async function writeSheet(path: string, rows: E.Tensor[][], colour?: ColourContext): Promise<void> {
  const sheet = E.tidy(() => {
    const gap = 4;
    const lines = rows.map((cells) => {
      const h = Math.max(...cells.map((c) => c.size(2)));
      const parts: E.Tensor[] = [];
      cells.forEach((c, i) => {
        if (i > 0) parts.push(E.ones([1, 3, h, gap]));
        parts.push(c.size(2) < h ? E.F.pad(c, [0, 0, 0, h - c.size(2)], 'constant', 1) : c);
      });
      return E.F.cat(parts, 3);
    });
    const w = Math.max(...lines.map((l) => l.size(3)));
    const padded: E.Tensor[] = [];
    lines.forEach((l, i) => {
      if (i > 0) padded.push(E.ones([1, 3, gap, w]));
      padded.push(l.size(3) < w ? E.F.pad(l, [0, w - l.size(3), 0, 0], 'constant', 1) : l);
    });
    return E.F.cat(padded, 2);
  });
  const shown = colour ? workingToImage(sheet, colour) : sheet;
  if (shown !== sheet) sheet.dispose();
  await saveImage(path, shown);
  shown.dispose();
}
