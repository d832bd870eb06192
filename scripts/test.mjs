// Runs every compiled test file with node's test runner (Node 20 has no glob for --test).
// The tests make their productions, stores and renders under a temporary root of this run
// (TMPDIR for the runner and everything it starts: node, ffmpeg, redis, postgres clients), removed
// when the run ends, so repeated runs on a CI machine leave nothing behind. ATELIER_KEEP_TEST_TMP=1
// keeps it for a look after a failure.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filter = process.argv.slice(2);
const files = find('dist/test').filter((f) => filter.length === 0 || filter.some((s) => f.includes(s))).sort();
if (files.length === 0) { console.error('no test files matched'); process.exit(1); }
const root = mkdtempSync(join(tmpdir(), 'atelier-tests-'));
// The PostgreSQL tests' server runs as the postgres user, under a folder of this root: it must pass.
chmodSync(root, 0o711);
// Ctrl-C reaches the runner too: let it stop, then clean up here instead of dying first.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {});
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env: { ...process.env, TMPDIR: root } });
if (process.env.ATELIER_KEEP_TEST_TMP) console.error(`test files kept in ${root}`);
else rmSync(root, { recursive: true, force: true });
process.exit(r.status ?? 1);
