// The "train look" job: a dataset snapshot of the production -> a trained look model registered as
// a model version with its lineage. One definition for the CLI, the dailies server and the farm.
import { newRunDir, isRunStamp } from './run-dir.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { pairSizeProblems, modelVersionsOfRun, type Production, type DatasetSnapshot } from '../store/index.js';
import { productionColour } from '../store/colour-settings.js';
import type { ColourContext } from '../data/colour.js';
import { type LookConfig, type TrainConfig, type ArchitectureConfig, type RoughenConfig, makeConfig, parseConfig } from '../models/look/config.js';
import { type TrainingFiles, detectGuides } from '../models/look/data.js';
import { trainLook, hasCheckpoint, type TrainLookResult } from '../models/look/train.js';
import { explainCancel } from '../util/cancelled.js';

export interface TrainLookJobOptions {
  dataset: string;
  /** Continue a run: true = the latest run of this dataset, or a run folder. */
  resume?: boolean | string;
  train?: Partial<TrainConfig>;
  arch?: Partial<ArchitectureConfig>;
  roughen?: Partial<RoughenConfig>;
  /** Stop after this many steps (checkpointed, resumable); for tests. */
  stopAfter?: number;
  /** Told the run's folder before training starts (the dailies keep it, to resume an interrupted job). */
  onRun?: (runDir: string) => void;
}

export interface TrainLookJobResult { modelVersion: number; runDir: string; result: TrainLookResult; dataset: { id: number; name: string } }

/**
 * Paintover pairs and concept art (concept art and character sheets) of a snapshot, as files with
 * their recorded colour spaces; with the production's colour context they are read into its
 * working space (the space the model then records).
 */
export function trainingFiles(s: DatasetSnapshot, colour?: ColourContext): TrainingFiles {
  return {
    pairs: s.pairs.map((p) => ({
      id: `pair-${p.id}`, rough: p.rough.path, painted: p.painted.path,
      passes: Object.fromEntries(Object.entries(p.passes).map(([n, a]) => [n, a.path])),
      spaces: { rough: p.rough.colorSpace, painted: p.painted.colorSpace },
    })),
    concepts: s.assets.filter((a) => a.kind === 'concept_art' || a.kind === 'character_sheet').map((a) => ({ id: `asset-${a.id}`, path: a.path, space: a.colorSpace })),
    ...(colour ? { colour } : {}),
  };
}

function runsDir(prod: Pick<Production, 'dir'>): string {
  return join(prod.dir, 'runs');
}

/** The newest resumable run (one with a checkpoint) of a dataset. */
export function latestRun(prod: Pick<Production, 'dir'>, dataset: string): string | null {
  const dir = runsDir(prod);
  if (!existsSync(dir)) return null;
  const runs = readdirSync(dir)
    // look-<dataset>-<stamp>[-n]: dataset d1's runs, not those of a dataset d1-x.
    .filter((n) => n.startsWith(`look-${dataset}-`) && isRunStamp(n.slice(`look-${dataset}-`.length)) && hasCheckpoint(join(dir, n)))
    .map((n) => join(dir, n))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return runs[0] ?? null;
}

export async function runTrainLook(prod: Production, o: TrainLookJobOptions, onEvent: (e: unknown) => void, isCancelled: () => boolean = () => false): Promise<TrainLookJobResult> {
  // The options first (makeConfig checks them; the guides found later change nothing it checks):
  // a bad one is named before the dataset is read. A resumed run keeps its own config.
  if (!o.resume) makeConfig([], { train: o.train, arch: o.arch, roughen: o.roughen });
  const snapshot = await prod.dataset(o.dataset);
  // Checked before any training: loading the pairs would fail on the first one, naming store files.
  const bad = pairSizeProblems(snapshot.pairs);
  if (bad.length) throw new Error(`dataset ${snapshot.name} holds pairs training cannot read: ${bad.map((b) => `pair #${b.pair}: ${b.message}`).join('; ')} (a painting and its passes must be the size of their rough frame: pair them again at that size, and make a new dataset without these)`);
  const files = trainingFiles(snapshot, await productionColour(prod));
  if (files.pairs.length === 0 && files.concepts.length === 0) {
    throw new Error(`dataset ${snapshot.name} has no paintover pairs and no concept art to train on`);
  }
  let runDir: string;
  let config: LookConfig;
  if (o.resume) {
    const found = typeof o.resume === 'string' ? resolve(o.resume) : latestRun(prod, snapshot.name);
    if (!found || !existsSync(join(found, 'config.json'))) throw new Error(`no run of dataset ${snapshot.name} to resume${typeof o.resume === 'string' ? ` at ${o.resume}` : ''}`);
    runDir = found;
    // A finished run is a model already: training it "again" would register the same model anew.
    const made = await modelVersionsOfRun(prod, runDir);
    if (made.length) throw new Error(`run ${runDir} already finished as model version ${made.map((id) => `#${id}`).join(', ')}: nothing to resume (to train again, start a new run without --resume)`);
    // The run's own config, not today's defaults: a resumed run must be the same run.
    config = parseConfig(readFileSync(join(runDir, 'config.json'), 'utf8'), join(runDir, 'config.json'));
  } else {
    const guides = await detectGuides(files.pairs);
    config = makeConfig(guides, { train: o.train, arch: o.arch, roughen: o.roughen });
    runDir = newRunDir(prod.dir, `look-${snapshot.name}`);
    writeFileAtomic(join(runDir, 'config.json'), Buffer.from(JSON.stringify(config, null, 2)));
  }
  o.onRun?.(runDir);
  // Just checkpointed, a cancelled run is the dataset's latest: plain --resume finds it.
  const again = `atelier train look --dataset ${snapshot.name} --resume${typeof o.resume === 'string' ? ` ${o.resume}` : ''}`;
  const result = await explainCancel(trainLook(
    { runDir, config, files, resume: !!o.resume, stopAfter: o.stopAfter },
    { progress: onEvent, get cancelled() { return isCancelled(); } },
  ), (m) => `${m}, checkpoint written to ${runDir}; no model registered. Continue it with: ${again}`);
  const modelVersion = await prod.registerModelVersion({
    kind: 'look', datasetId: snapshot.id, config, seed: config.train.seed,
    files: { 'model.safetensors': result.modelPath },
    metrics: {
      held_out_psnr: result.heldOutPsnr, held_out_pairs: result.heldOutPairs, steps: result.steps, best_step: result.bestStep,
      stopped_early: result.stoppedEarly, train_seconds: +result.seconds.toFixed(1), train_gflops: result.trainGflops, device: result.device,
      evals: result.evals, run: runDir,
    },
  });
  return { modelVersion, runDir, result, dataset: { id: snapshot.id, name: snapshot.name } };
}
