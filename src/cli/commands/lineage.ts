// atelier lineage <path>: from a rendered frame (or model file, or asset) back to the training assets and their rights.
import type { Command } from 'commander';
import { lineage, formatLineage } from '../../store/index.js';
import { printResult } from '../output.js';
import { common, withProduction, type CommonOpts } from './store-common.js';

export function registerLineage(program: Command): void {
  common(program.command('lineage')
    .argument('<path>', 'a rendered frame, a model weight file, or an image in the production')
    .description('Print the chain from an output back to its model version, dataset snapshot, training assets and their rights.'))
    .addHelpText('after', `
Files are recognised by content, so moved or renamed renders are still found.

Example:
  atelier lineage out/sh020/final.1001.png --json | jq '.trainingAssets[] | select(.rights.licence != "work for hire")'`)
    .action(async (path: string, o: CommonOpts) => {
      const l = await withProduction(o, (prod) => lineage(prod, path));
      printResult(!!o.json, l, () => formatLineage(l));
    });
}
