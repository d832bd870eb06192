// The code version recorded with each model version: the git commit of the atelier checkout when
// there is one, else the package version.
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

let cached: string | null = null;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export function codeVersion(): string {
  if (cached) return cached;
  const root = packageRoot();
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (git.status === 0 && /^[0-9a-f]{40}$/.test(git.stdout.trim())) return (cached = git.stdout.trim());
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string; version?: string };
    return (cached = `${pkg.name ?? 'atelier'}@${pkg.version ?? 'unknown'}`);
  } catch {
    return (cached = 'unknown');
  }
}
