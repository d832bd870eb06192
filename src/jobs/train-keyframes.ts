// The "train keyframes" job: adapt the production's look model to one shot's painted keyframes in
// a short, bounded time. The keyframe pairs become their own dataset snapshot for lineage.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { createDataset, getDataset, type Production } from '../store/index.js';
import { type LookConfig, makeConfig } from '../models/look/config.js';
import { detectGuides } from '../models/look/data.js';
import { trainLook, type TrainLookResult } from '../models/look/train.js';
import { resolveLookModel } from './model-ref.js';
import { trainingFiles } from './train-look.js';

export interface TrainKeyframesOptions {
  shot: string;
  /** Base look model (version or file); default the newest look model; null = from scratch. */
  model?: string | null;
  budgetSeconds?: number;
  seed?: number;
}

export interface TrainKeyframesResult { modelVersion: number; baseModel: number | null; runDir: string; keyframes: number[]; result: TrainLookResult }

export async function runTrainKeyframes(prod: Production, o: TrainKeyframesOptions, onEvent: (e: unknown) => void, isCancelled: () => boolean = () => false): Promise<TrainKeyframesResult> {
  const shot = await prod.shot(o.shot);
  const keys = shot.frames.filter((f) => f.keyframe && f.pairId !== null);
  if (keys.length === 0) throw new Error(`shot ${shot.name} has no painted keyframes paired with rough frames (add them with \`atelier shot keyframe ${shot.name} FILE\`)`);
  const pairIds = keys.map((f) => f.pairId!).sort((a, b) => a - b);
  // One snapshot per set of keyframe pairs: the same keyframes reuse it.
  const name = `${shot.name}-keys-${createHash('sha256').update(pairIds.join(',')).digest('hex').slice(0, 8)}`;
  const snapshot = await getDataset(prod, name).catch(async () => (await createDataset(prod, name, { pairIds, note: `keyframes of shot ${shot.name}` })).snapshot);
  const files = { ...trainingFiles(snapshot), concepts: [] };
  const base = o.model === null ? null : await resolveLookModel(prod, o.model);
  const budget = o.budgetSeconds ?? 90;
  let config: LookConfig;
  if (base) {
    // Same network and preprocessing as the base model; a gentler, shorter schedule.
    config = {
      ...base.model.config,
      train: { ...base.model.config.train, seed: o.seed ?? base.model.config.train.seed, lr: 1e-4, steps: 1000, budgetSeconds: budget, holdOut: 0, conceptProb: 0, advStart: 0, evalEvery: 100, sampleEvery: 200, checkpointEvery: 100 },
    };
    base.model.generator.dispose();
  } else {
    config = makeConfig(await detectGuides(files.pairs), { train: { seed: o.seed ?? 1, steps: 1000, budgetSeconds: budget, holdOut: 0, conceptProb: 0, evalEvery: 100, sampleEvery: 200, checkpointEvery: 100 } });
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const runDir = join(prod.dir, 'runs', `keys-${shot.name}-${stamp}`);
  writeFileAtomic(join(runDir, 'config.json'), Buffer.from(JSON.stringify(config, null, 2)));
  const result = await trainLook({ runDir, config, files, resume: false, initModel: base?.path }, { progress: onEvent, get cancelled() { return isCancelled(); } });
  const modelVersion = await prod.registerModelVersion({
    kind: 'look-keyframes', datasetId: snapshot.id, config, seed: config.train.seed,
    files: { 'model.safetensors': result.modelPath },
    metrics: { shot: shot.name, base_model: base?.version ?? null, keyframes: keys.map((k) => k.frame), steps: result.steps, train_seconds: +result.seconds.toFixed(1), train_gflops: result.trainGflops, run: runDir },
  });
  return { modelVersion, baseModel: base?.version ?? null, runDir, keyframes: keys.map((k) => k.frame), result };
}
