// Schema migrations, applied in order by Kysely's Migrator (which records them in its own
// kysely_migration table, inside a transaction). Append new migrations; never edit a released one.
import { storageProblem, STORAGE_WORDS } from './storage-errors.js';
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type CreateTableBuilder } from 'kysely';
import { DatabaseUnavailableError, type DialectName } from './db.js';
import { relativizeRecords } from './path-records.js';
import { backfillShotVersions } from './version-records.js';

type AnyDb = Kysely<any>; // migrations run before the typed schema exists

/** An auto-increment integer primary key `id`, in either dialect (shared with the server's tables). */
export function withId<T extends string>(t: CreateTableBuilder<T, never>, dialect: DialectName): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

function initial(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull()).execute();

      await withId(db.schema.createTable('assets'), dialect)
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('original_name', 'text', (c) => c.notNull())
        .addColumn('source_path', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('channels', 'integer', (c) => c.notNull())
        .addColumn('bit_depth', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('phash', 'text')
        .addColumn('near_duplicate_of', 'integer', (c) => c.references('assets.id'))
        .addColumn('near_duplicate_distance', 'integer')
        .addColumn('location', 'text')
        .addColumn('owner', 'text')
        .addColumn('licence', 'text')
        .addColumn('source', 'text')
        .addColumn('cleared_for_training', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull()).execute();
      await db.schema.createIndex('assets_kind').on('assets').column('kind').execute();

      await db.schema.createTable('asset_tags')
        .addColumn('asset_id', 'integer', (c) => c.notNull().references('assets.id'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('asset_tags_pk', ['asset_id', 'tag']).execute();
      await db.schema.createIndex('asset_tags_tag').on('asset_tags').column('tag').execute();
      await db.schema.createTable('asset_characters')
        .addColumn('asset_id', 'integer', (c) => c.notNull().references('assets.id'))
        .addColumn('character', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('asset_characters_pk', ['asset_id', 'character']).execute();
      await db.schema.createIndex('asset_characters_character').on('asset_characters').column('character').execute();

      await withId(db.schema.createTable('pairs'), dialect)
        .addColumn('painted_id', 'integer', (c) => c.notNull().references('assets.id'))
        .addColumn('rough_id', 'integer', (c) => c.notNull().references('assets.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('pairs_painted_rough', ['painted_id', 'rough_id']).execute();
      await db.schema.createTable('pair_passes')
        .addColumn('pair_id', 'integer', (c) => c.notNull().references('pairs.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('asset_id', 'integer', (c) => c.notNull().references('assets.id'))
        .addPrimaryKeyConstraint('pair_passes_pk', ['pair_id', 'name']).execute();

      await withId(db.schema.createTable('shots'), dialect)
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('source_kind', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('source_hash', 'text')
        .addColumn('frame_start', 'integer', (c) => c.notNull())
        .addColumn('frame_end', 'integer', (c) => c.notNull())
        .addColumn('fps', 'real', (c) => c.notNull())
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull()).execute();
      await db.schema.createTable('shot_frames')
        .addColumn('shot_id', 'integer', (c) => c.notNull().references('shots.id'))
        .addColumn('frame', 'integer', (c) => c.notNull())
        .addColumn('asset_id', 'integer', (c) => c.notNull().references('assets.id'))
        .addPrimaryKeyConstraint('shot_frames_pk', ['shot_id', 'frame']).execute();
      await db.schema.createTable('shot_passes')
        .addColumn('shot_id', 'integer', (c) => c.notNull().references('shots.id'))
        .addColumn('frame', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('asset_id', 'integer', (c) => c.notNull().references('assets.id'))
        .addPrimaryKeyConstraint('shot_passes_pk', ['shot_id', 'frame', 'name']).execute();
      await db.schema.createTable('shot_keyframes')
        .addColumn('shot_id', 'integer', (c) => c.notNull().references('shots.id'))
        .addColumn('frame', 'integer', (c) => c.notNull())
        .addColumn('asset_id', 'integer', (c) => c.notNull().references('assets.id'))
        .addColumn('pair_id', 'integer', (c) => c.references('pairs.id'))
        .addPrimaryKeyConstraint('shot_keyframes_pk', ['shot_id', 'frame']).execute();

      await withId(db.schema.createTable('datasets'), dialect)
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('selection', 'text', (c) => c.notNull())
        .addColumn('manifest_hash', 'text', (c) => c.notNull())
        .addColumn('asset_count', 'integer', (c) => c.notNull())
        .addColumn('pair_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull()).execute();
      await db.schema.createTable('dataset_assets')
        .addColumn('dataset_id', 'integer', (c) => c.notNull().references('datasets.id'))
        .addColumn('asset_id', 'integer', (c) => c.notNull().references('assets.id'))
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('dataset_assets_pk', ['dataset_id', 'asset_id']).execute();
      await db.schema.createTable('dataset_pairs')
        .addColumn('dataset_id', 'integer', (c) => c.notNull().references('datasets.id'))
        .addColumn('pair_id', 'integer', (c) => c.notNull().references('pairs.id'))
        .addPrimaryKeyConstraint('dataset_pairs_pk', ['dataset_id', 'pair_id']).execute();

      await withId(db.schema.createTable('model_versions'), dialect)
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('dataset_id', 'integer', (c) => c.notNull().references('datasets.id'))
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('seed', 'bigint', (c) => c.notNull())
        .addColumn('code_version', 'text', (c) => c.notNull())
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull()).execute();
      await db.schema.createTable('model_files')
        .addColumn('model_version_id', 'integer', (c) => c.notNull().references('model_versions.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_files_pk', ['model_version_id', 'name']).execute();
      await db.schema.createIndex('model_files_hash').on('model_files').column('hash').execute();

      await withId(db.schema.createTable('renders'), dialect)
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('model_version_id', 'integer', (c) => c.notNull().references('model_versions.id'))
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull()).execute();
      await db.schema.createIndex('renders_hash').on('renders').column('hash').execute();
      await db.schema.createIndex('renders_path').on('renders').column('path').execute();
      await db.schema.createTable('render_inputs')
        .addColumn('render_id', 'integer', (c) => c.notNull().references('renders.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('render_inputs_pk', ['render_id', 'name']).execute();

      // Dataset snapshots are immutable: the database itself refuses to change or delete them.
      const frozen = ['datasets', 'dataset_assets', 'dataset_pairs'];
      if (dialect === 'sqlite') {
        for (const t of frozen) for (const op of ['UPDATE', 'DELETE']) {
          await sql.raw(`CREATE TRIGGER ${t}_no_${op.toLowerCase()} BEFORE ${op} ON ${t} BEGIN SELECT RAISE(ABORT, 'dataset snapshots are immutable'); END`).execute(db);
        }
      } else {
        await sql.raw(`CREATE FUNCTION atelier_immutable() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'dataset snapshots are immutable'; END $$ LANGUAGE plpgsql`).execute(db);
        for (const t of frozen) {
          await sql.raw(`CREATE TRIGGER ${t}_frozen BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION atelier_immutable()`).execute(db);
        }
      }
    },
  };
}

// PostgreSQL's `real` is a 4-byte float (24 fps is exact, 23.976 is not); SQLite's REAL is 8 bytes.
// The PostgreSQL workspace gets the same precision. Nothing to do on SQLite.
function doublePrecisionFps(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      if (dialect === 'postgres') await sql`ALTER TABLE shots ALTER COLUMN fps TYPE double precision`.execute(db);
    },
  };
}

// Studio formats: an asset's and a shot's colour space (null: the production's default for the
// file's format) and a shot's start timecode (HH:MM:SS:FF, null: none).
function colourAndTimecode(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('assets').addColumn('color_space', 'text').execute();
      await db.schema.alterTable('shots').addColumn('color_space', 'text').execute();
      await db.schema.alterTable('shots').addColumn('timecode', 'text').execute();
    },
  };
}

// Paths in records relative to the production (production-paths.ts), so it can be moved: the
// absolute paths of older records that lie inside the production folder are rewritten.
function productionRelativePaths(dir: string | undefined): Migration {
  return {
    async up(db: AnyDb) {
      if (dir === undefined) throw new Error('migration 0004 needs the production folder');
      await relativizeRecords(db, dir);
    },
  };
}

// Shot versions as records (shot-versions.ts): numbered per shot, with their folder, model,
// quality and what a refine refines; every frame of a shot points at its version. Existing frame
// records are grouped into versions as the dailies grouped them (version-records.ts).
function shotVersions(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable('shot_versions'), dialect)
        .addColumn('shot', 'text', (c) => c.notNull())
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('folder', 'text', (c) => c.notNull())
        .addColumn('model_version_id', 'integer', (c) => c.references('model_versions.id'))
        .addColumn('quality', 'text', (c) => c.notNull())
        .addColumn('refine_of', 'integer', (c) => c.references('shot_versions.id'))
        .addColumn('refine_request', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('shot_versions_number', ['shot', 'number']).execute();
      // One version per shot, model and folder (a model file's versions, model null, are each their own).
      await db.schema.createIndex('shot_versions_folder').on('shot_versions').columns(['shot', 'folder', 'model_version_id']).unique().execute();
      await db.schema.alterTable('renders').addColumn('version_id', 'integer', (c) => c.references('shot_versions.id')).execute();
      await db.schema.createIndex('renders_version').on('renders').column('version_id').execute();
      await backfillShotVersions(db, dialect);
    },
    // Back to frames grouped by folder (what 0005 found): for tests of the backfill.
    async down(db: AnyDb) {
      await db.schema.dropIndex('renders_version').execute();
      await db.schema.alterTable('renders').dropColumn('version_id').execute();
      await db.schema.dropTable('shot_versions').execute();
    },
  };
}

/** The migrations, in order; dir is the production folder (the data migrations need it). */
export function migrationsFor(dialect: DialectName, dir?: string): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect), '0002_fps_double_precision': doublePrecisionFps(dialect), '0003_colour_timecode': colourAndTimecode(),
    '0004_production_relative_paths': productionRelativePaths(dir), '0005_shot_versions': shotVersions(dialect),
  };
}

/**
 * Runs fn (a migration run) while holding a database-wide lock, so that two machines initializing
 * or upgrading the same PostgreSQL workspace at once take turns: the second finds the work done.
 * PostgreSQL: a session advisory lock on a dedicated connection (released by the server if the
 * process dies). SQLite: Kysely's migrator already runs inside one write transaction.
 */
export async function withMigrationLock<T>(db: AnyDb, dialect: DialectName, name: string, fn: () => Promise<T>): Promise<T> {
  if (dialect !== 'postgres') return fn();
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(hashtext(${'atelier-migrations:' + name}))`.execute(conn);
    try {
      return await fn();
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${'atelier-migrations:' + name}))`.execute(conn).catch(() => { /* connection gone: the server released it */ });
    }
  });
}

/** Rethrows a migrator error, keeping a DatabaseUnavailableError as is (it already names the database). */
export function migrationError(what: string, error: unknown): Error {
  if (error instanceof DatabaseUnavailableError) return error;
  return new Error(`${what} migration failed: ${messageOf(error)}${storageHint(error)}`);
}

/** SQLite's words for a folder it may not write and a disk with no room left, said plainly. */
function storageHint(error: unknown): string {
  const problem = storageProblem(error);
  if (!problem) return '';
  return ` (${STORAGE_WORDS[problem]}${problem === 'read-only' ? ': SQLite writes its journal beside the database even to read it' : ''})`;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Whether every migration is recorded as applied (read only: nothing to write when true). A
 *  database that cannot be opened is said to be so (it was reported as a failed migration). */
async function upToDate(db: AnyDb, names: string[]): Promise<boolean> {
  try {
    const done = new Set((await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db)).rows.map((r) => r.name));
    return names.every((n) => done.has(n));
  } catch (error) {
    if (/no such table|does not exist/i.test(messageOf(error))) return false; // no table yet: a new production
    if (error instanceof DatabaseUnavailableError) throw error;
    throw new Error(`cannot open the production's database: ${messageOf(error)}${storageHint(error)}`);
  }
}

export async function migrateToLatest(db: AnyDb, dialect: DialectName, dir: string): Promise<string[]> {
  // Nothing pending: no migrator run, whose lock and bookkeeping write (a read-only or full disk
  // failed every command, verify, ls and gc included).
  if (await upToDate(db, Object.keys(migrationsFor(dialect, dir)))) return [];
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(dialect, dir) };
  const { error, results } = await withMigrationLock(db, dialect, 'workspace', () => new Migrator({ db, provider }).migrateToLatest());
  if (error) throw migrationError('database', error);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
