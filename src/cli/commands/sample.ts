// atelier sample <dir>: generate the procedural sample production (demo + benchmark data; no downloads).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { generateSampleProduction, DEFAULT_SIZE, DEFAULT_SEED } from '../../sample/index.js';
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

export function registerSample(program: Command): void {
  program.command('sample')
    .argument('<dir>', 'folder to write the production into (created if missing)')
    .description('Generate the procedural sample production: paintover pairs with render passes, concept art, character sheets and held-out animated test shots.')
    .option('--size <WxH>', `frame size (default ${DEFAULT_SIZE.width}x${DEFAULT_SIZE.height})`, parseSize)
    .option('--seed <n>', `random seed (default ${DEFAULT_SEED}); same seed, same files`, parseNonNegInt)
    .option('--shot-frames <n>', 'frames per test shot (default 24)', parseNonNegInt)
    .option('--no-preview', 'skip the preview contact sheets')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Writes <dir>/manifest.json (every file with its role, links and rights) last, once everything else is written.

Examples:
  atelier sample ./sample
  atelier sample ./sample-small --size 128x128 --shot-frames 8 --json`)
    .action(async (dir: string, o: { size?: { width: number; height: number }; seed?: number; shotFrames?: number; preview: boolean; json?: boolean }) => {
      const json = !!o.json;
      if (o.shotFrames !== undefined && o.shotFrames < 2) throw new Error('--shot-frames must be at least 2');
      const showProgress = !json && process.stderr.isTTY;
      const res = await generateSampleProduction(dir, {
        ...o.size, seed: o.seed, shotFrames: o.shotFrames, preview: o.preview,
        onProgress: showProgress ? (done, total, what) => process.stderr.write(`\r\x1b[K${done}/${total} ${what}`) : undefined,
      });
      if (showProgress) process.stderr.write('\r\x1b[K');
      const m = res.manifest;
      const count = (k: string) => m.files.filter((f) => f.kind === k).length;
      printResult(json, {
        dir: res.outDir, manifest: res.manifestPath, files: res.files, seconds: +res.seconds.toFixed(2),
        timings: Object.fromEntries(Object.entries(res.timings).map(([k, v]) => [k, +v.toFixed(2)])),
        width: m.width, height: m.height, seed: m.seed,
        counts: Object.fromEntries(['paintover', 'rough', 'pass', 'concept', 'character_sheet', 'keyframe', 'ground_truth', 'preview'].map((k) => [k, count(k)])),
        scenes: m.scenes.map((s) => ({ name: s.name, split: s.split, frames: s.frames })),
      }, () => [
        `sample production written to ${res.outDir} (${m.width}x${m.height}, seed ${m.seed}) in ${res.seconds.toFixed(1)} s`,
        `  ${count('paintover')} paintover pairs, ${count('concept')} concept paintings, ${count('character_sheet')} character sheets`,
        `  ${m.scenes.filter((s) => s.split === 'test').map((s) => `${s.name} (${s.frames} frames)`).join(', ')}: held-out test shots, ${count('keyframe')} painted keyframes`,
        `  ${res.files} files; manifest: ${res.manifestPath}`,
      ].join('\n'));
    });
}
