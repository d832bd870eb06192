// atelier config [key] [value]: the production's settings (rights defaults, limits).
import type { Command } from 'commander';
import { settingKeys, type Settings } from '../../store/production.js';
import { printResult } from '../output.js';
import { COLOUR_SETTINGS, colourContextFor } from '../../store/colour-settings.js';
import { common, withProduction, type CommonOpts } from './store-common.js';

function parseValue(field: keyof Settings, value: string): unknown {
  if (field === 'defaultClearedForTraining') {
    if (!/^(true|false|yes|no)$/i.test(value)) throw new Error(`${value}: expected true or false`);
    return /^(true|yes)$/i.test(value);
  }
  if (field === 'maxMegapixels' || field === 'maxFileMegabytes' || field === 'nearDuplicateDistance') {
    const n = Number(value);
    // A limit of 0 would reject every new file; a near-duplicate distance of 0 flags exact look-alikes only.
    const limit = field !== 'nearDuplicateDistance';
    if (!Number.isFinite(n) || n < 0 || (limit && n === 0)) throw new Error(`${settingKeys()[field]} ${value}: expected a ${limit ? 'positive' : 'non-negative'} number`);
    return n;
  }
  return value === '' ? null : value;
}

export function registerConfig(program: Command): void {
  const keys = settingKeys();
  common(program.command('config')
    .argument('[key]', `one of: ${Object.values(keys).join(', ')}`)
    .argument('[value]', 'new value')
    .description('Show or change the production\'s settings: rights defaults for new assets, pixel and size limits, near-duplicate threshold.'))
    .action(async (key: string | undefined, value: string | undefined, o: CommonOpts) => {
      const field = key === undefined ? undefined : (Object.entries(keys).find(([f, k]) => k === key || f === key)?.[0] as keyof Settings | undefined);
      if (key !== undefined && !field) throw new Error(`unknown setting "${key}"; settings are: ${Object.values(keys).join(', ')}`);
      if (field === 'name' && value !== undefined) throw new Error('the production name is fixed at init');
      const settings = await withProduction(o, async (prod) => {
        if (!field || value === undefined) return prod.settings();
        const patch = { [field]: parseValue(field, value) };
        // A colour setting must name what the production's OCIO config has (checked before it is stored).
        if ((COLOUR_SETTINGS as readonly string[]).includes(field)) colourContextFor(prod.dir, { ...(await prod.settings()), ...patch });
        return prod.updateSettings(patch);
      });
      const shown = field ? { [keys[field]]: settings[field] } : Object.fromEntries(Object.entries(keys).map(([f, k]) => [k, settings[f as keyof Settings]]));
      printResult(!!o.json, shown, () => Object.entries(shown).map(([k, v]) => `${k} = ${v ?? ''}`).join('\n'));
    });
}
