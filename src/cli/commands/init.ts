// atelier init <dir>: a new production (database + content store) in a folder.
import type { Command } from 'commander';
import { initProduction, redactUrl, type DatabaseConfig, type InitReport } from '../../store/index.js';

import { printResult } from '../output.js';
import { positiveNumber } from './store-common.js';

type InitOpts = {
  name?: string; clearedByDefault?: boolean; owner?: string; licence?: string; source?: string; maxMegapixels: number;
  db?: string; dbEnv?: string; databaseUrl?: string; store?: string; json?: boolean;
};

/** The database part of the config as shown to the user: never a password. */
function shownDatabase(d: DatabaseConfig): DatabaseConfig {
  return d.dialect === 'postgres' && d.url ? { ...d, url: redactUrl(d.url) } : d;
}

export function registerInit(program: Command): void {
  program.command('init')
    .argument('<dir>', 'folder for the production (created if missing)')
    .description('Create a production: a database (embedded SQLite, or a shared PostgreSQL) and a content-addressed file store.')
    .option('--name <name>', 'production name (default: the folder name)')
    .option('--cleared-by-default', 'new assets are cleared for training unless added with --no-cleared (default: not cleared)')
    .option('--owner <name>', 'default rights owner of new assets')
    .option('--licence <licence>', 'default licence of new assets')
    .option('--source <text>', 'default source of new assets')
    .option('--max-megapixels <n>', 'largest image accepted, in megapixels (decompression-bomb guard)', positiveNumber, 100)
    .option('--db <url>', 'a shared PostgreSQL database instead of SQLite: postgres://user[:password]@host[:port]/database (the URL is stored in the production config)')
    .option('--db-env <VAR>', 'PostgreSQL, with the connection string read from $VAR by every command (keeps the password out of the config)')
    .option('--database-url <url>', 'older spelling of --db (also accepts env:VAR)')
    .option('--store <path>', 'content store folder, e.g. on the studio\'s NAS shared by every machine (default: <dir>/store)')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  atelier init ./ep01 --name "Episode 1" --owner "Studio North" --licence "work for hire"
  cd ep01 && atelier add ../concepts --kind concept-art

  # A workspace shared by the farm: PostgreSQL + the content store on the NAS
  export ATELIER_DB=postgres://atelier:secret@db.studio:5432/ep01
  atelier init /mnt/nas/ep01 --db-env ATELIER_DB
  # another machine with its own folder for the same workspace (settings are kept)
  atelier init ~/ep01 --db-env ATELIER_DB --store /mnt/nas/ep01/store`)
    .action(async (dir: string, o: InitOpts) => {
      const url = o.db ?? o.databaseUrl;
      if (o.db && o.databaseUrl) throw new Error('give --db or --database-url, not both');
      if (url && o.dbEnv) throw new Error('give --db or --db-env, not both');
      if (url && !url.startsWith('env:') && /^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(url)) {
        process.stderr.write('atelier: note: the database password is stored in the production config; use --db-env VAR (or PGPASSWORD / ~/.pgpass) to keep it out\n');
      }
      const report: InitReport = { joined: false };
      const prod = await initProduction(dir, {
        name: o.name, defaultClearedForTraining: !!o.clearedByDefault, defaultOwner: o.owner ?? null, defaultLicence: o.licence ?? null,
        defaultSource: o.source ?? null, maxMegapixels: o.maxMegapixels, databaseUrl: url, databaseUrlEnv: o.dbEnv, store: o.store,
      }, report);
      try {
        const settings = await prod.settings();
        printResult(!!o.json, { production: prod.dir, database: shownDatabase(prod.config.database), store: prod.store.root, joined: report.joined, settings },
          () => `${report.joined ? 'joined the existing workspace' : `created production "${settings.name}"`} in ${prod.dir}\n` +
            `  database: ${prod.dialect === 'sqlite' ? `sqlite (${prod.dir}/atelier.db)` : prod.databaseLabel}\n  store: ${prod.store.root}\n` +
            (report.joined ? '  the workspace\'s own settings are kept\n' : '') +
            `  new assets are ${settings.defaultClearedForTraining ? '' : 'NOT '}cleared for training by default`);
      } finally { await prod.close(); }
    });
}
