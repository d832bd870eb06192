// atelier init <dir>: a new production (database + content store) in a folder.
import type { Command } from 'commander';
import { initProduction } from '../../store/index.js';
import { printResult } from '../output.js';
import { positiveNumber } from './store-common.js';

export function registerInit(program: Command): void {
  program.command('init')
    .argument('<dir>', 'folder for the production (created if missing)')
    .description('Create a production: an embedded SQLite database and a content-addressed file store inside <dir>.')
    .option('--name <name>', 'production name (default: the folder name)')
    .option('--cleared-by-default', 'new assets are cleared for training unless added with --no-cleared (default: not cleared)')
    .option('--owner <name>', 'default rights owner of new assets')
    .option('--licence <licence>', 'default licence of new assets')
    .option('--source <text>', 'default source of new assets')
    .option('--max-megapixels <n>', 'largest image accepted, in megapixels (decompression-bomb guard)', positiveNumber, 100)
    .option('--database-url <url>', 'use PostgreSQL instead of SQLite: postgres://… or env:VAR (experimental)')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Example:
  atelier init ./ep01 --name "Episode 1" --owner "Studio North" --licence "work for hire"
  cd ep01 && atelier add ../concepts --kind concept-art`)
    .action(async (dir: string, o: { name?: string; clearedByDefault?: boolean; owner?: string; licence?: string; source?: string; maxMegapixels: number; databaseUrl?: string; json?: boolean }) => {
      const prod = await initProduction(dir, {
        name: o.name, defaultClearedForTraining: !!o.clearedByDefault, defaultOwner: o.owner ?? null, defaultLicence: o.licence ?? null,
        defaultSource: o.source ?? null, maxMegapixels: o.maxMegapixels, databaseUrl: o.databaseUrl,
      });
      try {
        const settings = await prod.settings();
        printResult(!!o.json, { production: prod.dir, database: prod.config.database, settings },
          () => `created production "${settings.name}" in ${prod.dir}\n  database: ${prod.dialect}${prod.dialect === 'sqlite' ? ` (${prod.dir}/atelier.db)` : ''}\n  store: ${prod.store.root}\n  new assets are ${settings.defaultClearedForTraining ? '' : 'NOT '}cleared for training by default`);
      } finally { await prod.close(); }
    });
}
