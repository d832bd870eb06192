// Floating-point operations of the look networks, counted from layer shapes (2 * MACs of convs),
// for honest GFLOP/s figures in progress and benchmarks.
import type { ArchitectureConfig } from './config.js';

const conv = (cin: number, cout: number, k: number, h: number, w: number) => 2 * cin * cout * k * k * h * w;

/** Forward FLOPs of the generator on one h x w input. */
export function generatorFlops(cin: number, a: ArchitectureConfig, h: number, w: number): number {
  const c = a.baseChannels;
  return conv(cin, c, 5, h, w)
    + conv(c, 2 * c, 3, h / 2, w / 2)
    + conv(2 * c, 4 * c, 3, h / 4, w / 4)
    + a.resBlocks * 2 * conv(4 * c, 4 * c, 3, h / 4, w / 4)
    + conv(6 * c, 2 * c, 3, h / 2, w / 2)
    + conv(3 * c, c, 3, h, w)
    + conv(c, 3, 3, h, w);
}

/** Forward FLOPs of the patch discriminator on one h x w (input, image) pair. */
export function discriminatorFlops(cin: number, ch: number, h: number, w: number): number {
  return conv(cin + 3, ch, 4, h / 2, w / 2) + conv(ch, 2 * ch, 4, h / 4, w / 4) + conv(2 * ch, 2 * ch, 3, h / 4, w / 4) + conv(2 * ch, 1, 3, h / 4, w / 4);
}
