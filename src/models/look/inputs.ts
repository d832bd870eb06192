// The generator's input for one frame: roughened colour, guide channels (render passes), an edge
// map and a has-guides flag. Built the same way for training pairs, concept art and renders.
import * as E from '../../engine/index.js';
import type { LookConfig } from './config.js';
import { roughen } from './roughen.js';
import { sobelMagnitude } from './image-ops.js';
import { luminance } from '../../metrics/index.js';

/**
 * rough: (1, 3, H, W) in [0, 1]; passes: the config's guides by name, each (1, C, H, W) of the same
 * size, or null for an image without passes (concept art, a still without renders): guides are then
 * zero and the flag is 0, so the model knows. Returns (1, inputChannels, H, W).
 */
export function buildInput(c: LookConfig, rough: E.Tensor, passes: Map<string, E.Tensor> | null): E.Tensor {
  const [, , h, w] = rough.shape as [number, number, number, number];
  if (rough.ndim !== 4 || rough.size(1) !== 3) throw new RangeError(`a rough frame must be (1, 3, H, W), got [${rough.shape.join(', ')}]`);
  return E.tidy(() => {
    const parts: E.Tensor[] = [roughen(rough, c.roughen)];
    for (const g of c.guides) {
      const p = passes?.get(g.name);
      if (!passes) {
        parts.push(E.zeros([1, g.channels, h, w]));
        continue;
      }
      if (!p) throw new Error(`render pass "${g.name}" is missing; this model was trained with guides ${c.guides.map((x) => x.name).join(', ')}`);
      if (p.size(2) !== h || p.size(3) !== w) throw new RangeError(`render pass "${g.name}" is ${p.size(3)}x${p.size(2)} but the rough frame is ${w}x${h}`);
      parts.push(fitChannels(p, g.channels));
    }
    if (c.edgeGuide) parts.push(sobelMagnitude(luminance(rough)));
    parts.push(E.full([1, 1, h, w], passes ? 1 : 0));
    return E.F.cat(parts, 1);
  });
}

/** Takes the first n channels, or repeats a grey pass to n. */
function fitChannels(p: E.Tensor, n: number): E.Tensor {
  const c = p.size(1);
  if (c === n) return p.clone();
  if (c > n) return p.slice(1, 0, n).contiguous();
  if (c === 1) return p.expand([1, n, p.size(2), p.size(3)]).contiguous();
  throw new RangeError(`a pass with ${c} channels cannot fill ${n} guide channels`);
}
