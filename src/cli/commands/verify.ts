// atelier verify: is the workspace consistent (database intact, every recorded blob present)?
import type { Command } from 'commander';
import { verifyProduction } from '../../store/index.js';
import { printResult } from '../output.js';
import { common, withProduction, type CommonOpts } from './store-common.js';

export function registerVerify(program: Command): void {
  common(program.command('verify')
    .description('Check the production: database integrity, every recorded file present in the store (--deep: and unaltered). Orphans from interrupted commands are reported, not errors.')
    .option('--deep', 're-hash every stored file'))
    .action(async (o: CommonOpts & { deep?: boolean }) => {
      const r = await withProduction(o, (prod) => verifyProduction(prod, { deep: o.deep }));
      printResult(!!o.json, r, () => [
        r.ok ? 'ok: the production is consistent' : `PROBLEMS (${r.problems.length}):`,
        ...r.problems.map((p) => `  ${p}`),
        `  ${r.counts.assets} assets, ${r.counts.pairs} pairs, ${r.counts.shots} shots, ${r.counts.datasets} datasets, ${r.counts.modelVersions} model versions, ${r.counts.renders} renders, ${r.counts.blobs} stored files`,
        r.orphanBlobs.length || r.tempFiles.length ? `  leftovers from interrupted commands: ${r.orphanBlobs.length} unreferenced files, ${r.tempFiles.length} temp files (atelier gc removes them)` : '',
        r.missingRenders.length ? `  ${r.missingRenders.length} recorded rendered frame${r.missingRenders.length > 1 ? 's are' : ' is'} gone from disk (e.g. ${r.missingRenders[0]}); their lineage records stay` : '',
      ].filter(Boolean).join('\n'));
      if (!r.ok) process.exitCode = 1;
    });
}
