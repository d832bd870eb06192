// atelier set <assets…>: change kind, tags, characters, location or rights of assets.
import type { Command } from 'commander';
import { resolveAssetRefs, updateAssets } from '../../store/index.js';
import type { AssetKind } from '../../store/schema.js';
import { printResult } from '../output.js';
import { common, collect, kindOption, rightsOptions, withProduction, type CommonOpts } from './store-common.js';

export function registerSet(program: Command): void {
  const cmd = program.command('set')
    .argument('<assets...>', 'asset ids (#12), hash prefixes, added files or folders of them')
    .description('Change the metadata or rights of assets, e.g. clear them for training once their rights are checked.')
    .option('--kind <kind>', 'new kind', kindOption)
    .option('--tag <tag>', 'add tags', collect)
    .option('--untag <tag>', 'remove tags', collect)
    .option('--character <name>', 'add characters', collect)
    .option('--remove-character <name>', 'remove characters', collect)
    .option('--location <name>', 'set the location ("" clears it)');
  rightsOptions(cmd);
  common(cmd)
    .addHelpText('after', `
Examples:
  atelier set concept/ --owner "Studio North" --licence "work for hire" --cleared
  atelier set '#41' --no-cleared --source "returned to the artist"`)
    .action(async (refs: string[], o: CommonOpts & { kind?: AssetKind; tag?: string[]; untag?: string[]; character?: string[]; removeCharacter?: string[]; location?: string; owner?: string; licence?: string; license?: string; source?: string; cleared?: boolean }) => {
      const assets = await withProduction(o, async (prod) => updateAssets(prod, await resolveAssetRefs(prod, refs), {
        kind: o.kind, addTags: o.tag, removeTags: o.untag, addCharacters: o.character, removeCharacters: o.removeCharacter,
        location: o.location === undefined ? undefined : o.location || null,
        owner: o.owner, licence: o.licence ?? o.license, source: o.source, cleared: o.cleared,
      }));
      printResult(!!o.json, assets, () => assets.map((a) => `#${a.id} ${a.originalName}: ${a.kind}; owner ${a.rights.owner ?? '?'}, licence ${a.rights.licence ?? '?'}, ${a.rights.clearedForTraining ? 'cleared' : 'not cleared'} for training${a.tags.length ? `; tags ${a.tags.join(', ')}` : ''}${a.characters.length ? `; characters ${a.characters.join(', ')}` : ''}`).join('\n'));
    });
}
