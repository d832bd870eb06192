// atelier dataset create|show|ls: immutable training snapshots.
import type { Command } from 'commander';
import { createDataset, getDataset, listDatasets, resolveAssetRefs, type DatasetSnapshot } from '../../store/index.js';
import type { AssetKind } from '../../store/schema.js';
import { printResult } from '../output.js';
import { common, collect, kindOption, withProduction, table, type CommonOpts } from './store-common.js';

function describe(s: DatasetSnapshot): string {
  const kinds = new Map<string, number>();
  for (const a of s.assets) kinds.set(a.kind, (kinds.get(a.kind) ?? 0) + 1);
  return [
    `dataset ${s.name} (#${s.id}) made ${s.createdAt}`,
    `  ${s.assets.length} assets (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}), ${s.pairs.length} paintover pairs`,
    `  manifest sha256 ${s.manifestHash} (${s.manifestPath})`,
    `  selection: ${JSON.stringify(s.selection)}`,
  ].join('\n');
}

export function registerDataset(program: Command): void {
  const ds = program.command('dataset').description('Dataset snapshots: immutable manifests of assets (and paintover pairs) that training reads.');

  common(ds.command('create')
    .argument('<name>', 'snapshot name, e.g. look-v1 (never reused: snapshots are immutable)')
    .description('Snapshot the selected assets. Refused, naming them, if any selected asset is not cleared for training.')
    .option('--kind <kind>', 'asset kinds to include (repeatable)', (v: string, p: AssetKind[] = []) => [...p, ...v.split(',').map(kindOption)])
    .option('--tag <tag>', 'only assets with this tag (repeatable: all must match)', collect)
    .option('--character <name>', 'only assets showing this character (repeatable: all must match)', collect)
    .option('--location <name>', 'only assets at this location (repeatable: any matches)', collect)
    .option('--asset <ref>', 'explicit assets: id, hash prefix, file or folder (repeatable)', collect)
    .option('--pairs', 'include paintover pairs (with rough frames and passes) whose painted frame matches --tag/--character/--location')
    .option('--only-cleared', 'leave out assets (and pairs) not cleared for training instead of refusing')
    .option('--note <text>', 'a note kept in the manifest'))
    .addHelpText('after', `
Without --pairs, the snapshot holds the assets matching every filter (no filter: all assets).
With --pairs, it holds the matching pairs, plus assets matching --kind/--asset if given.

Examples:
  atelier dataset create look-v1 --pairs
  atelier dataset create mira-v2 --pairs --kind concept-art --kind character-sheet --character mira`)
    .action(async (name: string, o: CommonOpts & { kind?: AssetKind[]; tag?: string[]; character?: string[]; location?: string[]; asset?: string[]; pairs?: boolean; onlyCleared?: boolean; note?: string }) => {
      const r = await withProduction(o, async (prod) => createDataset(prod, name, {
        kinds: o.kind, tags: o.tag, characters: o.character, locations: o.location,
        assets: o.asset ? await resolveAssetRefs(prod, o.asset) : undefined,
        pairs: o.pairs, onlyCleared: o.onlyCleared, note: o.note,
      }));
      printResult(!!o.json, { ...r, snapshot: { ...r.snapshot } }, () => [
        describe(r.snapshot),
        r.leftOut.assets || r.leftOut.pairs ? `  left out (not cleared): ${r.leftOut.assets} assets, ${r.leftOut.pairs} pairs` : '',
      ].filter(Boolean).join('\n'));
    });

  common(ds.command('show').argument('<name>', 'snapshot name or id').description('Show a snapshot; --json lists its assets and pairs with their content-store paths.')
    .option('--files', 'list every asset'))
    .action(async (name: string, o: CommonOpts & { files?: boolean }) => {
      const s = await withProduction(o, (prod) => getDataset(prod, name));
      printResult(!!o.json, s, () => [describe(s), ...(o.files ? s.assets.map((a) => `  #${a.id} ${a.kind} ${a.originalName} ${a.hash.slice(0, 12)}…`) : [])].join('\n'));
    });

  common(ds.command('ls').description('List snapshots.')).action(async (o: CommonOpts) => {
    const list = await withProduction(o, (prod) => listDatasets(prod));
    printResult(!!o.json, list, () => list.length
      ? table([['ID', 'NAME', 'ASSETS', 'PAIRS', 'CREATED'], ...list.map((d) => [String(d.id), d.name, String(d.assets), String(d.pairs), d.createdAt])])
      : 'no datasets yet (atelier dataset create <name> …)');
  });
}
