// Turns the command line's files, folders and glob patterns into a list of files to ingest.
// Folders are walked recursively for image extensions (other files are listed as skipped);
// named files are always passed on, so validation can reject them with a reason.
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, isAbsolute, sep } from 'node:path';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp', '.exr'];

export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function hasGlob(s: string): boolean { return /[*?[]/.test(s); }

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let body = seg.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Expands a glob (*, ?, [abc], ** for any depth) to existing files, sorted. */
export function expandGlob(pattern: string): string[] {
  const abs = isAbsolute(pattern) ? pattern : join(process.cwd(), pattern);
  const parts = abs.split(/[\\/]/);
  let i = 0;
  while (i < parts.length && !hasGlob(parts[i])) i++;
  const base = parts.slice(0, i).join(sep) || sep;
  const rest = parts.slice(i);
  const out: string[] = [];
  const walk = (dir: string, segs: string[]) => {
    if (segs.length === 0) return;
    const [seg, ...more] = segs;
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    if (seg === '**') {
      walk(dir, more); // zero folders
      // Any depth, but each folder once (a symlink loop recursed until ELOOP), by its own path
      // before any link's: real folders first.
      const sub = names.filter((n) => !n.startsWith('.')).map((n) => join(dir, n))
        .map((p) => ({ p, st: statOrNull(p), link: lstatSync(p).isSymbolicLink() }))
        .filter((e) => e.st?.isDirectory()).sort((a, b) => Number(a.link) - Number(b.link));
      for (const { p, st } of sub) {
        const key = `${folderId(st!)}/${segs.length}`;
        if (!deep.has(key)) { deep.add(key); walk(p, segs); }
      }
      return;
    }
    const re = segmentRegex(seg);
    for (const n of names) {
      if (n.startsWith('.') && !seg.startsWith('.')) continue;
      if (!re.test(n)) continue;
      const p = join(dir, n);
      const st = statOrNull(p);
      if (!st) continue;
      if (more.length === 0) { if (st.isFile()) out.push(p); }
      else if (st.isDirectory()) walk(p, more);
    }
  };
  const deep = new Set<string>();
  const baseStat = statOrNull(base);
  if (baseStat) for (let k = 1; k <= rest.length; k++) deep.add(`${folderId(baseStat)}/${k}`);
  walk(base, rest);
  return [...new Set(out)].sort(naturalCompare);
}

/** A folder's identity on disk: a symlink back to a folder being walked is that folder again. */
const folderId = (st: { dev: number; ino: number }) => `${st.dev}:${st.ino}`;

/** stat of a walked entry, or null for one that cannot be followed (a dangling or looping symlink). */
function statOrNull(p: string) {
  try { return statSync(p); } catch { return null; }
}

function walkFolder(dir: string, files: string[], skipped: string[], seen = new Set([folderId(statSync(dir))])): void {
  const names = readdirSync(dir).sort(naturalCompare).filter((n) => !n.startsWith('.'));
  // Links after real entries, so a folder reached both ways is listed by its own path.
  const isLink = (n: string) => lstatSync(join(dir, n)).isSymbolicLink();
  for (const n of [...names.filter((n) => !isLink(n)), ...names.filter(isLink)]) {
    const p = join(dir, n);
    const st = statOrNull(p);
    if (st?.isDirectory()) {
      // A folder reached twice (a symlink loop, or two links to one folder) is walked once.
      if (seen.has(folderId(st))) { skipped.push(p); continue; }
      seen.add(folderId(st));
      walkFolder(p, files, skipped, seen);
    } else if (st && IMAGE_EXTENSIONS.some((e) => n.toLowerCase().endsWith(e))) files.push(p);
    else skipped.push(p);
  }
}

export interface ExpandedInputs { files: string[]; skipped: string[]; unmatched: string[] }

export function expandInputs(args: string[]): ExpandedInputs {
  const files: string[] = [];
  const skipped: string[] = [];
  const unmatched: string[] = [];
  for (const arg of args) {
    if (existsSync(arg)) {
      const p = resolve(arg);
      if (statSync(p).isDirectory()) walkFolder(p, files, skipped);
      else files.push(p);
    } else if (hasGlob(arg)) {
      const m = expandGlob(arg);
      if (m.length === 0) unmatched.push(arg);
      files.push(...m);
    } else files.push(resolve(arg)); // validation reports "no such file"
  }
  return { files: [...new Set(files)], skipped, unmatched };
}
