// Training-time transforms of the look model's batches: the discriminator's view of a pair, and
// blank rough frames. Each is off for configs written before it (their fields absent), so older runs
// resume exactly as before.
import * as E from '../../engine/index.js';
import type { LookConfig } from './config.js';
import { sobelMagnitude } from './image-ops.js';
import { gaussianBlur, luminance } from '../../metrics/index.js';
import { dilate, erode } from '../../image/index.js';

/**
 * The discriminator's view of a training pair (input, image). The patch discriminator's first layer
 * is a stride-2 4x4 conv: it folds a period-2 pattern of the image onto a constant offset of its
 * features, which after the activation can pass for the paintings' brush texture, so the generator,
 * whose 2x2 pixel shuffle makes such a pattern for free, was rewarded for printing one; and the two
 * strides make D's gradient on the image periodic (period 2 and 4 px, locked to the patch origin and
 * so to the pixel shuffle: gridContrast 94-418 for an untrained D).
 * - `config.train.discBlur`: the image is blurred by the binomial [1 2 1]/4 in x and y (reflect
 *   borders), whose response is 0 at 1/2 cycle/px: D cannot see period-2 patterns, so it neither
 *   rewards one nor, its gradient on the image passing through the same blur, pushes one.
 * - `config.train.discShift`: input and image are cropped together by a random 0 to discShift px at
 *   the top and left (the rest at the bottom and right), drawn per call, so D's stride-4 grid falls
 *   on every phase of the generator's and its period-4 pushes average out.
 * Measured (sample production at 480x270, 300 steps, gridScore of 10 test frames, seeds 1-4; the
 * generator ICNR-initialized): the plain view 23.5, 75, 182, 3.0 (a diagonal period-2 checker; 1.1
 * without the GAN term, seed 1); shifted only 8.3, 1.5, 27, 1.3; blurred only 1.06, -, 1.09, -;
 * both 1.09, 1.48, 1.14, 1.33, and 1.00 after 1000 steps. Both absent (runs started before them):
 * the pair as is and no random number drawn, so such runs resume exactly as before.
 */
export function discriminatorView(c: LookConfig, input: E.Tensor, image: E.Tensor): [E.Tensor, E.Tensor] {
  const s = c.train.discShift ?? 0;
  const img = c.train.discBlur ? binomialBlur(image) : image;
  if (!(s > 0)) return [input, img];
  const [h, w] = [image.size(2), image.size(3)];
  if (h <= s || w <= s) throw new RangeError(`discriminator shift ${s} needs patches larger than ${s} px, got ${w}x${h}`);
  const [u, v] = E.tidy(() => E.rand([2], { dtype: 'float64' }).toArray() as number[]);
  const dy = Math.min(s, Math.floor(u! * (s + 1))), dx = Math.min(s, Math.floor(v! * (s + 1)));
  const crop = (t: E.Tensor) => t.narrow(2, dy, h - s).narrow(3, dx, w - s);
  return [crop(input), crop(img)];
}

/** [1 2 1]/4 along y and x, reflect borders (a period-2 pattern blurs to 0 up to the border); differentiable (the generator's gradient passes through it). */
export function binomialBlur(x: E.Tensor): E.Tensor {
  return E.tidy(() => {
    const [h, w] = [x.size(2), x.size(3)];
    const p = E.F.pad(x, 1, 'reflect');
    const v = p.narrow(2, 0, h).add(p.narrow(2, 1, h).mul(2)).add(p.narrow(2, 2, h));
    return v.narrow(3, 0, w).add(v.narrow(3, 1, w).mul(2)).add(v.narrow(3, 2, w)).mul(1 / 16);
  });
}

// Blank rough frames. A layout render is often blank (one flat grey) where nothing was blocked in
// yet — a background, hair, a shirt — while its render passes still say what is there. Trained only
// on rough frames that show everything, the model leant on the rough frame and left such regions
// washed-out grey. Here a share of the training patches that have guides get a random rectangle of
// their rough-frame channels made flat, as buildInput makes a flat region of a rough frame, while
// the guides and the painted target stay: the model must read the passes there. Measured on the
// sample production (480x270, 300 steps, seeds 1 and 2; 10 test frames whose rough frame is made
// flat grey in a centre box, the left third or the top third, PSNR in that region against the
// painting): 14.8/15.2/14.9 -> 18.0/19.1/18.3 and 14.3/14.7/14.8 -> 18.1/18.9/18.1 with blankProb
// 0.3 (a grey fill scores 12.8/14.7/14.1; the intact rough frame ~21/22/20 either way), and the
// frames left whole 21.73 -> 21.78 and 21.56 -> 21.59.

/** Rectangle sides, as fractions of the patch side: from a quarter of the patch to all of it. */
const MIN_SIDE = 0.25;
const MAX_SIDE = 1;
/** Flat grey levels drawn for a blank region. */
const GREY = [0.1, 0.9] as const;

/**
 * A training batch (inputs built by buildInput, targets) with a random rectangle of the rough-frame
 * channels blanked in each patch with probability `config.train.blankProb`, only for patches that
 * have guides (has-guides flag 1; concept art has nothing else to paint from). In the rectangle the
 * roughened colour becomes one grey (quantized as roughen does, plus noise of roughen's strength)
 * and the edge map 0; along its border (±2 px) both are recomputed from the blanked colour as
 * roughen and buildInput would (a dark line and an edge where the grey meets content). Guides, the
 * flag and the targets are untouched. Rectangles are 1/4 to 1 of the patch side and may run past the
 * patch, so a patch can also be blank all over. Without guides or with blankProb 0 (configs written
 * before it existed) the batch is returned as is and no random number is drawn, so such runs
 * train, and resume, exactly as before. Random numbers come from libtorch's seeded generator (a
 * checkpoint's RNG state covers them).
 */
export function blankRough(c: LookConfig, batch: { input: E.Tensor; target: E.Tensor }): { input: E.Tensor; target: E.Tensor } {
  const p = c.train.blankProb ?? 0;
  if (!(p > 0) || c.guides.length === 0) return batch;
  const { input, target } = batch;
  const [n, ch, h, w] = input.shape as [number, number, number, number];
  const guideChannels = c.guides.reduce((s, g) => s + g.channels, 0);
  const edgeAt = c.edgeGuide ? 3 + guideChannels : -1;
  const out = E.tidy(() => {
    // Per patch: apply?, grey, rectangle height and width, top and left (as fractions).
    const r = E.rand([n, 6]);
    const col = (i: number) => r.narrow(1, i, 1).reshape([n, 1, 1, 1]);
    const flag = input.narrow(1, ch - 1, 1).narrow(2, 0, 1).narrow(3, 0, 1); // (n, 1, 1, 1)
    const apply = col(0).lt(p).logicalAnd(flag.gt(0.5)).float();
    const grey = col(1).mul(GREY[1] - GREY[0]).add(GREY[0]);
    const levels = c.roughen.levels;
    const flat = levels > 0 ? grey.mul(levels - 1).round().div(levels - 1) : grey;
    const rh = col(2).mul(MAX_SIDE - MIN_SIDE).add(MIN_SIDE).mul(h);
    const rw = col(3).mul(MAX_SIDE - MIN_SIDE).add(MIN_SIDE).mul(w);
    // top-left from -side/2 to size - side/2: rectangles may be cut by the patch border.
    const top = col(4).mul(h).sub(rh.mul(0.5));
    const left = col(5).mul(w).sub(rw.mul(0.5));
    const ys = E.arange(0, h).float().reshape([1, 1, h, 1]).add(0.5);
    const xs = E.arange(0, w).float().reshape([1, 1, 1, w]).add(0.5);
    const mask = ys.ge(top).logicalAnd(ys.lt(top.add(rh))).logicalAnd(xs.ge(left).logicalAnd(xs.lt(left.add(rw)))).float().mul(apply); // (n, 1, h, w)
    // The ±2 px band around the rectangle's border, where lines and edges are recomputed.
    const band = dilate(mask, 2).sub(erode(mask, 2));
    const inside = mask.sub(band).clamp(0, 1);

    const rgb = input.narrow(1, 0, 3);
    const noise = c.roughen.noise > 0 ? E.randn([n, 3, h, w]).mul(c.roughen.noise) : E.zeros([n, 3, h, w]);
    const blank = flat.add(noise).clamp(0, 1);
    const flatRgb = rgb.mul(mask.rsub(1)).add(flat.mul(mask));
    // roughen's line step on the blanked colour (blurred as roughen blurs), for the border band.
    const radius = Math.ceil(3 * c.roughen.blurSigma);
    const blurred = c.roughen.blurSigma > 0 && h > radius && w > radius ? gaussianBlur(flatRgb, c.roughen.blurSigma) : flatRgb;
    let border = blurred;
    if (c.roughen.lineStrength > 0) {
      const lines = sobelMagnitude(luminance(blurred)).sub(c.roughen.lineThreshold).mul(4).clamp(0, 1).mul(c.roughen.lineStrength);
      border = blurred.mul(lines.rsub(1));
    }
    const keep = inside.add(band).rsub(1);
    const newRgb = rgb.mul(keep).add(blank.mul(inside)).add(border.clamp(0, 1).mul(band));
    const parts = [newRgb, input.narrow(1, 3, ch - 3)];
    if (edgeAt >= 0) {
      // buildInput's edge map is the Sobel magnitude of the rough frame's luma: 0 inside, an edge on the border.
      const edge = input.narrow(1, edgeAt, 1);
      const newEdge = edge.mul(keep).add(sobelMagnitude(luminance(flatRgb)).mul(band));
      parts.splice(1, 1, input.narrow(1, 3, guideChannels), newEdge, input.narrow(1, edgeAt + 1, ch - edgeAt - 1));
    }
    return E.F.cat(parts, 1);
  });
  return { input: out, target };
}
