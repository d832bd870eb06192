// A conditional patch discriminator (pix2pix / Texler 2020): scores overlapping patches of
// (input, image) as real paintover or generated, trained with the least-squares GAN loss.
import * as E from '../../engine/index.js';
import * as nn from '../../nn/index.js';

export class PatchDiscriminator extends nn.Module {
  readonly body: nn.Sequential;
  constructor(inChannels: number, ch: number) {
    super();
    this.body = this.child('body', new nn.Sequential(
      new nn.Conv2d(inChannels + 3, ch, 4, { stride: 2, padding: 1 }), nn.LeakyReLU(0.2),
      new nn.Conv2d(ch, 2 * ch, 4, { stride: 2, padding: 1 }), nn.LeakyReLU(0.2),
      new nn.Conv2d(2 * ch, 2 * ch, 3, { padding: 1 }), nn.LeakyReLU(0.2),
      new nn.Conv2d(2 * ch, 1, 3, { padding: 1 }),
    ));
  }
  /** input (N, Cin, H, W), image (N, 3, H, W) -> scores (N, 1, H/4, W/4). */
  score(input: E.Tensor, image: E.Tensor): E.Tensor {
    return E.tidy(() => this.body.forward(E.F.cat([input, image], 1)));
  }
  forward(x: E.Tensor): E.Tensor {
    return this.body.forward(x);
  }
}
