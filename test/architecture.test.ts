// Layers import downward only (docs/ARCHITECTURE.md): reads every import in src/ and fails on one
// that reaches a folder of the same or a higher layer. Module URLs (new URL('…', import.meta.url))
// are not imports: a job table may name a module that only a job thread imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Lowest first; folders on one line are peers and import each other not at all. */
export const LAYERS: string[][] = [
  ['util'],
  ['engine'],
  ['nn', 'data'],
  ['store'],
  ['image'],
  ['metrics'],
  ['models'],
  ['synth'],
  ['render'],
  ['jobs', 'sample', 'terminal'],
  ['farm', 'server'],
  ['cli'],
  ['demo'],
];

/**
 * Upward imports in files their owners are changing now; each is named so the list can only shrink
 * (an entry that no longer occurs fails the test, to be removed).
 */
const KNOWN: Record<string, string> = {
};

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const SRC = join(ROOT, 'src');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative specifiers of static imports, re-exports and dynamic import('…') calls. */
export function importsOf(code: string): string[] {
  const out: string[] = [];
  const re = /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of code.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out.filter((s) => s.startsWith('.'));
}

function layerOf(folder: string): number {
  return LAYERS.findIndex((l) => l.includes(folder));
}

test('every src folder has a layer', () => {
  const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory() && n !== 'web');
  const missing = folders.filter((f) => layerOf(f) < 0);
  assert.deepEqual(missing, [], `give these folders a layer in LAYERS and docs/ARCHITECTURE.md: ${missing.join(', ')}`);
});

test('imports run downward only', () => {
  const upward: string[] = [];
  const seenKnown = new Set<string>();
  for (const file of sources(SRC)) {
    const rel = relative(ROOT, file);
    const from = rel.split('/')[1]!;
    if (from === 'web') continue; // the browser app: its own build, checked below
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = relative(ROOT, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      const parts = target.split('/');
      if (parts[0] !== 'src') { upward.push(`${rel} -> ${target} (outside src)`); continue; }
      const to = parts[1]!;
      if (to === from) continue;
      const edge = `${rel} -> ${target}`;
      if (layerOf(to) >= 0 && layerOf(to) < layerOf(from)) continue;
      if (KNOWN[edge]) { seenKnown.add(edge); continue; }
      upward.push(`${edge} (${from} is layer ${layerOf(from)}, ${to} is layer ${layerOf(to)})`);
    }
  }
  assert.deepEqual(upward, [], `imports that go up or sideways:\n${upward.join('\n')}`);
  const gone = Object.keys(KNOWN).filter((k) => !seenKnown.has(k));
  assert.deepEqual(gone, [], 'known exceptions that no longer occur: remove them from KNOWN');
});

test('the web app imports nothing from the rest of src', () => {
  const bad: string[] = [];
  for (const file of sources(join(SRC, 'web'))) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = relative(join(SRC, 'web'), resolve(dirname(file), spec));
      if (target.startsWith('..')) bad.push(`${relative(ROOT, file)} -> ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the import reader sees every form and catches an upward import', () => {
  const code = [
    "import { a } from '../engine/index.js';",
    "import type { B } from './b.js';",
    "export { c } from '../render/c.js';",
    "export * from '../image/tiles.js';",
    "import '../side-effect.js';",
    "const m = await import('../cli/main.js');",
    "import x from 'node:fs';",
    "import {\n  d,\n  e,\n} from '../store/index.js';",
    "const u = new URL('../server/jobs/handlers.js', import.meta.url);",
  ].join('\n');
  assert.deepEqual(importsOf(code), ['../engine/index.js', './b.js', '../render/c.js', '../image/tiles.js', '../side-effect.js', '../cli/main.js', '../store/index.js']);
  assert.ok(layerOf('models') > layerOf('image') && layerOf('render') > layerOf('models'));
  assert.ok(!(layerOf('render') < layerOf('models')), 'models -> render is upward');
});
