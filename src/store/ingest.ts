// Ingest: validate each file, store its bytes once by content hash, then record it in one
// transaction. Files are independent: a rejected file is reported (file + reason) and the rest
// of the batch goes on. Order per file — blob durable first, database row second — means a
// process killed at any instant leaves at most an orphan blob, never a row without its bytes.
import { storageProblem, STORAGE_WORDS } from './storage-errors.js';
import { basename, resolve } from 'node:path';
import type { Production, Settings } from './production.js';
import { nowIso } from './time.js';
import { sha256 } from './content-store.js';
import { readImageFile, validateImageData, RejectedFileError } from './image-validate.js';
import { nearest } from './phash.js';
import { findAssetIdByHash } from './assets.js';
import type { AssetKind } from './schema.js';
import { DatabaseUnavailableError } from './db.js';
import { exrHasPicture } from '../data/exr-read.js';

export interface IngestMeta {
  kind: AssetKind;
  tags?: string[];
  characters?: string[];
  location?: string | null;
  owner?: string | null;
  licence?: string | null;
  source?: string | null;
  /** Defaults to the production's default_cleared_for_training (false unless changed). */
  cleared?: boolean;
  /** The files' OCIO colour space, when known (a shot's --color-space); null: the format's default. */
  colorSpace?: string | null;
}

/** Where a file derived at import (a layer split out of a multi-layer EXR) came from. */
export interface IngestOrigin { sourcePath: string; originalName: string }

export interface IngestOptions {
  maxMegapixels?: number;
  /** Flag near-duplicates by perceptual hash (default true; shots turn it off for frame sequences). */
  nearDuplicates?: boolean;
  onResult?: (r: IngestResult) => void;
}

export interface IngestedAsset { id: number; hash: string; kind: string; format: string; width: number; height: number; bitDepth: number }

export type IngestResult =
  | { file: string; status: 'added'; asset: IngestedAsset; nearDuplicateOf: { id: number; distance: number } | null }
  | { file: string; status: 'duplicate'; asset: IngestedAsset }
  | { file: string; status: 'rejected'; reason: string };

/** What the caller needs of a file besides a valid image (a shot's pass: its rough frame's size):
 *  the reason to refuse it, checked before it is stored, or null. */
export type IngestCheck = (image: { width: number; height: number }) => string | null;

/** State shared by the files of one batch (settings, known perceptual hashes). */
export class IngestSession {
  private phashes: { id: number; phash: string | null }[] | null = null;
  private blobsWritten = 0;
  private readonly crashAfter = Number(process.env.ATELIER_TEST_CRASH_AFTER_BLOBS ?? 0);

  private constructor(readonly prod: Production, readonly settings: Settings, readonly opts: IngestOptions) {}

  static async start(prod: Production, opts: IngestOptions = {}): Promise<IngestSession> {
    return new IngestSession(prod, await prod.settings(), opts);
  }

  private async knownPhashes() {
    // In id order, so that ties between equally near look-alikes resolve the same way on every dialect.
    this.phashes ??= await this.prod.db.selectFrom('assets').select(['id', 'phash']).orderBy('id').execute();
    return this.phashes;
  }

  private async existing(id: number): Promise<IngestedAsset> {
    const r = await this.prod.db.selectFrom('assets').select(['id', 'hash', 'kind', 'format', 'width', 'height', 'bit_depth']).where('id', '=', id).executeTakeFirstOrThrow();
    return { id: r.id, hash: r.hash, kind: r.kind, format: r.format, width: r.width, height: r.height, bitDepth: r.bit_depth };
  }

  async ingest(fileArg: string, meta: IngestMeta, origin?: IngestOrigin, check?: IngestCheck): Promise<IngestResult> {
    const file = resolve(fileArg);
    const result = await this.ingestOne(file, meta, origin, check).catch((err: unknown): IngestResult => {
      if (err instanceof RejectedFileError) return { file: err.file, status: 'rejected', reason: err.reason };
      // The database is gone: that is not this file's fault, and every following file would fail
      // too. Stop the batch with the database's error (what was recorded so far stays recorded).
      if (err instanceof DatabaseUnavailableError) throw err;
      // A full or read-only disk under the production: not this file's fault either (every later file
      // was reported "rejected: ENOSPC"). One error names it; what was added stays.
      const disk = storageProblem(err);
      if (disk) throw new Error(`${STORAGE_WORDS[disk]} (${(err as Error).message}): stopped at ${file}; what was added before it is kept. Make room and run the same add again (files already added are recognised)`);
      return { file, status: 'rejected', reason: err instanceof Error ? err.message : String(err) };
    });
    this.opts.onResult?.(result);
    return result;
  }

  private async ingestOne(file: string, meta: IngestMeta, origin?: IngestOrigin, check?: IngestCheck): Promise<IngestResult> {
    const s = this.settings;
    const limits = { maxPixels: (this.opts.maxMegapixels ?? s.maxMegapixels) * 1e6, maxBytes: s.maxFileMegabytes * 1048576 };
    const refuse = (image: { width: number; height: number; format: string }) => {
      const reason = check?.(image) ?? notAPicture(file, image.format, meta.kind);
      if (reason) throw new RejectedFileError(file, reason);
    };
    const data = readImageFile(file, limits);
    const hash = sha256(data);
    const known = await findAssetIdByHash(this.prod, hash);
    if (known !== null) {
      const asset = await this.existing(known);
      refuse(asset);
      return { file, status: 'duplicate', asset };
    }

    const info = await validateImageData(file, data, limits);
    refuse(info);
    const near = this.opts.nearDuplicates === false ? null : nearest(info.phash, await this.knownPhashes(), s.nearDuplicateDistance);

    this.prod.store.putBytes(data, hash); // durable before any row refers to it
    this.blobsWritten++;
    if (this.crashAfter && this.blobsWritten >= this.crashAfter) process.kill(process.pid, 'SIGKILL'); // fault injection for tests

    const now = nowIso();
    let id: number;
    try {
      id = await this.prod.transaction(async (trx) => {
        const row = await trx.insertInto('assets').values({
          hash, kind: meta.kind, original_name: origin?.originalName ?? basename(file), source_path: origin?.sourcePath ?? file, format: info.format,
          width: info.width, height: info.height, channels: info.channels, bit_depth: info.bitDepth, bytes: data.length,
          phash: info.phash, near_duplicate_of: near?.item.id ?? null, near_duplicate_distance: near?.distance ?? null,
          location: meta.location ?? null,
          owner: meta.owner ?? s.defaultOwner, licence: meta.licence ?? s.defaultLicence, source: meta.source ?? s.defaultSource,
          cleared_for_training: (meta.cleared ?? s.defaultClearedForTraining) ? 1 : 0,
          color_space: meta.colorSpace ?? null,
          created_at: now, updated_at: now,
        }).returning('id').executeTakeFirstOrThrow();
        for (const tag of new Set(meta.tags ?? [])) await trx.insertInto('asset_tags').values({ asset_id: row.id, tag }).execute();
        for (const character of new Set(meta.characters ?? [])) await trx.insertInto('asset_characters').values({ asset_id: row.id, character }).execute();
        // `atelier gc` (maybe on another machine) deletes orphan blobs only under the write lock our
        // insert now holds; so if ours is still there, it stays there. Put it back if it went.
        this.prod.store.putBytes(data, hash);
        return row.id;
      });
    } catch (err) {
      if (err instanceof DatabaseUnavailableError) throw err;
      // Another process added the same bytes between our lookup and our insert (the unique hash
      // refused our row; the blob is the same bytes, already durable).
      const raced = await findAssetIdByHash(this.prod, hash);
      if (raced !== null) return { file, status: 'duplicate', asset: await this.existing(raced) };
      throw err;
    }
    this.phashes?.push({ id, phash: info.phash });
    return {
      file, status: 'added',
      asset: { id, hash, kind: meta.kind, format: info.format, width: info.width, height: info.height, bitDepth: info.bitDepth },
      nearDuplicateOf: near ? { id: near.item.id, distance: near.distance } : null,
    };
  }
}

/** Why a file cannot be an asset of this kind though it is a valid image: every kind but a render
 *  pass is a picture, and an EXR whose default layer is data (a lone Z or motion) is none. */
function notAPicture(file: string, format: string, kind: AssetKind): string | null {
  if (kind === 'render_pass' || format !== 'exr') return null;
  const { picture, layer } = exrHasPicture(file);
  if (picture) return null;
  return `its ${layer.name ? `layer "${layer.name}"` : 'default layer'} holds ${layer.short.join(' ')}, data rather than a picture (R G B or Y), so it cannot be a ${kind.replace('_', ' ')}; attach depth, motion and other data as a render pass (\`atelier shot pass\`)`;
}

/** Ingests files one by one with the same metadata; never throws for a bad file. */
export async function ingestFiles(prod: Production, files: string[], meta: IngestMeta, opts: IngestOptions = {}): Promise<IngestResult[]> {
  const session = await IngestSession.start(prod, opts);
  const out: IngestResult[] = [];
  for (const f of files) out.push(await session.ingest(f, meta));
  return out;
}

export function summarize(results: IngestResult[]): { added: number; duplicates: number; rejected: number; nearDuplicates: number } {
  return {
    added: results.filter((r) => r.status === 'added').length,
    duplicates: results.filter((r) => r.status === 'duplicate').length,
    rejected: results.filter((r) => r.status === 'rejected').length,
    nearDuplicates: results.filter((r) => r.status === 'added' && r.nearDuplicateOf).length,
  };
}
