// Opens the production database through Kysely. SQLite (better-sqlite3, a file inside the
// production folder) is the default; PostgreSQL (pg) is selected by the production's config for
// studios that share one database between machines. Every query in src/store goes through the
// same Kysely builder, so both dialects run the same code.
import { Kysely, SqliteDialect, PostgresDialect, type Dialect } from 'kysely';
import Sqlite from 'better-sqlite3';
import { isAbsolute, join } from 'node:path';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export type DatabaseConfig =
  | { dialect: 'sqlite'; file: string }                         // relative to the production folder
  | { dialect: 'postgres'; url?: string; urlEnv?: string };     // a connection string, or the variable holding it

export interface OpenedDatabase { db: Kysely<Database>; dialect: DialectName }

export async function openDatabase(config: DatabaseConfig, productionDir: string): Promise<OpenedDatabase> {
  let dialect: Dialect;
  if (config.dialect === 'sqlite') {
    const file = isAbsolute(config.file) ? config.file : join(productionDir, config.file);
    dialect = new SqliteDialect({
      database: async () => {
        const sqlite = new Sqlite(file);
        // WAL + FULL sync: a committed transaction survives a killed process (and a power cut);
        // an interrupted one is rolled back on the next open.
        sqlite.pragma('journal_mode = WAL');
        sqlite.pragma('synchronous = FULL');
        sqlite.pragma('foreign_keys = ON');
        sqlite.pragma('busy_timeout = 10000');
        return sqlite;
      },
    });
  } else if (config.dialect === 'postgres') {
    const url = config.url ?? (config.urlEnv ? process.env[config.urlEnv] : undefined);
    if (!url) throw new Error(`the production's PostgreSQL connection string is missing${config.urlEnv ? ` (set ${config.urlEnv})` : ''}`);
    const pg = (await import('pg')).default;
    // COUNT(*) and BIGINT come back as strings by default; every count/id here fits a JS number.
    pg.types.setTypeParser(20, (v: string) => Number(v));
    dialect = new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) });
  } else {
    throw new Error(`unknown database dialect "${(config as { dialect: string }).dialect}" (sqlite or postgres)`);
  }
  return { db: new Kysely<Database>({ dialect }), dialect: config.dialect };
}
