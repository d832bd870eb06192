// What an error says about the storage under the production, in the words SQLite, PostgreSQL's
// driver and Node use: the disk is full, it cannot be written, or it failed a write. Not the fault
// of the file or command at hand, so callers stop and say so instead of blaming it.

export type StorageProblem = 'full' | 'read-only' | 'failing';

/** Each problem said plainly, for every message that names one. */
export const STORAGE_WORDS: Record<StorageProblem, string> = {
  full: 'the disk holding the production is full',
  'read-only': 'the production\'s folder or disk cannot be written by this user',
  failing: 'the production\'s disk failed a write: it is full or failing',
};

export function storageProblem(err: unknown): StorageProblem | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || /database or disk is full/i.test(msg)) return 'full';
  if (code === 'EROFS' || code === 'SQLITE_READONLY' || /readonly database|unable to open database file/i.test(msg)) return 'read-only';
  // SQLite rolls a transaction back itself when its disk fails it; the rollback that follows then finds none.
  if (code?.startsWith('SQLITE_IOERR') || /disk I\/O error|cannot rollback - no transaction is active/.test(msg)) return 'failing';
  return null;
}
