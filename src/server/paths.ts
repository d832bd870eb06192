// Where the server may read: files inside the production, judged on real paths (symlinks
// resolved), so neither a record nor a link can point it elsewhere.
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

/** True when path lies inside root (after resolution), so a record can't point the server elsewhere. */
export function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The real file a recorded path names (absolute, or relative to the production), only when it lies
 *  inside the production once every symlink is resolved: a link planted among rendered frames
 *  cannot point the server at /etc/passwd. Null when missing or outside. */
export function realInside(prodDir: string, path: string): string | null {
  let real: string, root: string;
  try {
    root = realpathSync(prodDir);
    real = realpathSync(resolve(prodDir, path));
  } catch { return null; }
  return inside(root, real) ? real : null;
}

