// atelier sample <dir>: generate the procedural sample production (demo + benchmark data; no downloads).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { generateSampleProduction, DEFAULT_SIZE, DEFAULT_SEED } from '../../sample/index.js';
import type { SampleResult } from '../../sample/index.js';
import { importSampleProduction, readSampleManifest, DEFAULT_DATASET_NAME } from '../../sample/import.js';
import type { ImportReport } from '../../sample/import.js';
import { MARKER, initProduction, openProduction } from '../../store/index.js';
import type { Production } from '../../store/index.js';
import { printResult } from '../output.js';

function parseSize(v: string): { width: number; height: number } {
  const m = /^(\d+)[x×](\d+)$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected WxH, e.g. 256x256');
  const width = Number(m[1]), height = Number(m[2]);
  if (width < 32 || height < 32 || width > 4096 || height > 4096) throw new InvalidArgumentError('each side must be 32..4096');
  return { width, height };
}

function parseNonNegInt(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError('expected a non-negative integer');
  const n = Number(v);
  if (n > 0xffffffff) throw new InvalidArgumentError('must be at most 4294967295');
  return n;
}

const KINDS = ['paintover', 'rough', 'pass', 'concept', 'character_sheet', 'keyframe', 'ground_truth', 'preview'] as const;

function sampleSummary(res: SampleResult) {
  const m = res.manifest;
  const count = (k: string) => m.files.filter((f) => f.kind === k).length;
  const json = {
    dir: res.outDir, manifest: res.manifestPath, files: res.files, seconds: +res.seconds.toFixed(2),
    timings: Object.fromEntries(Object.entries(res.timings).map(([k, v]) => [k, +v.toFixed(2)])),
    width: m.width, height: m.height, seed: m.seed,
    counts: Object.fromEntries(KINDS.map((k) => [k, count(k)])),
    scenes: m.scenes.map((s) => ({ name: s.name, split: s.split, frames: s.frames })),
  };
  const text = [
    `sample production written to ${res.outDir} (${m.width}x${m.height}, seed ${m.seed}) in ${res.seconds.toFixed(1)} s`,
    `  ${count('paintover')} paintover pairs, ${count('concept')} concept paintings, ${count('character_sheet')} character sheets`,
    `  ${m.scenes.filter((s) => s.split === 'test').map((s) => `${s.name} (${s.frames} frames)`).join(', ')}: held-out test shots, ${count('keyframe')} painted keyframes`,
    `  ${res.files} files; manifest: ${res.manifestPath}`,
  ];
  return { json, text };
}

/** A path as the user would type it from here (relative when shorter), quoted if it has spaces. */
function shown(p: string): string {
  const rel = relative(process.cwd(), p) || '.';
  const s = rel.length < p.length ? rel : p;
  return /\s/.test(s) ? JSON.stringify(s) : s;
}

function importText(r: ImportReport): string[] {
  const prod = shown(r.productionDir);
  const lines = [
    `imported into production ${prod} in ${r.seconds.toFixed(1)} s (${r.ingest.added} files added, ${r.ingest.duplicates} already stored)`,
    `  ${r.pairs} paintover pairs (passes: ${r.passNames.join(', ') || 'none'}), ${r.concepts} concept paintings, ${r.sheets} character sheets`,
    `  shots: ${r.shots.map((s) => `${s.name} (${s.frames} frames at ${s.fps} fps, keyframes ${s.keyframes.join(', ') || 'none'})`).join(', ') || 'none'}`,
    `  dataset ${r.datasetName} (#${r.datasetId}, ${r.datasetAssets} assets${r.datasetReused ? ', already there from an earlier import' : ''})`,
    `  not ingested: ${r.skipped.heldOut} held-out files (ground truth stays in the sample folder for benchmarks), ${r.skipped.preview} previews`,
  ];
  if (r.rejected.length) {
    lines.push(`  ${r.rejected.length} rejected:`);
    for (const x of r.rejected.slice(0, 10)) lines.push(`    ${x.file}: ${x.reason}`);
    if (r.rejected.length > 10) lines.push(`    … and ${r.rejected.length - 10} more (--json lists all)`);
  }
  if (r.warnings.length) {
    lines.push(`  ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}:`);
    for (const w of r.warnings.slice(0, 5)) lines.push(`    ${w}`);
    if (r.warnings.length > 5) lines.push(`    … and ${r.warnings.length - 5} more (--json lists all)`);
  }
  const shot = r.shots[0]?.name;
  lines.push(
    'next:',
    `  atelier train look --dataset ${r.datasetName} --production ${prod}`,
    `  atelier dataset show ${r.datasetName} --production ${prod}`,
    ...(shot ? [`  atelier shot show ${shot} --production ${prod}`] : []),
  );
  return lines;
}

async function openOrInit(dir: string): Promise<{ prod: Production; created: boolean }> {
  if (existsSync(join(dir, MARKER))) return { prod: await openProduction(dir), created: false };
  return { prod: await initProduction(dir), created: true };
}

export function registerSample(program: Command): void {
  program.command('sample')
    .argument('<dir>', 'folder to write the production into (created if missing)')
    .description('Generate the procedural sample production: paintover pairs with render passes, concept art, character sheets and held-out animated test shots; with --production, also import it into a production workspace.')
    .option('--size <WxH>', `frame size (default ${DEFAULT_SIZE.width}x${DEFAULT_SIZE.height})`, parseSize)
    .option('--seed <n>', `random seed (default ${DEFAULT_SEED}); same seed, same files`, parseNonNegInt)
    .option('--shot-frames <n>', 'frames per test shot (default 24)', parseNonNegInt)
    .option('--no-preview', 'skip the preview contact sheets')
    .option('--production <prodDir>', 'then import it into this production (created with `atelier init` defaults if the folder is not one yet)')
    .option('--dataset <name>', `name of the dataset snapshot made by the import (default ${DEFAULT_DATASET_NAME})`)
    .option('--import-only', 'do not generate: import the sample production already in <dir> (needs --production)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Writes <dir>/manifest.json (every file with its role, links and rights) last, once everything else is written.

With --production, the import ingests the training pairs (paintover, rough frame, render passes), concept
art and character sheets with their tags, characters, location and rights; adds the test shots (rough
frames, passes, painted keyframes); and snapshots the training material as a dataset. Held-out ground
truth and previews are never ingested. Importing the same sample again reuses what is there.

Examples:
  atelier sample ./sample
  atelier sample ./sample-small --size 128x128 --shot-frames 8 --json
  atelier sample ./sample --production ./demo
  atelier sample ./sample --production ./demo --import-only --dataset look-v2`)
    .action(async (dir: string, o: {
      size?: { width: number; height: number }; seed?: number; shotFrames?: number; preview: boolean; json?: boolean;
      production?: string; dataset?: string; importOnly?: boolean;
    }) => {
      const json = !!o.json;
      if (o.shotFrames !== undefined && o.shotFrames < 2) throw new Error('--shot-frames must be at least 2');
      if (o.importOnly && !o.production) throw new Error('--import-only needs --production <prodDir>');
      if (o.dataset !== undefined && !o.production) throw new Error('--dataset needs --production <prodDir>');
      if (o.production) {
        const p = resolve(o.production), d = resolve(dir);
        if (p === d || p.startsWith(d + sep)) throw new Error(`the production ${o.production} cannot be inside the sample folder ${dir} (regenerating the sample empties that folder)`);
      }
      const showProgress = !json && process.stderr.isTTY;
      let sample: ReturnType<typeof sampleSummary> | null = null;
      if (o.importOnly) {
        readSampleManifest(dir); // fail early, before creating a production, if there is no sample here
      } else {
        const res = await generateSampleProduction(dir, {
          ...o.size, seed: o.seed, shotFrames: o.shotFrames, preview: o.preview,
          onProgress: showProgress ? (done, total, what) => process.stderr.write(`\r\x1b[K${done}/${total} ${what}`) : undefined,
        });
        if (showProgress) process.stderr.write('\r\x1b[K');
        sample = sampleSummary(res);
      }
      if (!o.production) {
        printResult(json, sample!.json, () => sample!.text.join('\n'));
        return;
      }
      const { prod, created } = await openOrInit(o.production);
      let report: ImportReport;
      try {
        report = await importSampleProduction(dir, prod, {
          datasetName: o.dataset,
          onProgress: showProgress ? (msg) => process.stderr.write(`\r\x1b[Kimport: ${msg}`) : undefined,
        });
      } finally {
        if (showProgress) process.stderr.write('\r\x1b[K');
        await prod.close();
      }
      printResult(json, { ...(sample ? sample.json : { dir: resolve(dir) }), productionCreated: created, import: report }, () => [
        ...(sample ? sample.text : []),
        ...(created ? [`created production ${shown(report.productionDir)} (new assets NOT cleared for training by default; the sample's own are, per its manifest)`] : []),
        ...importText(report),
      ].join('\n'));
    });
}
