// The exemplar bank's guides kept on disk, in the production's cache folder: building them runs the
// look model on every painted pair (at 1080p, 12 pairs: ~6 s of a render's cold start, paid by every
// `atelier render`, every dailies job and every farm worker's first chunk). The file is named by a
// hash of everything the guides depend on — the model files, the dataset snapshot, the guide
// weights, the inference precision and device, the colour settings and the build of Atelier — so a
// changed input never reads a stale bank, and a damaged or foreign file is rebuilt, never trusted:
// the guide data's own hash is checked on every read. The newest few banks are kept.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../engine/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { IdKeys } from './id-pass.js';

/** Banks kept per production (the newest by use); at 1080p one is ~100 MB. */
export const KEPT_BANKS = 4;

/**
 * ATELIER_BANK_CACHE=off neither reads nor writes banks (the key holds the git commit, not
 * uncommitted edits: for work on the guides' own code).
 */
export const bankCacheEnabled = (): boolean => process.env.ATELIER_BANK_CACHE !== 'off';

/** The cache folder of a production's banks. */
export const bankCacheDir = (prodDir: string): string => join(prodDir, 'cache', 'exemplar-banks');

/** The cache key: a sha256 of the JSON of everything the guides depend on. */
export function bankCacheKey(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** A bank's guides and the IDs its exemplars' ID passes hold (Exemplars.ids). */
export interface CachedGuide { guide: E.Tensor; ids: IdKeys }

// The hash of the guide's data and of the IDs' JSON (kept in the file's metadata).
const dataHash = (t: E.Tensor, idsJson: string): string => {
  const d = E.tidy(() => t.contiguous().data() as Float32Array);
  return createHash('sha256').update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).update(idsJson).digest('hex');
};

const idsToJson = (ids: IdKeys): string => JSON.stringify([...ids].map(([name, keys]) => [name, [...keys]]));

function idsFromJson(json: string): IdKeys {
  const v: unknown = JSON.parse(json);
  if (!Array.isArray(v) || !v.every((e) => Array.isArray(e) && typeof e[0] === 'string' && Array.isArray(e[1]) && e[1].every((k: unknown) => typeof k === 'string'))) {
    throw new Error('not a list of ID keys');
  }
  return new Map((v as [string, string[]][]).map(([name, keys]) => [name, new Set(keys)]));
}

/**
 * The guide stored under key and its IDs, or null when there is none, or it does not hold what the
 * key says (another key, a damaged or truncated file, data that no longer matches its hash).
 */
export function readCachedGuide(dir: string, key: string): CachedGuide | null {
  if (!bankCacheEnabled()) return null;
  const path = join(dir, `${key}.safetensors`);
  if (!existsSync(path)) return null;
  let guide: E.Tensor | null = null;
  try {
    const { tensors, metadata } = E.loadSafetensors(path);
    guide = tensors.get('guide') ?? null;
    for (const [name, t] of tensors) if (name !== 'guide') t.dispose();
    const idsJson = metadata.ids ?? '[]';
    if (!guide || metadata.key !== key || guide.dtype !== 'float32' || guide.ndim !== 4 || metadata.sha256 !== dataHash(guide, idsJson)) {
      guide?.dispose();
      return null;
    }
    const ids = idsFromJson(idsJson);
    try { const now = new Date(); utimesSync(path, now, now); } catch { /* read-only cache: still usable */ }
    return { guide, ids };
  } catch {
    guide?.dispose();
    return null;
  }
}

/**
 * Stores a guide and its IDs under key (atomically: a reader sees the old file or the new one) and
 * drops the banks beyond KEPT_BANKS. A cache that cannot be written (read-only, disk full) is
 * skipped: the render goes on with the bank it built.
 */
export function writeCachedGuide(dir: string, key: string, guide: E.Tensor, ids: IdKeys = new Map()): boolean {
  if (!bankCacheEnabled()) return false;
  try {
    const idsJson = idsToJson(ids);
    writeFileAtomic(join(dir, `${key}.safetensors`), E.encodeSafetensors({ guide }, { key, ids: idsJson, sha256: dataHash(guide, idsJson) }));
  } catch {
    return false;
  }
  try {
    const banks = readdirSync(dir).filter((n) => n.endsWith('.safetensors'))
      .map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs })).sort((a, b) => b.t - a.t);
    for (const b of banks.slice(KEPT_BANKS)) rmSync(join(dir, b.n), { force: true });
  } catch { /* another process pruned at the same time */ }
  return true;
}
