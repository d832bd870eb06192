// atelier add <files | folders | globs>: validate and ingest images with their metadata and rights.
import type { Command } from 'commander';
import { expandInputs } from '../../store/file-inputs.js';
import { ingestFiles, summarize, ASSET_KINDS } from '../../store/index.js';
import { printResult } from '../output.js';
import { common, metaOptions, rightsOptions, metaFrom, kindOption, withProduction, ingestLine, positiveNumber, type CommonOpts, type MetaOpts } from './store-common.js';
import type { AssetKind } from '../../store/schema.js';

export function registerAdd(program: Command): void {
  const cmd = program.command('add')
    .argument('<paths...>', 'image files, folders (searched recursively for .png .jpg .tif .webp .exr) or quoted globs ("art/**/*.png")')
    .description('Add images (PNG 8/16-bit, JPEG, TIFF, WebP, EXR) to the production. Each file is validated; bad ones are rejected with the reason and the rest are added. Identical files are stored once; look-alikes are flagged as near-duplicates.')
    .requiredOption('--kind <kind>', `what the images are: ${ASSET_KINDS.join(', ')} (spaces or dashes work too)`, kindOption)
    .option('--max-megapixels <n>', 'override the production\'s pixel limit for this batch', positiveNumber);
  metaOptions(cmd);
  rightsOptions(cmd);
  common(cmd)
    .addHelpText('after', `
Exit status: 0 when every file was added or already present, 2 when some were rejected, 1 on other errors.

Examples:
  atelier add concept/ --kind "concept art" --owner "Studio North" --licence "work for hire" --cleared
  atelier add "paint/sh010/*.png" --kind paintover --character mira --tag night`)
    .action(async (paths: string[], o: CommonOpts & MetaOpts & { kind: AssetKind; maxMegapixels?: number }) => {
      const inputs = expandInputs(paths);
      if (inputs.files.length === 0) throw new Error(`nothing to add: ${paths.join(' ')} matched no files`);
      const results = await withProduction(o, (prod) => ingestFiles(prod, inputs.files, { ...metaFrom(o), kind: o.kind }, {
        maxMegapixels: o.maxMegapixels,
        onResult: o.json ? undefined : (r) => (r.status === 'rejected' ? process.stderr : process.stdout).write(ingestLine(r) + '\n'),
      }));
      const summary = summarize(results);
      printResult(!!o.json, { summary, results, skipped: inputs.skipped, unmatched: inputs.unmatched }, () => [
        ...inputs.unmatched.map((u) => `no files match ${u}`),
        inputs.skipped.length ? `skipped ${inputs.skipped.length} in folders: not images, or links that loop or lead nowhere (--json lists them)` : '',
        `${summary.added} added, ${summary.duplicates} already present, ${summary.rejected} rejected${summary.nearDuplicates ? `, ${summary.nearDuplicates} flagged as near-duplicates` : ''}`,
      ].filter(Boolean).join('\n'));
      if (summary.rejected > 0) process.exitCode = 2;
    });
}
