// atelier gc: remove unreferenced blobs and temp files left by interrupted commands.
import type { Command } from 'commander';
import { collectGarbage } from '../../store/index.js';
import { printResult } from '../output.js';
import { common, withProduction, integer, type CommonOpts } from './store-common.js';

export function registerGc(program: Command): void {
  common(program.command('gc')
    .description('Remove stored files no record refers to and temp files of dead processes (left by interrupted commands).')
    .option('--min-age <seconds>', 'keep unreferenced files younger than this, which a running command may still record', integer, 900))
    .action(async (o: CommonOpts & { minAge: number }) => {
      const r = await withProduction(o, (prod) => collectGarbage(prod, { minAgeSeconds: o.minAge }));
      printResult(!!o.json, r, () => `removed ${r.removedBlobs.length} unreferenced files and ${r.removedTemps.length} temp files${r.keptRecent ? `; kept ${r.keptRecent} recent ones (see --min-age)` : ''}`);
    });
}
