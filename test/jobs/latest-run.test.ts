// train look --resume picks the dataset's newest run with a checkpoint: look-<dataset>-<stamp>[-n],
// not a run of a dataset whose name starts the same (d1 took d1-x's runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { latestRun } from '../../src/jobs/train-look.js';
import { newRunDir } from '../../src/jobs/run-dir.js';
import { tempDir } from '../store/helpers.js';

test('the newest checkpointed run of the dataset itself, by its folder name', (t) => {
  const dir = tempDir(t);
  const run = (name: string, age: number, checkpoint = true) => {
    const d = join(dir, 'runs', name);
    mkdirSync(d, { recursive: true });
    if (checkpoint) writeFileSync(join(d, 'checkpoint.safetensors'), 'x');
    utimesSync(d, new Date(Date.now() - age * 1000), new Date(Date.now() - age * 1000));
    return d;
  };
  const own = run('look-d1-20261205T100000Z', 30);
  run('look-d1-x-20261205T110000Z', 10);          // dataset d1-x, newer
  run('look-d1-20261205T120000Z-2', 5, false);    // no checkpoint yet
  assert.equal(latestRun({ dir }, 'd1'), own);
  const second = run('look-d1-20261205T100000Z-2', 20);
  assert.equal(latestRun({ dir }, 'd1'), second);
  assert.equal(latestRun({ dir }, 'd2'), null);
});

test('a run started in the same second as another gets a folder of its own (-2, -3)', (t) => {
  const dir = tempDir(t);
  const at = new Date('2026-12-05T10:00:00.400Z');
  const first = newRunDir(dir, 'keys-sh010', at);
  assert.equal(first, join(dir, 'runs', 'keys-sh010-20261205T100000Z'));
  mkdirSync(first, { recursive: true });
  const second = newRunDir(dir, 'keys-sh010', new Date('2026-12-05T10:00:00.900Z'));
  assert.equal(second, `${first}-2`);
  mkdirSync(second);
  assert.equal(newRunDir(dir, 'keys-sh010', at), `${first}-3`);
});
