// Content-addressed file store: <production>/store/sha256/ab/cdef… (the hash minus its first two
// hex digits). A blob is written to a temp file in its final folder, fsynced, then renamed, so a
// blob that exists is complete. Writers put the blob first and the database row after it: a
// killed process leaves at most an orphan blob (or a temp file), which `atelier gc` removes.
import { createHash } from 'node:crypto';
import { existsSync, openSync, readSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { writeFileAtomic, tempPathFor } from '../util/atomic.js';

const HASH_RE = /^[0-9a-f]{64}$/;

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a file, read in chunks (model weights and videos can be large). */
export function sha256File(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally { closeSync(fd); }
  return h.digest('hex');
}

export class ContentStore {
  constructor(readonly root: string) {}

  pathFor(hash: string): string {
    if (!HASH_RE.test(hash)) throw new Error(`not a sha256 content hash: "${hash}"`);
    return join(this.root, 'sha256', hash.slice(0, 2), hash.slice(2));
  }

  has(hash: string): boolean { return existsSync(this.pathFor(hash)); }

  /** Stores bytes (if not already there) and returns their hash. Durable when it returns. */
  putBytes(data: Uint8Array, knownHash?: string): { hash: string; path: string; existed: boolean } {
    const hash = knownHash ?? sha256(data);
    const path = this.pathFor(hash);
    if (existsSync(path)) return { hash, path, existed: true };
    writeFileAtomic(path, data);
    return { hash, path, existed: false };
  }

  /** Copies a file into the store while hashing it (no whole-file buffer). */
  putFile(src: string): { hash: string; path: string; bytes: number; existed: boolean } {
    const tmpDir = join(this.root, 'sha256');
    mkdirSync(tmpDir, { recursive: true });
    const tmp = tempPathFor(join(tmpDir, 'incoming'));
    const h = createHash('sha256');
    let bytes = 0;
    const inFd = openSync(src, 'r');
    const outFd = openSync(tmp, 'w', 0o644);
    try {
      const buf = Buffer.allocUnsafe(4 << 20);
      for (let n; (n = readSync(inFd, buf, 0, buf.length, null)) > 0;) {
        h.update(buf.subarray(0, n));
        for (let off = 0; off < n;) off += writeSync(outFd, buf, off, n - off);
        bytes += n;
      }
      fsyncSync(outFd);
    } catch (err) {
      closeSync(inFd); closeSync(outFd);
      try { unlinkSync(tmp); } catch { /* gone */ }
      throw err;
    }
    closeSync(inFd); closeSync(outFd);
    const hash = h.digest('hex');
    const path = this.pathFor(hash);
    if (existsSync(path)) { unlinkSync(tmp); return { hash, path, bytes, existed: true }; }
    mkdirSync(dirname(path), { recursive: true });
    renameSync(tmp, path);
    try { const d = openSync(dirname(path), 'r'); try { fsyncSync(d); } finally { closeSync(d); } } catch { /* best effort */ }
    return { hash, path, bytes, existed: false };
  }

  /** Re-hashes a stored blob; false when missing or altered. */
  verify(hash: string): boolean {
    const path = this.pathFor(hash);
    return existsSync(path) && sha256File(path) === hash;
  }

  /** Every stored hash, and every leftover temp file (from a killed writer). */
  scan(): { hashes: string[]; temps: string[] } {
    const hashes: string[] = [];
    const temps: string[] = [];
    const base = join(this.root, 'sha256');
    if (!existsSync(base)) return { hashes, temps };
    for (const name of readdirSync(base)) {
      const p = join(base, name);
      if (name.endsWith('.tmp')) { temps.push(p); continue; }
      if (!/^[0-9a-f]{2}$/.test(name) || !statSync(p).isDirectory()) continue;
      for (const rest of readdirSync(p)) {
        if (rest.endsWith('.tmp')) temps.push(join(p, rest));
        else if (HASH_RE.test(name + rest)) hashes.push(name + rest);
      }
    }
    return { hashes, temps };
  }
}
