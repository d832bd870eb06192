// Runs the workspace tests once per database dialect: SQLite (a file in the production folder) and
// PostgreSQL (a throwaway server started for the test file, one fresh database per production).
// ATELIER_TEST_DIALECTS=sqlite (or postgres) narrows a run while working on one of them.
import { describe, before, after } from 'node:test';
import type { DialectName } from '../../src/store/db.js';
import { initProduction, type InitOptions, type Production } from '../../src/store/index.js';
import { PostgresServer } from './postgres-server.js';

export const DIALECTS: DialectName[] = (process.env.ATELIER_TEST_DIALECTS ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean)
  .map((d) => { if (d !== 'sqlite' && d !== 'postgres') throw new Error(`ATELIER_TEST_DIALECTS: unknown dialect "${d}"`); return d; });

let envCount = 0;

export class TestWorkspace {
  server: PostgresServer | null = null;
  constructor(readonly dialect: DialectName) {}

  get pg(): PostgresServer {
    if (!this.server) throw new Error('no PostgreSQL server in a SQLite test');
    return this.server;
  }

  /** A new empty PostgreSQL database's URL (with its password). */
  async newDatabaseUrl(): Promise<string> { return this.pg.url(await this.pg.createDatabase()); }

  /** initProduction on this dialect (PostgreSQL: a new database, given by URL). */
  async init(dir: string, opts: InitOptions = {}): Promise<Production> {
    return initProduction(dir, this.dialect === 'postgres' ? { ...opts, databaseUrl: await this.newDatabaseUrl() } : opts);
  }

  /** Extra `atelier init` arguments for this dialect. PostgreSQL: --db-env with a variable set in
   *  this process (so every child `atelier` inherits it), as a studio keeps the password out of the config. */
  async initArgs(): Promise<string[]> {
    if (this.dialect === 'sqlite') return [];
    const name = `ATELIER_TEST_DB_${process.pid}_${++envCount}`;
    process.env[name] = await this.newDatabaseUrl();
    return ['--db-env', name];
  }
}

/** Declares the tests of fn once per dialect, each set in its own describe block. */
export function forEachDialect(fn: (w: TestWorkspace) => void): void {
  for (const dialect of DIALECTS) {
    describe(dialect, () => {
      const w = new TestWorkspace(dialect);
      if (dialect === 'postgres') {
        before(async () => { w.server = await PostgresServer.start(); });
        after(() => { w.server?.destroySync(); w.server = null; });
      }
      fn(w);
    });
  }
}
