// loadImage reads regular files only: a folder used to fail with a bare EISDIR, and a FIFO named
// like an image (stylize, compare --gt) blocked forever in open(). Each now fails at once, naming the path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadImage } from '../../src/data/image-io.js';
import { tempDir } from '../store/helpers.js';

test('loadImage refuses a folder, a FIFO and a missing file, naming the path, without blocking', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const folder = join(dir, 'frame.png');
  mkdirSync(folder);
  await assert.rejects(loadImage(folder), (e: Error) => e.message === `${folder}: cannot read image (not a regular file: a folder)`);
  const fifo = join(dir, 'pipe.exr');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(loadImage(fifo), (e: Error) => e.message === `${fifo}: cannot read image (not a regular file: a pipe, socket or device)`);
  const missing = join(dir, 'gone.png');
  await assert.rejects(loadImage(missing), (e: Error) => e.message === `${missing}: cannot read image (no such file)`);
});
