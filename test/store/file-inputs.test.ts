// Folders and globs given to `add`: a symlink loop inside a folder aborted the whole add with ELOOP
// (nothing added); now each folder is walked once and what cannot be followed is listed as skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandInputs, expandGlob } from '../../src/store/file-inputs.js';
import { tempDir } from './helpers.js';

test('a folder with a symlink loop, a dangling link and two links to one folder: each image once, the rest skipped', (t) => {
  const dir = tempDir(t);
  const art = join(dir, 'art');
  mkdirSync(join(art, 'sub'), { recursive: true });
  writeFileSync(join(art, 'a.png'), 'x');
  writeFileSync(join(art, 'sub', 'b.png'), 'x');
  symlinkSync('.', join(art, 'self'));           // art/self -> art
  symlinkSync('sub', join(art, 'sub-again'));     // a second way into sub
  symlinkSync('gone.png', join(art, 'dangling.png'));
  const r = expandInputs([art]);
  assert.deepEqual(r.files, [join(art, 'a.png'), join(art, 'sub', 'b.png')]);
  assert.deepEqual(r.skipped.sort(), [join(art, 'dangling.png'), join(art, 'self'), join(art, 'sub-again')].sort());
  // A glob of any depth through the same loop ends, listing each file once by its own path.
  assert.deepEqual(expandGlob(join(art, '**', '*.png')), [join(art, 'a.png'), join(art, 'sub', 'b.png')]);
  symlinkSync('sub', join(art, 'aa-link'));       // a link sorted before the folder it points to
  assert.deepEqual(expandInputs([art]).files, [join(art, 'a.png'), join(art, 'sub', 'b.png')]);
});
