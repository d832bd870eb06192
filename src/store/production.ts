// A production folder: the marker file atelier-production.json (written last, atomically, by
// init), the database (atelier.db for SQLite, or a PostgreSQL database shared by several machines)
// and the content store (store/, or a shared path such as the studio's NAS). Commands find it
// from --production, $ATELIER_PRODUCTION, or the current folder and its parents.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve, dirname, isAbsolute, relative } from 'node:path';
import type { Kysely } from 'kysely';
import { writeFileAtomic } from '../util/atomic.js';
import { openDatabase, runTransaction, redactUrl, type DatabaseConfig, type DialectName } from './db.js';
import { migrateToLatest } from './migrations.js';
import { ContentStore } from './content-store.js';
import { ProductionPaths } from './production-paths.js';
import type { Database, AssetKind } from './schema.js';
import { nowIso } from './time.js';
import { getDataset, snapshotAssets, type DatasetSnapshot } from './datasets.js';
import { registerModelVersion, recordRenderedFrame, type ModelVersionInput, type RenderedFrameInput } from './models.js';
import { getShot, type Shot } from './shots.js';
import { lineage, type Lineage } from './lineage.js';
import type { Asset } from './assets.js';
import type { Pair } from './pairs.js';

export const MARKER = 'atelier-production.json';
const FORMAT = 1;

export interface ProductionConfig {
  format: number;
  name: string;
  database: DatabaseConfig;
  /** The content store: relative to the production folder (default "store") or absolute (a shared path). */
  store?: string;
  createdAt: string;
}

/** The content store's folder for a production config. */
export function storeRoot(dir: string, config: Pick<ProductionConfig, 'store'>): string {
  const s = config.store ?? 'store';
  return isAbsolute(s) ? s : resolve(dir, s);
}

export interface Settings {
  name: string;
  defaultClearedForTraining: boolean;
  defaultOwner: string | null;
  defaultLicence: string | null;
  defaultSource: string | null;
  maxMegapixels: number;          // decompression-bomb guard
  maxFileMegabytes: number;
  nearDuplicateDistance: number;  // perceptual-hash bits (of 64) at or under which images are flagged
  ocioConfig: string | null;      // the production's OCIO config file (e.g. ACES 1.x); null: built-in
  workingColorSpace: string;      // the space models train and render in (recorded in model files)
  imageColorSpace: string;        // 8/16-bit images (PNG, JPEG, TIFF, WebP) in and out
  exrColorSpace: string;          // EXR files whose header names none, and EXR output
}

export const DEFAULT_SETTINGS: Omit<Settings, 'name'> = {
  defaultClearedForTraining: false,
  defaultOwner: null,
  defaultLicence: null,
  defaultSource: null,
  maxMegapixels: 100,
  maxFileMegabytes: 2048,
  nearDuplicateDistance: 6,
  ocioConfig: null,
  workingColorSpace: 'sRGB - Texture',
  imageColorSpace: 'sRGB - Texture',
  exrColorSpace: 'ACEScg',
};

const SETTING_KEYS: Record<keyof Settings, string> = {
  name: 'name',
  defaultClearedForTraining: 'default_cleared_for_training',
  defaultOwner: 'default_owner',
  defaultLicence: 'default_licence',
  defaultSource: 'default_source',
  maxMegapixels: 'max_megapixels',
  maxFileMegabytes: 'max_file_megabytes',
  nearDuplicateDistance: 'near_duplicate_distance',
  ocioConfig: 'ocio_config',
  workingColorSpace: 'working_color_space',
  imageColorSpace: 'image_color_space',
  exrColorSpace: 'exr_color_space',
};


export class Production {
  readonly store: ContentStore;
  /** The database; paths in its records are relative to the production, and read back absolute
   *  in this folder (production-paths.ts), so the production can be moved. */
  readonly db: Kysely<Database>;
  constructor(readonly dir: string, readonly config: ProductionConfig, db: Kysely<Database>, readonly dialect: DialectName, readonly databaseLabel: string = dialect) {
    this.store = new ContentStore(storeRoot(dir, config));
    this.db = db.withPlugin(new ProductionPaths(dir));
  }

  /** Runs fn in one transaction; on PostgreSQL a transaction cut off by a lost connection (and so
   *  rolled back) is run again. fn must only touch the database. */
  transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> { return runTransaction(this.db, fn); }

  /** Path of a stored blob (throws when the store does not hold it). */
  readBlob(hash: string): string {
    const p = this.store.pathFor(hash);
    if (!existsSync(p)) throw new Error(`blob ${hash} is not in the content store ${this.store.root} of ${this.dir}`);
    return p;
  }

  /** A scratch folder inside the production folder (removed by its user; `atelier gc` removes leftovers). */
  tempDir(): string {
    const d = join(this.dir, 'tmp', `${process.pid}-${Date.now().toString(36)}`);
    mkdirSync(d, { recursive: true });
    return d;
  }

  async settings(): Promise<Settings> {
    const rows = await this.db.selectFrom('settings').selectAll().execute();
    const raw = new Map(rows.map((r) => [r.key, r.value]));
    const out: Record<string, unknown> = { name: this.config.name, ...DEFAULT_SETTINGS };
    for (const [field, key] of Object.entries(SETTING_KEYS)) {
      if (!raw.has(key)) continue;
      out[field] = JSON.parse(raw.get(key)!);
    }
    return out as unknown as Settings;
  }

  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    await this.transaction(async (trx) => {
      for (const [field, value] of Object.entries(patch)) {
        const key = SETTING_KEYS[field as keyof Settings];
        if (!key || value === undefined) continue;
        await trx.insertInto('settings').values({ key, value: JSON.stringify(value) })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) })).execute();
      }
    });
    return this.settings();
  }

  // The programmatic API used by the trainer and the renderer.

  /** A dataset snapshot by name or id, read from its immutable manifest. */
  dataset(ref: string | number): Promise<DatasetSnapshot> { return getDataset(this, ref); }

  /** Paintover pairs of a snapshot; each asset carries its content-store `path`. */
  async pairs(datasetRef: string | number): Promise<Pair[]> { return (await this.dataset(datasetRef)).pairs; }

  /** Assets of one kind in a snapshot (concept_art, keyframe, character_sheet, …). */
  async assetsOfKind(datasetRef: string | number, kind: AssetKind): Promise<Asset[]> { return snapshotAssets(await this.dataset(datasetRef), kind); }

  /** Records a trained model (refused if the snapshot's rights were withdrawn); returns its version id. */
  registerModelVersion(input: ModelVersionInput): Promise<number> { return registerModelVersion(this, input); }

  /** Records a frame the renderer wrote; returns its id. */
  recordRenderedFrame(input: RenderedFrameInput): Promise<number> { return recordRenderedFrame(this, input); }

  /** A shot with every frame of its range: rough frame, render passes by name, painted keyframe. */
  shot(name: string): Promise<Shot> { return getShot(this, name); }

  /** The chain from a file back to the training assets and their rights. */
  lineage(path: string): Promise<Lineage> { return lineage(this, path); }

  async close(): Promise<void> { await this.db.destroy(); }
}

export function settingKeys(): Record<keyof Settings, string> { return { ...SETTING_KEYS }; }

/** The production folder for a command: explicit dir, $ATELIER_PRODUCTION, or cwd and its parents. */
export function findProductionDir(explicit?: string): string {
  const given = explicit ?? process.env.ATELIER_PRODUCTION;
  if (given) {
    const dir = resolve(given);
    if (!existsSync(join(dir, MARKER))) throw new Error(`${dir} is not an atelier production (no ${MARKER}; create one with \`atelier init ${given}\`)`);
    return dir;
  }
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, MARKER))) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`no atelier production here: ${process.cwd()} and its parents hold no ${MARKER} (use --production <dir>, or \`atelier init <dir>\`)`);
}

export async function openProduction(dir?: string): Promise<Production> {
  const root = findProductionDir(dir);
  let config: ProductionConfig;
  try {
    config = JSON.parse(readFileSync(join(root, MARKER), 'utf8')) as ProductionConfig;
  } catch (err) {
    throw new Error(`${join(root, MARKER)}: unreadable production config (${(err as Error).message})`);
  }
  if (config.format !== FORMAT) throw new Error(`${join(root, MARKER)}: format ${config.format} is not supported by this atelier (expects ${FORMAT})`);
  const { db, dialect, label } = await openDatabase(config.database, root);
  try {
    await migrateToLatest(db, dialect, root);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const prod = new Production(root, config, db, dialect, label);
  // A store elsewhere (a NAS) that is not mounted: refuse, rather than write blobs where no other
  // machine sees them. (A missing in-folder store is damage that `atelier verify` reports.)
  if (config.store !== undefined && !existsSync(join(prod.store.root, 'sha256'))) {
    await prod.close();
    throw new Error(`the content store of ${root} is not reachable: ${prod.store.root} has no sha256/ folder (is the shared store mounted?)`);
  }
  return prod;
}

export interface InitOptions extends Partial<Omit<Settings, 'name'>> {
  name?: string;
  /** PostgreSQL instead of the embedded SQLite: a postgres:// connection string, or "env:VAR". */
  databaseUrl?: string;
  /** PostgreSQL, with the connection string read from this environment variable at every open
   *  (keeps the password out of the production config). */
  databaseUrlEnv?: string;
  /** The content store's folder (e.g. on the studio's NAS); relative paths are taken from the
   *  current folder and recorded relative to the production folder. Default: <dir>/store. */
  store?: string;
}

export interface InitReport {
  /** true when the PostgreSQL database already held a workspace (another machine initialized it):
   *  its settings were kept, the options given here only fill settings it lacked. */
  joined: boolean;
}

/** Creates a production in dir (made if missing). The marker is written last, so an interrupted
 *  init leaves no production, and running init again completes it. On PostgreSQL, a database that
 *  already holds a workspace is joined (another machine's folder for the same workspace). */
export async function initProduction(dir: string, opts: InitOptions = {}, report?: InitReport): Promise<Production> {
  const root = resolve(dir);
  if (existsSync(join(root, MARKER))) throw new Error(`${root} is already an atelier production`);
  let database: DatabaseConfig = { dialect: 'sqlite', file: 'atelier.db' };
  if (opts.databaseUrl && opts.databaseUrlEnv) throw new Error('give either a database URL or the variable that holds it, not both');
  if (opts.databaseUrlEnv) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.databaseUrlEnv)) throw new Error(`"${opts.databaseUrlEnv}" is not an environment variable name`);
    database = { dialect: 'postgres', urlEnv: opts.databaseUrlEnv };
  } else if (opts.databaseUrl) {
    database = opts.databaseUrl.startsWith('env:')
      ? { dialect: 'postgres', urlEnv: opts.databaseUrl.slice(4) }
      : { dialect: 'postgres', url: opts.databaseUrl };
    if (database.url && !/^postgres(ql)?:\/\//.test(database.url)) throw new Error(`--db takes a postgres:// or postgresql:// URL, got "${redactUrl(database.url)}"`);
  }
  let store: string | undefined;
  if (opts.store !== undefined) {
    const abs = resolve(opts.store);
    store = isAbsolute(opts.store) ? abs : (relative(root, abs) || '.');
  }
  const config: ProductionConfig = { format: FORMAT, name: opts.name ?? root.split(/[\\/]/).pop()!, database, ...(store !== undefined ? { store } : {}), createdAt: nowIso() };
  mkdirSync(root, { recursive: true });
  const storeDir = storeRoot(root, config);
  mkdirSync(join(storeDir, 'sha256'), { recursive: true });
  rmSync(join(root, 'tmp'), { recursive: true, force: true });
  const { db, dialect, label } = await openDatabase(database, root);
  const prod = new Production(root, config, db, dialect, label);
  try {
    await migrateToLatest(db, dialect, root);
    const { name: _n, databaseUrl: _d, databaseUrlEnv: _e, store: _s, ...given } = opts;
    const wanted: Record<string, unknown> = { ...DEFAULT_SETTINGS, ...given };
    // PostgreSQL, insert-if-absent: machines initializing the same shared workspace at once agree on
    // one set of settings (the first written), and joining never overwrites the workspace's settings.
    const joined = await prod.transaction(async (trx) => {
      const existing = await trx.selectFrom('settings').select('key').execute();
      for (const [field, value] of Object.entries(wanted)) {
        const key = SETTING_KEYS[field as keyof Settings];
        if (!key || value === undefined) continue;
        const v = JSON.stringify(value);
        // SQLite: the database is this folder's own, so re-running an interrupted init applies its options.
        await trx.insertInto('settings').values({ key, value: v })
          .onConflict((oc) => dialect === 'sqlite' ? oc.column('key').doUpdateSet({ value: v }) : oc.column('key').doNothing()).execute();
      }
      return dialect === 'postgres' && existing.length > 0;
    });
    if (report) report.joined = joined;
    writeFileAtomic(join(root, MARKER), Buffer.from(JSON.stringify(config, null, 2) + '\n'));
  } catch (err) {
    await prod.close();
    throw err;
  }
  return prod;
}
