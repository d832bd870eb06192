// The upscaler's configuration: architecture, scale and training settings. Saved in the model
// file's metadata and with each run, so a model can always be rebuilt exactly.
/**
 * 'area': s x s block average; 'bicubic-aa': antialiased bicubic (sharp's 'cubic' resize, PIL,
 * imresize); 'bicubic': libtorch's bicubic sampling, not antialiased.
 */
export type DownscaleMode = 'area' | 'bicubic' | 'bicubic-aa';
export const DOWNSCALE_MODES: readonly DownscaleMode[] = ['area', 'bicubic', 'bicubic-aa'];

export interface UpscaleArch {
  /** Feature channels of every hidden conv (default 32). */
  channels: number;
  /** Residual blocks (two 3x3 convs each) at low resolution (default 8; 3 before 2026-11-25). */
  blocks: number;
}

export interface UpscaleTrain {
  /** Training steps; replaced by a step count planned from the speed when budgetSeconds is set. */
  steps: number;
  budgetSeconds: number | null;
  batchSize: number;
  /** High-resolution patch size in pixels (a multiple of the scale). */
  patchSize: number;
  lr: number;
  seed: number;
  /** Fraction of the images held out (whole images, never trained on) to score the model. */
  holdOut: number;
  /** Steps between held-out evaluations (reporting only: they never choose the weights). */
  evalEvery: number;
}

export interface UpscaleConfig {
  format: 'atelier-upscale';
  version: 1;
  scale: 2 | 4;
  /** How low-resolution inputs are made from high-resolution images (training and evaluation). */
  downscale: DownscaleMode;
  arch: UpscaleArch;
  train: UpscaleTrain;
}

// Measured on the sample production (bench/RESULTS.md, upscale): 8 blocks gain more over bicubic on
// held-out art than 3 blocks or 48 channels; the deeper network reads 19 low-resolution pixels each
// side, so patches of 96 (48 low-resolution pixels, 8 a batch: about as many pixels a step as 16 of
// 64) give it more real context; it still improves at 4000 steps. Model files keep their own arch.
export const DEFAULT_ARCH: UpscaleArch = { channels: 32, blocks: 8 };
export const DEFAULT_TRAIN: UpscaleTrain = { steps: 4000, budgetSeconds: null, batchSize: 8, patchSize: 96, lr: 2e-3, seed: 1, holdOut: 0.25, evalEvery: 100 };

export function makeUpscaleConfig(o: { scale?: number; downscale?: DownscaleMode; arch?: Partial<UpscaleArch>; train?: Partial<UpscaleTrain> } = {}): UpscaleConfig {
  const c: UpscaleConfig = {
    format: 'atelier-upscale', version: 1, scale: (o.scale ?? 2) as 2 | 4, downscale: o.downscale ?? 'bicubic-aa',
    arch: { ...DEFAULT_ARCH, ...o.arch }, train: { ...DEFAULT_TRAIN, ...o.train },
  };
  validate(c, 'upscale config');
  return c;
}

function validate(c: UpscaleConfig, where: string): void {
  const bad = (m: string) => { throw new Error(`${where}: ${m}`); };
  const int = (v: unknown, what: string, min: number) => { if (!Number.isInteger(v) || (v as number) < min) bad(`${what} must be a whole number >= ${min}, got ${String(v)}`); };
  if (c.format !== 'atelier-upscale' || c.version !== 1) bad('not an Atelier upscaler configuration (format/version)');
  if (c.scale !== 2 && c.scale !== 4) bad(`scale must be 2 or 4, got ${String(c.scale)}`);
  if (!DOWNSCALE_MODES.includes(c.downscale)) bad(`downscale must be ${DOWNSCALE_MODES.join(', ')}, got ${String(c.downscale)}`);
  int(c.arch.channels, 'channels', 1);
  int(c.arch.blocks, 'blocks', 0);
  const t = c.train;
  int(t.steps, 'steps', 1);
  if (t.budgetSeconds !== null && !(t.budgetSeconds > 0)) bad(`budget must be positive seconds, got ${String(t.budgetSeconds)}`);
  int(t.batchSize, 'batch size', 1);
  int(t.patchSize, 'patch size', c.scale * 4);
  if (t.patchSize % c.scale) bad(`patch size ${t.patchSize} must be a multiple of the scale ${c.scale}`);
  if (!(t.lr > 0)) bad(`learning rate must be positive, got ${String(t.lr)}`);
  int(t.seed, 'seed', 0);
  if (!(t.holdOut >= 0 && t.holdOut < 1)) bad(`hold-out fraction must be in [0, 1), got ${String(t.holdOut)}`);
  int(t.evalEvery, 'eval interval', 1);
}

export function parseUpscaleConfig(json: string, where: string): UpscaleConfig {
  let c: UpscaleConfig;
  try { c = JSON.parse(json) as UpscaleConfig; } catch (e) { throw new Error(`${where}: config is not JSON (${(e as Error).message})`); }
  if (!c || typeof c !== 'object' || !c.arch || !c.train) throw new Error(`${where}: not an Atelier upscaler configuration`);
  validate(c, where);
  return c;
}
