// Finds and loads the compiled addons (build/Release/<name>.node): the libtorch engine, optical flow,
// OpenEXR and OpenColorIO are each their own module, so one never loads another's libraries.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

function repoRoot(): string {
  // dist/src/util/native-addons.js -> repo root (three levels up); src/util/... -> two levels.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('atelier: cannot locate the repository root (binding.gyp) from ' + fileURLToPath(import.meta.url));
}

/**
 * Loads one of the compiled addons (build/Release/<name>.node), with one error that names it, says
 * why it failed and how to fix it (`fix`).
 */
export function loadAddon<T>(name: string, what: string, fix: string): T {
  const path = join(repoRoot(), 'build', 'Release', `${name}.node`);
  try {
    return createRequire(import.meta.url)(path) as T;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`atelier: ${what} could not be loaded from ${path} (${why}). ${fix}`);
  }
}
