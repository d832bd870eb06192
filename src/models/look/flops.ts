// Floating-point operations of the look networks, counted from layer shapes (2 * MACs of convs),
// for honest GFLOP/s figures in progress and benchmarks.
import { resolveArch, type ArchitectureConfig } from './config.js';
import { levelChannels } from './generator.js';

const conv = (cin: number, cout: number, k: number, h: number, w: number) => 2 * cin * cout * k * k * h * w;

/** Forward FLOPs of the generator on one h x w input (see generator.ts for the layout). */
export function generatorFlops(cin: number, a: ArchitectureConfig, h: number, w: number): number {
  const r = resolveArch(a);
  const ch = levelChannels(r);
  const s2 = r.shuffle * r.shuffle;
  const at = (lvl: number) => [h / s2 / 4 ** lvl, w] as const; // pixels of a level, as (h*w/(s^2 4^lvl), 1)
  let f = conv(cin * s2, ch[0]!, r.stemKernel, ...at(0));
  for (let i = 1; i <= r.levels; i++) f += conv(ch[i - 1]!, ch[i]!, 3, ...at(i));
  f += r.resBlocks * 2 * conv(ch[r.levels]!, ch[r.levels]!, 3, ...at(r.levels));
  for (let lvl = r.levels - 1; lvl >= 0; lvl--) f += conv(ch[lvl + 1]! + ch[lvl]!, ch[lvl]!, 3, ...at(lvl));
  return f + conv(ch[0]!, 3 * s2, 3, ...at(0));
}

/** Forward FLOPs of the patch discriminator on one h x w (input, image) pair. */
export function discriminatorFlops(cin: number, ch: number, h: number, w: number): number {
  return conv(cin + 3, ch, 4, h / 2, w / 2) + conv(ch, 2 * ch, 4, h / 4, w / 4) + conv(2 * ch, 2 * ch, 3, h / 4, w / 4) + conv(2 * ch, 1, 3, h / 4, w / 4);
}
