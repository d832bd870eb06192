// The two figures the trainer itself watches: PSNR for early stopping and progress.
import * as E from '../../engine/index.js';

/** PSNR in dB of images in [0, 1]; capped at 100 dB for identical images. */
export function psnr(a: E.Tensor, b: E.Tensor): number {
  const mse = E.tidy(() => E.F.mseLoss(a, b).item());
  return mse <= 1e-10 ? 100 : -10 * Math.log10(mse);
}
