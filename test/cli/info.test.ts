// atelier info: the engine on this machine, without a production; --device is checked as elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as E from '../../src/engine/index.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const atelier = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ATELIER_DEVICE: '' } });

test('info: libtorch, its devices and the one look models use, the native addons', () => {
  const r = atelier('info', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const rt = E.runtimeInfo();
  assert.equal(j.libtorch, rt.torchVersion);
  assert.deepEqual(j.cuda, { available: rt.cudaAvailable, devices: rt.cudaDeviceCount });
  assert.equal(j.device, E.defaultDevice(), 'auto: the first GPU, else the CPU');
  assert.deepEqual(j.addons, { flow: true, image: true }, JSON.stringify(j.addonErrors));
  const cpu = atelier('info', '--json', '--device', 'cpu');
  assert.equal(JSON.parse(cpu.stdout).device, 'cpu');
  const bad = atelier('info', '--device', 'cuda:99');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /device "cuda:99" is not available/);
});

test('under a low open-file limit the command says so and how to raise it, not a stack trace', () => {
  const bin = fileURLToPath(new URL('../../../bin/atelier', import.meta.url));
  const r = spawnSync('bash', ['-c', `ulimit -n 48 && exec "${process.execPath}" "${bin}" --version`], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout);
  assert.equal(r.stderr.trim(), 'atelier: the open-file limit is too low for Node\'s module loader: raise it, e.g. `ulimit -n 4096`, and run again (it is 48)');
});
