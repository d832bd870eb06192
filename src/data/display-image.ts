// Scene-referred images (EXR renders) for a screen: read into the working space, then through an
// OCIO display's view (the config's default: its first display and that display's first view, e.g.
// "sRGB - Display" / "Standard"), encoded as an 8-bit PNG with straight alpha, as the studio's other
// tools show the same file with the same view.
import { loadImage, encodePng } from './image-io.js';
import * as E from '../engine/index.js';
import { applyDisplayView, colourInfo, type ColourContext } from './colour.js';

/** The config's default display and view: its first display and that display's first view. */
export function defaultDisplayView(colour: ColourContext): { display: string; view: string } {
  const displays = colourInfo(colour.config).displays;
  const display = Object.keys(displays)[0];
  const view = display !== undefined ? displays[display]![0] : undefined;
  if (display === undefined || view === undefined) throw new Error(`the ${colour.config.label} OCIO config has no display with a view to show images through`);
  return { display, view };
}

/**
 * An image file as display-referred 8-bit PNG bytes (RGB, or RGBA with straight alpha). o.from: the
 * file's recorded colour space (an asset's), else its own (EXR header), else the defaults.
 */
export async function displayPng(path: string, colour: ColourContext, o: { view?: { display: string; view: string }; from?: string | null } = {}): Promise<Buffer> {
  const dv = o.view ?? defaultDisplayView(colour);
  const img = await loadImage(path, 'keep', { colour, ...(o.from ? { from: o.from } : {}) });
  const { width: w, height: h } = img;
  const c = img.tensor.size(1);
  const flat = img.tensor.data() as Float32Array;
  img.tensor.dispose();
  const n = w * h;
  let planes = Array.from({ length: c }, (_, i) => flat.slice(i * n, (i + 1) * n));
  if (c === 1) planes = [planes[0]!, planes[0]!.slice(), planes[0]!.slice()];
  else if (c === 2) planes = [planes[0]!, planes[0]!.slice(), planes[0]!.slice(), planes[1]!];
  applyDisplayView(colour.config, colour.working, dv.display, dv.view, planes, w, h);
  const all = new Float32Array(planes.length * n);
  planes.forEach((p, i) => all.set(p, i * n));
  const t = E.tensor(all, [1, planes.length, h, w]);
  try { return await encodePng(t, 8); } finally { t.dispose(); }
}
