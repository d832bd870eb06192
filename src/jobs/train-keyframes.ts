// The "train keyframes" job: adapt the production's look model to one shot's painted keyframes in
// a short, bounded time. The keyframe pairs become their own dataset snapshot for lineage.
// The adaptation is held to the production model (see models/look/anchor.ts) so that it cannot drift
// what the keyframes do not show: an L2-SP penalty toward the production model's weights, and
// distillation toward the production model's output on the shot's other frames and on frames of the
// production model's own training set, on the pixels whose id-pass colour (character, object) the
// keyframes do not show.
import { newRunDir } from './run-dir.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { createDataset, getDataset, getPairs, pairSizeProblems, type Production } from '../store/index.js';
import { type LookConfig, makeConfig, DEFAULT_TRAIN } from '../models/look/config.js';
import { detectGuides } from '../models/look/data.js';
import { trainLook, type TrainLookResult } from '../models/look/train.js';
import { resolveLookModel } from './model-ref.js';
import { getModelVersion, listModelVersions } from '../store/index.js';
import { idColours, type AnchorFrame, type AnchorOptions } from '../models/look/anchor.js';
import { trainingFiles } from './train-look.js';
import { productionColour } from '../store/colour-settings.js';
import { checkModelWorkingSpace } from '../models/look/model-file.js';
import { explainCancel } from '../util/cancelled.js';

export interface TrainKeyframesOptions {
  shot: string;
  /** Base look model (version or file); default the production's newest look model; null = from scratch. */
  model?: string | null;
  budgetSeconds?: number;
  seed?: number;
  /** Hold the adaptation to the base model (default DEFAULT_KEYFRAME_ANCHOR); false: plain fine-tuning. */
  anchor?: Partial<KeyframeAnchorOptions> | false;
}

export interface KeyframeAnchorOptions {
  /** L2-SP weight on the sum of squared weight changes. */
  wL2SP: number;
  /** Weight of the masked L1 to the base model's output. */
  wDistill: number;
  /** Most of the shot's non-keyframe frames, and of the base model's training pairs, used as anchor frames. */
  shotFrames: number;
  productionFrames: number;
}

export const DEFAULT_KEYFRAME_ANCHOR: KeyframeAnchorOptions = { wL2SP: 0.5, wDistill: 2, shotFrames: 6, productionFrames: 6 };

/** Side of the keyframes' centre crops shown on a keyframe run's sample sheets. */
export const KEYFRAME_SAMPLE_CROP = 256;

/** n items spread evenly over a list (all of them when it is shorter). */
function spread<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  return Array.from({ length: n }, (_, i) => list[Math.floor(((i + 0.5) * list.length) / n)]!);
}

export interface TrainKeyframesResult {
  modelVersion: number; baseModel: number | null; runDir: string; keyframes: number[]; result: TrainLookResult;
  /** How the adaptation was held to the base model (null: not held). */
  anchor: (KeyframeAnchorOptions & { frames: number; freeIds: number }) | null;
}

/**
 * A keyframe fine-tune's config: the base model's network and preprocessing, a gentler, shorter
 * schedule. The adversarial term is on from the first step, so a base trained before the
 * discriminator's view was fixed (no discShift/discBlur: it printed a period-2 grid) or without
 * blank-rough patches gets today's defaults for them; a base that set them keeps its own.
 */
export function keyframeFineTuneConfig(base: LookConfig, budgetSeconds: number, seed?: number): LookConfig {
  const t = base.train;
  return {
    ...base,
    train: {
      ...t, seed: seed ?? t.seed, lr: 1e-4, steps: 1000, budgetSeconds, holdOut: 0, conceptProb: 0, advStart: 0, evalEvery: 100, sampleEvery: 200, checkpointEvery: 100,
      discShift: t.discShift ?? DEFAULT_TRAIN.discShift, discBlur: t.discBlur ?? DEFAULT_TRAIN.discBlur, blankProb: t.blankProb ?? DEFAULT_TRAIN.blankProb,
    },
  };
}

export async function runTrainKeyframes(prod: Production, o: TrainKeyframesOptions, onEvent: (e: unknown) => void, isCancelled: () => boolean = () => false): Promise<TrainKeyframesResult> {
  const budget = o.budgetSeconds ?? 90;
  // The options first, checked as train look checks its own, before a snapshot or model is made.
  makeConfig([], { train: { seed: o.seed ?? 1, budgetSeconds: budget } });
  const shot = await prod.shot(o.shot);
  const keys = shot.frames.filter((f) => f.keyframe && f.pairId !== null);
  if (keys.length === 0) throw new Error(`shot ${shot.name} has no painted keyframes paired with rough frames (add them with \`atelier shot keyframe ${shot.name} FILE\`)`);
  const pairIds = keys.map((f) => f.pairId!).sort((a, b) => a - b);
  const frameOf = new Map(keys.map((f) => [f.pairId!, f.frame]));
  const bad = pairSizeProblems(await getPairs(prod, pairIds));
  if (bad.length) throw new Error(`shot ${shot.name}'s painted keyframes cannot be trained on: ${bad.map((b) => `frame ${frameOf.get(b.pair)}: ${b.message}`).join('; ')} (paint a keyframe at its rough frame's size and attach it again: \`atelier shot keyframe ${shot.name} FILE --frame N\`)`);
  // One snapshot per set of keyframe pairs: the same keyframes reuse it.
  const name = `${shot.name}-keys-${createHash('sha256').update(pairIds.join(',')).digest('hex').slice(0, 8)}`;
  if (o.model === undefined && !(await listModelVersions(prod)).some((v) => v.kind === 'look')) {
    throw new Error(`this production has no look model to adapt to shot ${shot.name}: train one with \`atelier train look --dataset <snapshot>\`, or train the shot's model from random weights with \`atelier train keyframes ${shot.name} --from-scratch\``);
  }
  const colour = await productionColour(prod);
  // The base model first: one of another working space is refused before a snapshot is made.
  const base = o.model === null ? null : await resolveLookModel(prod, o.model);
  let snapshot;
  try {
    if (base) checkModelWorkingSpace(base.model, colour, base.version !== null ? `look model #${base.version}` : `look model ${base.path}`);
    snapshot = await getDataset(prod, name).catch(async () => (await createDataset(prod, name, { pairIds, note: `keyframes of shot ${shot.name}` })).snapshot);
  } catch (err) { base?.model.generator.dispose(); throw err; }
  const files = { ...trainingFiles(snapshot, colour), concepts: [] };
  let config: LookConfig;
  if (base) {
    config = keyframeFineTuneConfig(base.model.config, budget, o.seed);
    base.model.generator.dispose();
  } else {
    config = makeConfig(await detectGuides(files.pairs), { train: { seed: o.seed ?? 1, steps: 1000, budgetSeconds: budget, holdOut: 0, conceptProb: 0, evalEvery: 100, sampleEvery: 200, checkpointEvery: 100 } });
  }
  let anchor: AnchorOptions | undefined;
  let anchorInfo: TrainKeyframesResult['anchor'] = null;
  if (base && o.anchor !== false) {
    const a = { ...DEFAULT_KEYFRAME_ANCHOR, ...(o.anchor ?? {}) };
    // A rough frame's colour space: the shot's (as renders read it), a pair's its asset's.
    const asFrame = (id: string, f: { rough: { path: string } | null; passes: Record<string, { path: string }> }, space: string | null): AnchorFrame =>
      ({ id, rough: f.rough!.path, space, passes: Object.fromEntries(Object.entries(f.passes).map(([k, v]) => [k, v.path])) });
    const guides = config.guides.map((g) => g.name);
    const complete = (f: { rough: unknown; passes: Record<string, unknown> }) => f.rough && guides.every((g) => f.passes[g]);
    const frames: AnchorFrame[] = spread(shot.frames.filter((f) => !f.keyframe && complete(f)), a.shotFrames).map((f) => asFrame(`${shot.name}.${f.frame}`, f, shot.colorSpace));
    if (base.version !== null && a.productionFrames > 0) {
      const v = await getModelVersion(prod, base.version);
      const ds = await getDataset(prod, v.datasetId);
      frames.push(...spread(ds.pairs.filter((p) => complete({ rough: p.rough, passes: p.passes })), a.productionFrames).map((p) => asFrame(`pair-${p.id}`, p, p.rough.colorSpace)));
    }
    // What the keyframes show (by id-pass colour) is theirs to change; everything else is held.
    const idFiles = keys.map((k) => k.passes.id?.path).filter((p): p is string => !!p);
    const freeIds = idFiles.length === keys.length ? await idColours(idFiles) : [];
    anchor = { model: base.path, wL2SP: a.wL2SP, wDistill: a.wDistill, frames, freeIds, colour };
    anchorInfo = { ...a, frames: frames.length, freeIds: freeIds.length };
  }
  const runDir = newRunDir(prod.dir, `keys-${shot.name}`);
  writeFileAtomic(join(runDir, 'config.json'), Buffer.from(JSON.stringify(config, null, 2)));
  // Sample sheets of the centre 256 px of each keyframe: a whole 960x540 keyframe's sheet took 5.2 s
  // on 2 busy cores, its centre 0.3 s; 1080p keyframes cost 4x the former, out of a 90 s budget.
  const result = await explainCancel(trainLook({ runDir, config, files, resume: false, initModel: base?.path, anchor, sampleCrop: KEYFRAME_SAMPLE_CROP }, { progress: onEvent, get cancelled() { return isCancelled(); } }),
    (m) => `${m}; no model registered (a keyframe run starts afresh: run train keyframes again)`);
  const modelVersion = await prod.registerModelVersion({
    kind: 'look-keyframes', datasetId: snapshot.id, config, seed: config.train.seed,
    files: { 'model.safetensors': result.modelPath },
    metrics: { shot: shot.name, base_model: base?.version ?? null, keyframes: keys.map((k) => k.frame), steps: result.steps, train_seconds: +result.seconds.toFixed(1), train_gflops: result.trainGflops, device: result.device, run: runDir, anchor: anchorInfo },
  });
  return { modelVersion, baseModel: base?.version ?? null, runDir, keyframes: keys.map((k) => k.frame), result, anchor: anchorInfo };
}
