// What an OCIO config file reads besides itself: the LUTs and other files OCIO finds along its
// search_path (directories relative to the config's own, `$VAR` / `${VAR}` from the environment).
// A cache of anything made through the config must change when one of them does, so it is keyed by
// this fingerprint: every file under the search paths with its size and modification time (a stat
// each, no reading). When that cannot be known — a variable not set, more files than a cache key
// should walk — the answer is null and such a cache must not be used.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { createHash } from 'node:crypto';

/** Most files walked for one config (an ACES config's LUT folder holds a few hundred). */
export const MAX_CONFIG_FILES = 5000;

/** The search_path entries of a config's text: `a:b` on one line (quoted or not), or a YAML list. */
export function searchPaths(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => /^search_path\s*:/.test(l));
  if (at < 0) return [];
  const unquote = (v: string) => v.trim().replace(/^(["'])(.*)\1$/, '$2');
  const inline = unquote(lines[at]!.replace(/^search_path\s*:/, '').replace(/\s+#.*$/, ''));
  if (inline.startsWith('[')) return inline.slice(1, -1).split(',').map(unquote).filter(Boolean);
  if (inline !== '') return inline.split(':').filter(Boolean);
  const out: string[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    const m = /^\s+-\s*(.*)$/.exec(lines[i]!);
    if (!m) {
      if (lines[i]!.trim() === '') continue;
      break;
    }
    out.push(unquote(m[1]!));
  }
  return out.filter(Boolean);
}

const expand = (p: string): string | null => {
  let missing = false;
  const out = p.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
    const v = process.env[(a ?? b)!];
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing ? null : out;
};

/**
 * A sha256 of the config file's bytes and of every file under its search paths (path relative to
 * the config, size, modification time), or null when the search paths cannot be resolved or walked.
 */
export function ocioConfigFingerprint(configPath: string): string | null {
  let text: Buffer;
  try { text = readFileSync(configPath); } catch { return null; }
  const base = dirname(resolve(configPath));
  const h = createHash('sha256').update(text);
  const entries: string[] = [];
  for (const p of searchPaths(text.toString('utf8'))) {
    const expanded = expand(p);
    if (expanded === null) return null;
    const dir = isAbsolute(expanded) ? expanded : join(base, expanded);
    // A search path that does not exist is part of the fingerprint too (it may appear later).
    const stack = [dir];
    while (stack.length) {
      const d = stack.pop()!;
      let names: string[];
      try { names = readdirSync(d).sort(); } catch { entries.push(`${relative(base, d)}: absent`); continue; }
      for (const n of names) {
        const f = join(d, n);
        let s;
        try { s = statSync(f); } catch { continue; }
        if (s.isDirectory()) stack.push(f);
        else if (s.isFile()) entries.push(`${relative(base, f)} ${s.size} ${s.mtimeMs}`);
        if (entries.length > MAX_CONFIG_FILES) return null;
      }
    }
  }
  return h.update(entries.join('\n')).digest('hex');
}
