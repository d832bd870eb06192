// Layers of an EXR file, as renderers write them: in a multi-layer file channels are named
// "<layer>.<channel>" (beauty.R, motion.X); in a multi-part file each part is a layer (its name);
// unprefixed channels (R, G, B, A, Z) form the default layer. A selector names a layer, or one
// unprefixed channel ("Z"), or "part.layer" in a multi-part file.
import { ExrError, type ExrPart } from './exr-file.js';

export interface ExrLayer {
  /** What a selector matches: the part name and/or channel prefix ("" for the default layer). */
  name: string;
  part: number;
  /** Full channel names in the file, in image order (R G B A, X Y Z, …). */
  channels: string[];
  /** Channel names without the layer prefix (R, G, B, A, Z, …). */
  short: string[];
  /** 'half' when every channel is half, else 'float'. */
  type: 'half' | 'float';
}

const ORDER = ['R', 'G', 'B', 'A', 'X', 'Y', 'Z', 'U', 'V', 'W'];
function rank(short: string): number {
  const i = ORDER.indexOf(short.toUpperCase());
  return i < 0 ? ORDER.length : i;
}

/** Every layer of every part. */
export function exrLayers(parts: ExrPart[]): ExrLayer[] {
  const out: ExrLayer[] = [];
  for (const p of parts) {
    const groups = new Map<string, { full: string; short: string; type: string }[]>();
    for (const c of p.channels) {
      const dot = c.name.lastIndexOf('.');
      const layer = dot < 0 ? '' : c.name.slice(0, dot);
      const short = dot < 0 ? c.name : c.name.slice(dot + 1);
      (groups.get(layer) ?? groups.set(layer, []).get(layer)!).push({ full: c.name, short, type: c.type });
    }
    for (const [layer, chans] of groups) {
      chans.sort((a, b) => rank(a.short) - rank(b.short) || a.short.localeCompare(b.short));
      const partName = parts.length > 1 ? (p.name ?? `part${p.index}`) : '';
      const name = partName && layer ? `${partName}.${layer}` : partName || layer;
      out.push({ name, part: p.index, channels: chans.map((c) => c.full), short: chans.map((c) => c.short), type: chans.every((c) => c.type === 'half') ? 'half' : 'float' });
    }
  }
  return out;
}

function describe(layers: ExrLayer[]): string {
  return layers.map((l) => `${l.name || '(default)'} [${l.short.join(' ')}]`).join(', ');
}

/**
 * The layer a selector names: a layer ("beauty", "depth"; in a multi-part file the part name alone
 * when the part has one layer, or "part.layer"), or one channel of the default layer ("Z").
 * Without a selector: "beauty" if there is one, else the default layer, else the first.
 */
export function selectExrLayer(file: string, parts: ExrPart[], selector?: string): ExrLayer {
  const layers = exrLayers(parts);
  if (layers.length === 0) throw new ExrError(file, 'the file has no channels', false);
  if (selector === undefined) {
    return layers.find((l) => l.name === 'beauty' || l.name.endsWith('.beauty'))
      ?? layers.find((l) => l.name === '' || (parts.length > 1 && !l.name.includes('.')))
      ?? layers[0]!;
  }
  const exact = layers.find((l) => l.name === selector);
  if (exact) return exact;
  // A part's own name selects the part's default (unprefixed) layer.
  const partDefault = layers.find((l) => parts.length > 1 && parts[l.part]!.name === selector && l.name === selector);
  if (partDefault) return partDefault;
  // A layer prefix inside any part (a multi-part file whose parts hold "<layer>.<ch>" channels).
  const inPart = layers.filter((l) => l.name.endsWith(`.${selector}`));
  if (inPart.length === 1) return inPart[0]!;
  // One channel of a default layer: "Z" → a one-channel layer.
  for (const l of layers) {
    const base = parts.length > 1 ? parts[l.part]!.name ?? '' : '';
    if (l.name !== base && l.name !== '') continue;
    const i = l.short.indexOf(selector);
    if (i >= 0) return { name: selector, part: l.part, channels: [l.channels[i]!], short: [selector], type: parts[l.part]!.channels.find((c) => c.name === l.channels[i])!.type === 'half' ? 'half' : 'float' };
  }
  // One channel anywhere whose own name is the selector ("Z" for depth.Z), when only one has it.
  const hits = layers.flatMap((l) => l.short.map((s, i) => ({ l, i, s }))).filter((h) => h.s === selector);
  if (hits.length === 1) {
    const { l, i } = hits[0]!;
    return { name: selector, part: l.part, channels: [l.channels[i]!], short: [selector], type: parts[l.part]!.channels.find((c) => c.name === l.channels[i])!.type === 'half' ? 'half' : 'float' };
  }
  throw new ExrError(file, `no layer or channel "${selector}" (the file has: ${describe(layers)})`, false);
}
