// The production upscaler: an EDSR-lite super-resolution network. Convs and residual blocks at low
// resolution, a conv to 3·s² channels and a pixel shuffle to full resolution, added to the bicubic
// upscale (the network learns only the detail bicubic misses). No normalization layers, reflect
// padding: fully convolutional, so it runs on frames of any size, tiled (src/image/tiles.ts).
import * as E from '../../engine/index.js';
import { saveModelFile, loadModelFile } from '../../nn/model-file.js';
import * as nn from '../../nn/index.js';
import { runTiled, type TileOptions } from '../../image/tiles.js';
import { type UpscaleConfig, parseUpscaleConfig } from './config.js';
import type { ColourContext } from '../../data/colour.js';
import { checkWorkingSpace, LEGACY_MODEL_WORKING_SPACE, MODEL_WORKING_SPACE_KEY } from '../../data/working-space.js';

/** (N, C·s², h, w) -> (N, C, h·s, w·s), PyTorch's pixel_shuffle (channel c·s² + i·s + j -> offset (i, j)). */
export function pixelShuffle(x: E.Tensor, s: number): E.Tensor {
  const [n, cs, h, w] = x.shape as [number, number, number, number];
  if (cs % (s * s)) throw new RangeError(`pixelShuffle: ${cs} channels is not a multiple of ${s}² = ${s * s}`);
  const c = cs / (s * s);
  return E.tidy(() => x.reshape([n, c, s, s, h, w]).permute([0, 1, 4, 2, 5, 3]).reshape([n, c, h * s, w * s]));
}

/** The inverse: (N, C, h·s, w·s) -> (N, C·s², h, w). */
export function pixelUnshuffle(x: E.Tensor, s: number): E.Tensor {
  const [n, c, hs, ws] = x.shape as [number, number, number, number];
  if (hs % s || ws % s) throw new RangeError(`pixelUnshuffle: ${hs}x${ws} is not a multiple of ${s}`);
  const h = hs / s;
  const w = ws / s;
  return E.tidy(() => x.reshape([n, c, h, s, w, s]).permute([0, 1, 3, 5, 2, 4]).reshape([n, c * s * s, h, w]));
}

/** Bicubic upscale by s, clamped to [0, 1]: the baseline the network improves on. */
export function bicubicUpscale(x: E.Tensor, s: number): E.Tensor {
  return E.tidy(() => E.F.interpolate(x, { size: [x.size(2) * s, x.size(3) * s], mode: 'bicubic' }).clamp(0, 1));
}

const conv = (cin: number, cout: number) => new nn.Conv2d(cin, cout, 3, { padding: 1, paddingMode: 'reflect' });

class ResBlock extends nn.Module {
  readonly a: nn.Conv2d;
  readonly b: nn.Conv2d;
  constructor(ch: number) {
    super();
    this.a = this.child('a', conv(ch, ch));
    this.b = this.child('b', conv(ch, ch));
  }
  forward(x: E.Tensor): E.Tensor {
    return E.tidy(() => x.add(this.b.forward(this.a.forward(x).relu())));
  }
}

export class Upscaler extends nn.Module {
  readonly head: nn.Conv2d;
  readonly blocks: nn.Sequential;
  readonly body: nn.Conv2d;
  readonly tail: nn.Conv2d;

  constructor(readonly config: UpscaleConfig) {
    super();
    const { channels: c, blocks } = config.arch;
    const s = config.scale;
    this.head = this.child('head', conv(3, c));
    this.blocks = this.child('blocks', new nn.Sequential(...Array.from({ length: blocks }, () => new ResBlock(c))));
    this.body = this.child('body', conv(c, c));
    this.tail = this.child('tail', conv(c, 3 * s * s));
    // Start as bicubic: a small last layer, so early training refines instead of fighting noise.
    E.noGrad(() => { this.tail.weight.mul_(0.1); this.tail.bias?.mul_(0); });
  }

  /** Low-resolution pixels of context read on each side (convs only; bicubic reads 2 more). */
  get receptiveRadius(): number {
    return 3 + 2 * this.config.arch.blocks;
  }

  /** (N, 3, h, w) in [0, 1] -> (N, 3, h·s, w·s), about [0, 1] (not clamped). */
  forward(x: E.Tensor): E.Tensor {
    const s = this.config.scale;
    return E.tidy(() => {
      const f = this.head.forward(x.sub(0.5));
      const g = this.body.forward(this.blocks.forward(f)).add(f);
      const detail = pixelShuffle(this.tail.forward(g), s);
      const base = E.F.interpolate(x, { size: [x.size(2) * s, x.size(3) * s], mode: 'bicubic' });
      return base.add(detail);
    });
  }
}

/**
 * Tile options that keep a tiled upscale equal to the whole-frame one (overlap / 4 covers the
 * network's context plus bicubic's); tiles are at least twice the overlap.
 */
export function upscaleTileOptions(net: Upscaler, tile = 256): TileOptions {
  const overlap = 4 * (net.receptiveRadius + 3);
  return { tile: Math.max(tile, 2 * overlap), overlap, multiple: 1, scale: net.config.scale };
}

/** Geometric self-ensemble sizes: 1 (one pass) or 8 (every flip / quarter-turn, averaged). */
export type UpscaleEnsemble = 1 | 8;
/**
 * The default for every upscale (atelier upscale, held-out scoring): the 8-way self-ensemble (EDSR+,
 * Lim et al. 2017). On the sample production it adds 0.06-0.19 dB over one pass on held-out art (and
 * as much on the training images) for 8x the time; bench/RESULTS.md, upscale.
 */
export const DEFAULT_ENSEMBLE: UpscaleEnsemble = 8;

/** Orientation k of the 8 (bit 0: flip x, bit 1: flip y, bit 2: transpose), and its inverse. */
function orient(x: E.Tensor, k: number): E.Tensor {
  let o = x;
  if (k & 1) o = o.flip(3);
  if (k & 2) o = o.flip(2);
  if (k & 4) o = o.transpose(2, 3);
  return o;
}
function unorient(x: E.Tensor, k: number): E.Tensor {
  let o = x;
  if (k & 4) o = o.transpose(2, 3);
  if (k & 2) o = o.flip(2);
  if (k & 1) o = o.flip(3);
  return o;
}

/** The smallest side an upscaler takes: its 3x3 convs reflect-pad 1 pixel a side, which needs 2. */
export const MIN_UPSCALE_SIDE = 2;

/** Refuses an image smaller than MIN_UPSCALE_SIDE either way, naming it (`what`) and its size. */
export function checkUpscaleSize(width: number, height: number, what: string): void {
  if (width < MIN_UPSCALE_SIDE || height < MIN_UPSCALE_SIDE) {
    throw new RangeError(`${what} is ${width}x${height} pixels: the upscaler needs at least ${MIN_UPSCALE_SIDE}x${MIN_UPSCALE_SIDE}`);
  }
}

/**
 * Upscales an image (1, 3, h, w) in [0, 1] of any size from 2x2, tile by tile; result clamped to [0, 1].
 * With ensemble 8, the image is upscaled in each of the 8 flips / quarter-turns, turned back, and
 * the results averaged (one pass's memory plus a running sum; 8x the time).
 */
export function upscaleImage(net: Upscaler, x: E.Tensor, tile = 256, ensemble: UpscaleEnsemble = DEFAULT_ENSEMBLE): E.Tensor {
  if (ensemble !== 1 && ensemble !== 8) throw new RangeError(`upscaleImage: ensemble must be 1 or 8, got ${String(ensemble)}`);
  checkUpscaleSize(x.size(3), x.size(2), 'upscaleImage: the image');
  const wasTraining = net.training;
  net.eval();
  const opts = upscaleTileOptions(net, tile);
  try {
    if (ensemble === 1) return E.tidy(() => runTiled((t) => net.forward(t), x, opts).clamp(0, 1));
    let sum: E.Tensor | null = null;
    for (let k = 0; k < ensemble; k++) {
      const next: E.Tensor = E.tidy(() => {
        const y = unorient(runTiled((t) => net.forward(t), orient(x, k).contiguous(), opts), k);
        return sum ? sum.add(y) : y.contiguous();
      });
      sum?.dispose();
      sum = next;
    }
    const total = sum!;
    try {
      return E.tidy(() => total.div(ensemble).clamp(0, 1));
    } finally {
      total.dispose();
    }
  } finally {
    net.train(wasTraining);
  }
}

// ---- the model file: weights in safetensors, config and working colour space in its metadata ----

/** workingSpace: the colour space the upscaler was trained in (working_color_space; files from
 *  before it was recorded: sRGB - Texture, as look models). */
export interface UpscaleModel { config: UpscaleConfig; net: Upscaler; metadata: Record<string, string>; workingSpace: string }

/** extra.working_color_space names the space the upscaler was trained in (default sRGB - Texture). */
export function saveUpscaleModel(path: string, config: UpscaleConfig, weights: Map<string, E.Tensor>, extra: Record<string, string> = {}): void {
  const space = extra[MODEL_WORKING_SPACE_KEY] ?? LEGACY_MODEL_WORKING_SPACE;
  if (typeof space !== 'string' || space.trim() === '') throw new TypeError(`${MODEL_WORKING_SPACE_KEY} must name a colour space, got ${JSON.stringify(space)}`);
  saveModelFile(path, 'atelier-upscale', config, weights, { ...extra, [MODEL_WORKING_SPACE_KEY]: space });
}

export function loadUpscaleModel(path: string): UpscaleModel {
  const { config, module, metadata } = loadModelFile(path, 'atelier-upscale', 'upscaler model', parseUpscaleConfig, (c) => new Upscaler(c));
  return { config, net: module, metadata, workingSpace: metadata[MODEL_WORKING_SPACE_KEY] || LEGACY_MODEL_WORKING_SPACE };
}

/** Refuses an upscaler trained in another working space than the production's (data/working-space.ts). */
export function checkUpscalerWorkingSpace(model: Pick<UpscaleModel, 'workingSpace'>, colour: ColourContext, label: string): void {
  checkWorkingSpace(model.workingSpace, colour, label);
}
