// Opens the production database through Kysely. SQLite (better-sqlite3, a file inside the
// production folder) is the default; PostgreSQL (pg) is selected by the production's config for
// studios that share one database between machines. Every query in src/store goes through the
// same Kysely builder, so both dialects run the same code.
//
// PostgreSQL is a network service, so its connection can fail at any moment. The driver here
// (a) retries establishing a connection with backoff for a bounded time (ATELIER_DB_RETRY_MS,
// default 20 s), (b) re-runs a failed read (SELECT) outside a transaction on a fresh connection,
// and (c) turns a connection lost inside a transaction into a DatabaseUnavailableError marked
// retriable (the server rolled the transaction back), which `runTransaction` re-runs whole. A
// write outside a transaction, or a COMMIT whose answer was lost, is never retried blindly.
// Every such error names the database (host, port, database, user) and never its password.
import { Kysely, SqliteDialect, PostgresDialect, type CompiledQuery, type Dialect, type Driver, type DatabaseConnection, type QueryResult, type TransactionSettings } from 'kysely';
import Sqlite from 'better-sqlite3';
import { isAbsolute, join } from 'node:path';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export type DatabaseConfig =
  | { dialect: 'sqlite'; file: string }                         // relative to the production folder
  | { dialect: 'postgres'; url?: string; urlEnv?: string };     // a connection string, or the variable holding it

export interface OpenedDatabase { db: Kysely<Database>; dialect: DialectName; label: string }

/** Text order by code point, the same on every dialect and server collation (SQLite sorts text
 *  bytewise; a PostgreSQL server sorts by its locale, e.g. "B" after "a" in en_US). Names, tags and
 *  pass names are sorted with this in JavaScript rather than by ORDER BY. */
export function compareText(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }

/** The database cannot be reached (or the connection dropped). `retriable`: nothing was committed,
 *  so the whole operation may be run again. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE';
  constructor(readonly database: string, message: string, readonly retriable: boolean) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

/** A postgres:// URL parsed by WHATWG rules, which refuse an empty host after a user name
 *  ("postgres://me@/db?host=/run/postgresql", a unix socket): such a host reads as "". */
function parsePgUrl(url: string): { u: URL; host: string } {
  try {
    const u = new URL(url);
    return { u, host: decodeURIComponent(u.hostname) };
  } catch (err) {
    const m = /^(postgres(?:ql)?:\/\/(?:[^/?#@]*@)?)(?=[/?#]|$)/.exec(url);
    if (!m) throw err;
    return { u: new URL(m[1] + 'socket.invalid' + url.slice(m[1].length)), host: '' };
  }
}

/** "PostgreSQL database "ep01" on db.studio:5432 as atelier" — everything but the password. */
export function describePostgres(url: string): string {
  try {
    const { u, host: h } = parsePgUrl(url);
    const host = h || u.searchParams.get('host') || process.env.PGHOST || 'localhost';
    const port = u.port || u.searchParams.get('port') || process.env.PGPORT || '5432';
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || process.env.PGDATABASE || decodeURIComponent(u.username) || 'postgres';
    const user = decodeURIComponent(u.username) || process.env.PGUSER || process.env.USER || 'the default user';
    const where = host.startsWith('/') ? `socket ${host}/.s.PGSQL.${port}` : `${host}:${port}`;
    return `PostgreSQL database "${db}" on ${where} as ${user}`;
  } catch {
    return 'PostgreSQL database (unparsable connection string)';
  }
}

/** The connection string without its password (for messages and JSON output). */
export function redactUrl(url: string): string {
  try {
    const { u, host } = parsePgUrl(url);
    if (!u.password) return url;
    u.password = '***';
    return host ? u.toString() : u.toString().replace('socket.invalid', '');
  } catch { return '(unparsable connection string)'; }
}

export function databaseLabel(config: DatabaseConfig, productionDir: string): string {
  if (config.dialect === 'sqlite') return `SQLite database ${isAbsolute(config.file) ? config.file : join(productionDir, config.file)}`;
  const url = postgresUrl(config, false);
  return url ? describePostgres(url) : `PostgreSQL database (connection string in $${config.urlEnv ?? '?'})`;
}

function postgresUrl(config: Extract<DatabaseConfig, { dialect: 'postgres' }>, required: boolean): string | undefined {
  const url = config.url ?? (config.urlEnv ? process.env[config.urlEnv] : undefined);
  if (!url && required) {
    throw new Error(config.urlEnv
      ? `the production's PostgreSQL connection string is read from $${config.urlEnv}, which is not set (export ${config.urlEnv}=postgres://user:password@host/database)`
      : 'the production\'s PostgreSQL connection string is missing from its config');
  }
  if (url && !/^postgres(ql)?:\/\//.test(url)) throw new Error(`the production's database must be a postgres:// or postgresql:// URL, got "${redactUrl(url)}"`);
  return url;
}

/** How long to keep trying to reach PostgreSQL before giving up (ms). */
export function retryBudgetMs(): number {
  const v = Number(process.env.ATELIER_DB_RETRY_MS);
  return Number.isFinite(v) && v >= 0 ? v : 20_000;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EAI_AGAIN', 'ECONNABORTED',
  '57P01', '57P02', '57P03', '53300']);

/** A lost or refused connection (transient), as opposed to an error in the query itself. */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended|connection is closed|terminating connection/i.test(err.message);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function failureText(err: unknown, secret: string | null): string {
  let m = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && !m.includes(code)) m += ` (${code})`;
  if (secret) m = m.split(secret).join('***');
  return m;
}

interface PgClient { query(sql: string, params: unknown[]): Promise<unknown>; release(err?: unknown): void; on(ev: string, fn: (e: unknown) => void): unknown }
interface PgPoolLike { connect(): Promise<PgClient>; end(): Promise<void>; on(ev: string, fn: (e: unknown) => void): unknown }

/** Wraps pg.Pool: connecting retries with backoff within the budget; a dropped client never crashes the process. */
class ResilientPool {
  private readonly guarded = new WeakSet<object>();
  constructor(private readonly pool: PgPoolLike, private readonly label: string, private readonly secret: string | null) {
    pool.on('error', () => { /* an idle client lost its connection; the pool discards it */ });
  }
  async connect(): Promise<PgClient> {
    const budget = retryBudgetMs();
    const deadline = Date.now() + budget;
    let delay = 100;
    let attempts = 0;
    for (;;) {
      attempts++;
      let client: PgClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        if (!isConnectionError(err)) {
          throw new DatabaseUnavailableError(this.label, `cannot open the ${this.label}: ${failureText(err, this.secret)}`, false);
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new DatabaseUnavailableError(this.label,
            `the ${this.label} is unreachable: ${failureText(err, this.secret)} (tried ${attempts} time${attempts === 1 ? '' : 's'} over ${(budget / 1000).toFixed(1)} s; check that the server is running and reachable, then run the command again)`, false);
        }
        await sleep(Math.min(delay, left));
        delay = Math.min(delay * 2, 2000);
        continue;
      }
      if (!this.guarded.has(client)) {
        // A checked-out client whose socket dies emits 'error'; without a listener that would kill
        // the process. The failing query reports it instead.
        client.on('error', () => { /* reported by the query that hits it */ });
        this.guarded.add(client);
      }
      // A client whose connection failed is destroyed on release, never handed out again (its
      // socket's end may not have been noticed yet when the next query asks the pool).
      let broken = false;
      return {
        query: (...args: unknown[]) => (client.query as (...a: unknown[]) => Promise<unknown>)(...args)
          .catch((err: unknown) => { if (isConnectionError(err)) broken = true; throw err; }),
        release: (err?: unknown) => client.release(err || broken || undefined),
        on: (ev: string, fn: (e: unknown) => void) => client.on(ev, fn),
      } as PgClient;
    }
  }
  end(): Promise<void> { return this.pool.end(); }
}

/** A pooled connection that can be swapped for a fresh one when a read fails on a dead socket. */
class ResilientConnection implements DatabaseConnection {
  inTransaction = false;
  constructor(public inner: DatabaseConnection | null, private readonly driver: ResilientDriver) {}

  get live(): DatabaseConnection {
    if (!this.inner) throw new DatabaseUnavailableError(this.driver.label, `the connection to the ${this.driver.label} was lost`, false);
    return this.inner;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const deadline = Date.now() + retryBudgetMs();
    let delay = 100;
    for (;;) {
      try {
        return await this.live.executeQuery<R>(query);
      } catch (err) {
        if (!isConnectionError(err)) throw err;
        const isRead = query.query.kind === 'SelectQueryNode';
        if (this.inTransaction) {
          throw new DatabaseUnavailableError(this.driver.label, `lost the connection to the ${this.driver.label} inside a transaction: ${failureText(err, this.driver.secret)} (the transaction was rolled back; nothing of it was written)`, true);
        }
        if (!isRead || Date.now() >= deadline) {
          throw new DatabaseUnavailableError(this.driver.label, `lost the connection to the ${this.driver.label}: ${failureText(err, this.driver.secret)}${isRead ? '' : ' (this change may or may not have been applied; check before repeating it)'}`, false);
        }
        await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
        delay = Math.min(delay * 2, 2000);
        await this.driver.replace(this); // throws DatabaseUnavailableError once the budget is spent
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.live.streamQuery<R>(query, chunkSize);
  }
}

class ResilientDriver implements Driver {
  constructor(private readonly inner: Driver, readonly label: string, readonly secret: string | null) {}
  init(): Promise<void> { return this.inner.init(); }
  async acquireConnection(): Promise<DatabaseConnection> { return new ResilientConnection(await this.inner.acquireConnection(), this); }
  async replace(c: ResilientConnection): Promise<void> {
    const old = c.inner;
    c.inner = null; // released: if no new connection can be had, Kysely's own release must not release it twice
    try { await this.inner.releaseConnection(old!); } catch { /* dead anyway */ }
    c.inner = await this.inner.acquireConnection();
  }
  // Transaction control runs on the underlying pg connection (Kysely's own driver logic), with
  // connection failures classified: before BEGIN completes nothing happened (retriable); during
  // COMMIT the outcome is unknown (not retriable); a failed ROLLBACK on a dead socket is moot.
  async beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const conn = c as ResilientConnection;
    try {
      await this.inner.beginTransaction(conn.live, settings);
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      throw new DatabaseUnavailableError(this.label, `lost the connection to the ${this.label}: ${failureText(err, this.secret)} (nothing was written)`, true);
    }
    conn.inTransaction = true;
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    const conn = c as ResilientConnection;
    try {
      await this.inner.commitTransaction(conn.live);
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      throw new DatabaseUnavailableError(this.label, `lost the connection to the ${this.label} while committing: ${failureText(err, this.secret)}. The outcome of this step is unknown (it was written completely or not at all); run \`atelier verify\` and repeat the command if it is missing`, false);
    } finally { conn.inTransaction = false; }
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    const conn = c as ResilientConnection;
    try {
      if (conn.inner) await this.inner.rollbackTransaction(conn.inner);
    } catch (err) {
      // On a dead connection the server has already rolled back; the caller reports the original error.
      if (!isConnectionError(err)) throw err;
    } finally { conn.inTransaction = false; }
  }
  async savepoint(c: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> { await this.inner.savepoint!((c as ResilientConnection).live, name, compile); }
  async rollbackToSavepoint(c: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2]): Promise<void> { await this.inner.rollbackToSavepoint!((c as ResilientConnection).live, name, compile); }
  async releaseSavepoint(c: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['releaseSavepoint']>>[2]): Promise<void> { await this.inner.releaseSavepoint!((c as ResilientConnection).live, name, compile); }
  async releaseConnection(c: DatabaseConnection): Promise<void> {
    const conn = c as ResilientConnection;
    if (conn.inner) await this.inner.releaseConnection(conn.inner);
    conn.inner = null;
  }
  destroy(): Promise<void> { return this.inner.destroy(); }
}

class ResilientPostgresDialect extends PostgresDialect {
  constructor(config: ConstructorParameters<typeof PostgresDialect>[0], private readonly label: string, private readonly secret: string | null) { super(config); }
  override createDriver(): Driver { return new ResilientDriver(super.createDriver(), this.label, this.secret); }
}

/**
 * Runs fn in a transaction; when the connection is lost before COMMIT (so the server rolled it
 * back) it runs it again, up to 3 times. fn must only touch the database (no other side effects).
 */
export async function runTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      if (!(err instanceof DatabaseUnavailableError) || !err.retriable || attempt >= 3) throw err;
      await sleep(200 * attempt);
    }
  }
}

export async function openDatabase(config: DatabaseConfig, productionDir: string): Promise<OpenedDatabase> {
  let dialect: Dialect;
  let label: string;
  if (config.dialect === 'sqlite') {
    const file = isAbsolute(config.file) ? config.file : join(productionDir, config.file);
    label = `SQLite database ${file}`;
    dialect = new SqliteDialect({
      database: async () => {
        const sqlite = new Sqlite(file);
        try {
          // WAL + FULL sync: a committed transaction survives a killed process (and a power cut);
          // an interrupted one is rolled back on the next open.
          sqlite.pragma('journal_mode = WAL');
          sqlite.pragma('synchronous = FULL');
          sqlite.pragma('foreign_keys = ON');
          sqlite.pragma('busy_timeout = 10000');
        } catch (err) {
          // Kysely never gets this handle to close (a read-only folder fails here): its file stayed open.
          sqlite.close();
          throw err;
        }
        return sqlite;
      },
    });
  } else if (config.dialect === 'postgres') {
    const url = postgresUrl(config, true)!;
    label = describePostgres(url);
    let secret: string | null = null;
    try { secret = decodeURIComponent(parsePgUrl(url).u.password) || null; } catch { /* pg reports a malformed URL */ }
    const pg = (await import('pg')).default;
    // BIGINT (COUNT(*), byte sizes, seeds) comes back as a string by default; every value stored
    // here is a safe integer, so parse it to a number (per pool, not pg's global parsers).
    const types = {
      getTypeParser: (oid: number, format?: 'text' | 'binary') => oid === 20
        ? (v: string) => { const n = Number(v); if (!Number.isSafeInteger(n)) throw new Error(`integer ${v} does not fit a JavaScript number`); return n; }
        : pg.types.getTypeParser(oid, format),
    };
    const pool = new pg.Pool({ connectionString: url, max: 4, types, connectionTimeoutMillis: 10_000, keepAlive: true, application_name: 'atelier' } as never);
    dialect = new ResilientPostgresDialect({ pool: new ResilientPool(pool as unknown as PgPoolLike, label, secret) as never }, label, secret);
  } else {
    throw new Error(`unknown database dialect "${(config as { dialect: string }).dialect}" (sqlite or postgres)`);
  }
  return { db: new Kysely<Database>({ dialect }), dialect: config.dialect, label };
}
