// atelier ls [assets|pairs|shots|datasets|models|renders]: list what the production holds.
import type { Command } from 'commander';
import { listAssets, getPairs, findPairIds, listShots, listDatasets, listModelVersions, listRenderedFrames } from '../../store/index.js';
import type { AssetKind } from '../../store/schema.js';
import { printResult } from '../output.js';
import { common, collect, kindOption, integer, withProduction, table, type CommonOpts } from './store-common.js';

const WHAT = ['assets', 'pairs', 'shots', 'datasets', 'models', 'renders'] as const;

export function registerLs(program: Command): void {
  common(program.command('ls')
    .argument('[what]', `${WHAT.join(' | ')}`, 'assets')
    .description('List assets (filtered), pairs, shots, datasets, model versions or rendered frames.')
    .option('--kind <kind>', 'assets of this kind (repeatable)', (v: string, p: AssetKind[] = []) => [...p, kindOption(v)])
    .option('--tag <tag>', 'assets with this tag (repeatable: all must match)', collect)
    .option('--character <name>', 'assets showing this character (repeatable: all must match)', collect)
    .option('--location <name>', 'assets at this location', collect)
    .option('--cleared', 'only assets cleared for training')
    .option('--not-cleared', 'only assets not cleared for training')
    .option('--near-duplicates', 'only assets flagged as near-duplicates')
    .option('--limit <n>', 'at most n rows', integer))
    .addHelpText('after', `
Examples:
  atelier ls --kind paintover --character mira
  atelier ls --not-cleared --json | jq -r '.[].id'
  atelier ls pairs`)
    .action(async (what: string, o: CommonOpts & { kind?: AssetKind[]; tag?: string[]; character?: string[]; location?: string[]; cleared?: boolean; notCleared?: boolean; nearDuplicates?: boolean; limit?: number }) => {
      if (!(WHAT as readonly string[]).includes(what)) throw new Error(`cannot list "${what}": choose one of ${WHAT.join(', ')}`);
      await withProduction(o, async (prod) => {
        const json = !!o.json;
        switch (what) {
          case 'assets': {
            const assets = await listAssets(prod, { kinds: o.kind, tags: o.tag, characters: o.character, locations: o.location, cleared: o.cleared ? true : o.notCleared ? false : undefined, nearDuplicates: o.nearDuplicates, limit: o.limit });
            return printResult(json, assets, () => assets.length ? table([['ID', 'KIND', 'SIZE', 'CLEARED', 'OWNER', 'NAME', 'NOTES'],
              ...assets.map((a) => [String(a.id), a.kind, `${a.width}×${a.height} ${a.format}${a.bitDepth > 8 ? a.bitDepth : ''}`, a.rights.clearedForTraining ? 'yes' : 'no', a.rights.owner ?? '-', a.originalName,
                [a.nearDuplicateOf ? `near-dup of #${a.nearDuplicateOf}` : '', a.characters.join(','), a.tags.map((t) => '#' + t).join(' ')].filter(Boolean).join(' ')])]) : 'no matching assets');
          }
          case 'pairs': {
            const pairs = await getPairs(prod, await findPairIds(prod));
            const shown = o.limit ? pairs.slice(0, o.limit) : pairs;
            return printResult(json, shown, () => shown.length ? table([['PAIR', 'PAINTED', 'ROUGH', 'PASSES'],
              ...shown.map((p) => [String(p.id), `#${p.painted.id} ${p.painted.originalName}`, `#${p.rough.id} ${p.rough.originalName}`, Object.keys(p.passes).join(',') || '-'])]) : 'no paintover pairs yet (atelier pair, or atelier shot keyframe)');
          }
          case 'shots': {
            const shots = await listShots(prod);
            return printResult(json, shots, () => shots.length ? table([['NAME', 'FRAMES', 'RANGE', 'FPS', 'KEYFRAMES'], ...shots.map((s) => [s.name, String(s.frames), `${s.range[0]}-${s.range[1]}`, String(s.fps), String(s.keyframes)])]) : 'no shots yet');
          }
          case 'datasets': {
            const list = await listDatasets(prod);
            return printResult(json, list, () => list.length ? table([['ID', 'NAME', 'ASSETS', 'PAIRS', 'CREATED'], ...list.map((d) => [String(d.id), d.name, String(d.assets), String(d.pairs), d.createdAt])]) : 'no datasets yet');
          }
          case 'models': {
            const list = await listModelVersions(prod);
            return printResult(json, list, () => list.length ? table([['ID', 'KIND', 'DATASET', 'SEED', 'CODE', 'CREATED'], ...list.map((m) => [String(m.id), m.kind, m.datasetName, String(m.seed), m.codeVersion.slice(0, 12), m.createdAt])]) : 'no model versions yet');
          }
          default: {
            const list = await listRenderedFrames(prod, o.limit ?? 1000);
            return printResult(json, list, () => list.length ? table([['ID', 'MODEL', 'PATH', 'CREATED'], ...list.map((r) => [String(r.id), `#${r.modelVersion}`, r.path, r.createdAt])]) : 'no rendered frames yet');
          }
        }
      });
    });
}
