// Training runs' folders: runs/<name>-<UTC stamp to the second>, with -2, -3 … for a run started in
// the same second as another (the later one took over the earlier's config and checkpoint).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Whether a folder name's tail after "<name>-" is a run's stamp (and its -n). */
export const isRunStamp = (tail: string): boolean => /^\d{8}T\d{6}Z(-\d+)?$/.test(tail);

/** A run folder of the production not taken yet (not created: its first write makes it). */
export function newRunDir(productionDir: string, name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = join(productionDir, 'runs', `${name}-${stamp}`);
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}
