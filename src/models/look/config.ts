// The look model's configuration: one object, saved inside every model file and checkpoint, so a
// render rebuilds exactly the network and the input preprocessing that training used.

export interface RoughenConfig {
  /** Gaussian blur sigma in pixels: removes brush marks so painted and rough inputs look alike. */
  blurSigma: number;
  /** Colour levels per channel after blurring (flat colour regions); 0 disables. */
  levels: number;
  /** Strength of dark lines drawn on luminance edges (0 = none). */
  lineStrength: number;
  /** Edge magnitude where lines start. */
  lineThreshold: number;
  /** Std-dev of a fixed (seeded, screen-space) noise field added to the input; same in every frame. */
  noise: number;
}

export interface ArchitectureConfig {
  /** Channels of the full-resolution layers; level i uses baseChannels * 2^i, up to maxChannels. */
  baseChannels: number;
  /** Residual blocks at the deepest level. */
  resBlocks: number;
  /** Discriminator channels of its first layer. */
  discChannels: number;
  /** Downsampling levels (residual blocks at 1/2^levels). Absent in the first models: 2. */
  levels?: number;
  /** Kernel of the first (full-resolution) conv. Absent in the first models: 5. */
  stemKernel?: number;
  /** Channel cap of the deeper levels. Absent: no cap. */
  maxChannels?: number;
  /**
   * Space-to-depth factor (1 or 2). At 2 the frame enters as 2x2 pixel blocks (pixel unshuffle) and
   * leaves through a depth-to-space head (pixel shuffle): no conv runs at full resolution, where
   * small-channel convs are memory-bound. Absent in the first models: 1.
   */
  shuffle?: number;
  /** Conv border padding. Absent in the first models: reflect. */
  padding?: 'zeros' | 'reflect';
  /**
   * The decoder's 2x upsampling before each of its convs. Nearest printed a period-2 pattern at the
   * level it feeds (period 4 px in the frame at shuffle 2: gridScore 2.0 on a lynx keyframe model's
   * frame, 1.0 with a bilinear upsampling swapped in after training). Absent in the first models:
   * nearest.
   */
  upsample?: 'nearest' | 'bilinear';
  /**
   * A fixed filter on the frames the generator makes (inference; training sees the head's own
   * output). The pixel-shuffle head's four sub-pixel outputs are four learned functions, and their
   * small systematic differences (~1/400 on a lynx keyframe model) printed a period-2 pattern
   * (gridScore 3.5-7 on its frames). 'halfband' (taps -1 4 10 4 -1 over 16, along x and y) passes
   * nothing at 1/2 cycle per pixel, 3/4 at 1/4. Trained through, it cost the final's strokes some of
   * the painting's directions (look-hd orientation 0.078-0.080 against 0.069-0.074). Absent in the
   * first models: none.
   */
  outputFilter?: 'none' | 'halfband';
}

/** An architecture with every optional field filled (first models' values where absent). */
export function resolveArch(a: ArchitectureConfig): Required<ArchitectureConfig> {
  return { levels: 2, stemKernel: 5, maxChannels: 1024, shuffle: 1, padding: 'reflect', upsample: 'nearest', outputFilter: 'none', ...a };
}

export interface TrainConfig {
  seed: number;
  patchSize: number;
  batchSize: number;
  lr: number;
  /** Generator gradients are clipped to this global L2 norm. */
  clipNorm: number;
  /** Steps to train; when budgetSeconds is set it is derived from the measured step time. */
  steps: number;
  budgetSeconds: number | null;
  /** Loss weights: L1 on pixels, random-feature (perceptual) L1, random-feature Gram (texture), LSGAN. */
  wL1: number;
  wFeature: number;
  wGram: number;
  wAdv: number;
  /** Fraction of steps before the adversarial term switches on (lets the generator settle first). */
  advStart: number;
  /** Probability that a training patch comes from concept art (roughened) instead of a paintover. */
  conceptProb: number;
  /**
   * Probability that a training patch with guides gets a random rectangle of its rough frame blanked
   * (augment.ts blankRough), so the model paints from the passes where a rough frame is flat (0.3:
   * +3-4 dB in such regions of the sample's test frames, the same on whole ones). Absent in configs
   * written before it: 0.
   */
  blankProb?: number;
  /**
   * The discriminator sees each pair cropped by a random 0 to discShift px at the top and left
   * (augment.ts discriminatorView), so its stride grid is not locked to the generator's pixel
   * shuffle. Absent in configs written before it: 0.
   */
  discShift?: number;
  /**
   * The discriminator sees the image blurred by [1 2 1]/4 (augment.ts discriminatorView): blind to
   * period-2 patterns, so it cannot reward them (without it the GAN term printed a diagonal period-2
   * checker: gridScore 3-182 after 300 steps against 1.1-1.5 with it). Absent in configs written
   * before it: false.
   */
  discBlur?: boolean;
  /** Fraction of paintover pairs held out for early stopping (at least 1 when there are 4 or more). */
  holdOut: number;
  evalEvery: number;
  /** Evaluations without a held-out improvement before stopping (and at least a quarter of the run since the best). */
  patience: number;
  sampleEvery: number;
  checkpointEvery: number;
}

export interface LookConfig {
  format: 'atelier-look';
  version: 1;
  /** Render passes used as guide channels, in order, with their channel counts. */
  guides: { name: string; channels: number }[];
  /** Adds a Sobel edge map of the rough frame as a guide. */
  edgeGuide: boolean;
  roughen: RoughenConfig;
  arch: ArchitectureConfig;
  train: TrainConfig;
}

export const DEFAULT_ROUGHEN: RoughenConfig = { blurSigma: 1.2, levels: 16, lineStrength: 0.6, lineThreshold: 0.15, noise: 0.02 };
// 45 kFLOP per output pixel against the first models' 171k, for 1080p renders at ~1 fps on 2 cores;
// see generator.ts and bench/RESULTS.md (render).
export const DEFAULT_ARCH: ArchitectureConfig = { baseChannels: 24, resBlocks: 4, discChannels: 32, levels: 2, stemKernel: 3, maxChannels: 96, shuffle: 2, padding: 'zeros', upsample: 'bilinear', outputFilter: 'halfband' };
export const DEFAULT_TRAIN: TrainConfig = {
  seed: 1, patchSize: 64, batchSize: 8, lr: 4e-4, clipNorm: 1, steps: 2000, budgetSeconds: null,
  wL1: 4, wFeature: 1, wGram: 2, wAdv: 0.5, advStart: 0.6, conceptProb: 0.25, holdOut: 0.15,
  evalEvery: 100, patience: 6, sampleEvery: 250, checkpointEvery: 100, discShift: 3, discBlur: true, blankProb: 0.3,
};

/** Passes that are never guides: motion vectors drive flow, not appearance. */
export const NON_GUIDE_PASSES = new Set(['motion']);

/** Number of generator input channels for a config. */
export function inputChannels(c: LookConfig): number {
  return 3 + c.guides.reduce((s, g) => s + g.channels, 0) + (c.edgeGuide ? 1 : 0) + 1 /* has-guides flag */;
}

/**
 * A new run's config. Its settings are checked (naming the setting and value) and so is what a model
 * file's config must pass (parseConfig): a run that could not train, or whose model no command could
 * load, is refused before it starts.
 */
export function makeConfig(guides: { name: string; channels: number }[], overrides: { roughen?: Partial<RoughenConfig>; arch?: Partial<ArchitectureConfig>; train?: Partial<TrainConfig>; edgeGuide?: boolean } = {}): LookConfig {
  const c: LookConfig = {
    format: 'atelier-look', version: 1, guides, edgeGuide: overrides.edgeGuide ?? true,
    roughen: { ...DEFAULT_ROUGHEN, ...overrides.roughen },
    arch: { ...DEFAULT_ARCH, ...overrides.arch },
    train: { ...DEFAULT_TRAIN, ...overrides.train },
  };
  checkSettings(c, 'look config');
  checkModel(c, 'look config');
  return c;
}

/** The widest layer a model file may have (parseConfig). */
const MAX_CHANNELS = 1024;

/** A new run's settings, named as train look's options name them (as upscale config does). */
function checkSettings(c: LookConfig, where: string): void {
  const bad = (m: string) => { throw new Error(`${where}: ${m}`); };
  const int = (v: unknown, what: string, min: number, max = Infinity, why = '') => {
    if (!(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) bad(`${what} must be a whole number ${max < Infinity ? `from ${min} to ${max}` : `>= ${min}`}${why}, got ${String(v)}`);
  };
  const r = resolveArch(c.arch);
  // Levels are capped at maxChannels: a wider first layer would be trained at the cap, not as asked.
  const cap = Number.isInteger(r.maxChannels) ? Math.min(r.maxChannels, MAX_CHANNELS) : MAX_CHANNELS;
  int(c.arch.baseChannels, 'channels', 1, cap, ` (the generator's widest layer)`);
  const t = c.train;
  int(t.steps, 'steps', 1);
  if (t.budgetSeconds !== null && !(t.budgetSeconds > 0 && Number.isFinite(t.budgetSeconds))) bad(`budget must be positive seconds, got ${String(t.budgetSeconds)}`);
  int(t.batchSize, 'batch size', 1);
  // Patches pass the generator whole: a multiple of its downsampling (train.ts), at least one block.
  const m = r.shuffle * 2 ** r.levels;
  if (!(Number.isInteger(t.patchSize) && t.patchSize >= m && t.patchSize % m === 0)) bad(`patch size must be a multiple of ${m} (the generator's downsampling), got ${String(t.patchSize)}`);
  if (!(t.lr > 0 && Number.isFinite(t.lr))) bad(`learning rate must be positive, got ${String(t.lr)}`);
  int(t.seed, 'seed', 0);
  int(t.checkpointEvery, 'checkpoint interval', 1);
  int(t.evalEvery, 'eval interval', 1);
  int(t.sampleEvery, 'sample interval', 1);
  if (!(t.holdOut >= 0 && t.holdOut < 1)) bad(`hold-out fraction must be in [0, 1), got ${String(t.holdOut)}`);
}

/** Parses a config from a model file, rejecting what this code cannot rebuild. */
export function parseConfig(json: string, source: string): LookConfig {
  let c: LookConfig;
  try {
    c = JSON.parse(json) as LookConfig;
  } catch {
    throw new Error(`${source}: the model's config is not valid JSON`);
  }
  if (c?.format !== 'atelier-look' || c.version !== 1) throw new Error(`${source}: not an Atelier look model (format ${JSON.stringify(c?.format)}, version ${JSON.stringify(c?.version)})`);
  checkModel(c, source);
  return c;
}

/** What this code needs to rebuild a model: its guides, network and input preprocessing. */
function checkModel(c: LookConfig, source: string): void {
  if (!Array.isArray(c.guides) || !c.guides.every((g) => typeof g.name === 'string' && Number.isInteger(g.channels) && g.channels > 0 && g.channels <= 4)) {
    throw new Error(`${source}: the model's guide list is malformed`);
  }
  const a = c.arch;
  if (!a || ![a.baseChannels, a.resBlocks, a.discChannels].every((v) => Number.isInteger(v) && v > 0 && v <= 1024)) throw new Error(`${source}: the model's architecture is malformed`);
  const r = resolveArch(a);
  if (!(Number.isInteger(r.levels) && r.levels >= 1 && r.levels <= 5) || ![1, 3, 5, 7].includes(r.stemKernel) || !(Number.isInteger(r.maxChannels) && r.maxChannels > 0 && r.maxChannels <= 1024) || ![1, 2].includes(r.shuffle) || !['zeros', 'reflect'].includes(r.padding) || !['nearest', 'bilinear'].includes(r.upsample) || !['none', 'halfband'].includes(r.outputFilter)) {
    throw new Error(`${source}: the model's architecture is malformed (levels, stemKernel, maxChannels, shuffle, padding, upsample or outputFilter)`);
  }
  // Every input is roughened with these at render time: a missing or wrong-typed value would fail
  // there (or turn frames NaN) instead of here, naming the file.
  const rc: unknown = c.roughen;
  const rough = typeof rc === 'object' && rc !== null ? rc as Record<string, unknown> : null;
  const badRoughen = !rough ? [`roughen ${JSON.stringify(rc) ?? 'missing'}`] : Object.entries(ROUGHEN_CHECKS).flatMap(([k, ok]) => {
    const v = rough[k];
    return typeof v === 'number' && Number.isFinite(v) && ok(v) ? [] : [`${k} ${JSON.stringify(v) ?? 'missing'}`];
  });
  if (badRoughen.length) throw new Error(`${source}: the model's roughen config is malformed (${badRoughen.join(', ')})`);
}

/** What each roughen value may be (beyond a finite number). */
const ROUGHEN_CHECKS: Record<keyof RoughenConfig, (v: number) => boolean> = {
  blurSigma: (v) => v >= 0,
  // 1 level would divide by zero (levels - 1).
  levels: (v) => Number.isInteger(v) && (v === 0 || v >= 2),
  lineStrength: (v) => v >= 0,
  lineThreshold: () => true,
  noise: (v) => v >= 0,
};
