// Crash safety: SIGKILL at any moment of an ingest leaves a consistent workspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { openProduction, verifyProduction, collectGarbage, listAssets } from '../../src/store/index.js';
import { tempDir, writeImage, atelier, BIN, checkIntact as check } from './helpers.js';
import { forEachDialect } from './dialects.js';


forEachDialect((w) => {
  test('SIGKILL between storing a blob and recording it leaves an orphan blob only', async (t) => {
    const dir = tempDir(t);
    for (let i = 0; i < 6; i++) await writeImage(join(dir, 'in', `f${i}.png`), 100 + i);
    const prodDir = join(dir, 'prod');
    atelier(['init', prodDir, ...await w.initArgs()]);
    const killed = atelier(['add', join(dir, 'in'), '--kind', 'concept_art', '--production', prodDir], { env: { ATELIER_TEST_CRASH_AFTER_BLOBS: '3' } });
    assert.equal(killed.signal, 'SIGKILL');
    const after = await check(prodDir);
    assert.equal(after.assets.length, 2);
    assert.equal(after.report.orphanBlobs.length, 1);

    const rerun = atelier(['add', join(dir, 'in'), '--kind', 'concept_art', '--production', prodDir, '--json']);
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.deepEqual(rerun.json().summary, { added: 4, duplicates: 2, rejected: 0, nearDuplicates: 0 });
    const done = await check(prodDir);
    assert.equal(done.assets.length, 6);
    assert.equal(done.report.orphanBlobs.length, 0, 'the orphan was adopted by the re-run');
  });

  test('SIGKILL at random moments of a real ingest: every state is consistent and resumable', async (t) => {
    const dir = tempDir(t);
    const N = 24;
    for (let i = 0; i < N; i++) await writeImage(join(dir, 'in', `f${String(i).padStart(2, '0')}.png`), 500 + i, i % 3 ? 'png' : 'png16', 256, 192);
    const prodDir = join(dir, 'prod');
    atelier(['init', prodDir, ...await w.initArgs()]);
    // Kill when the store has reached a number of blobs (plus a little jitter), so that the kills
    // land inside the ingest loop rather than during start-up.
    const blobCount = () => { try { return readdirSync(join(prodDir, 'store', 'sha256'), { recursive: true }).length; } catch { return 0; } };
    const targets = [3, 9, 15, 21];
    let lastCount = 0;
    let killedMidway = 0;
    for (const [i, target] of targets.entries()) {
      const child = spawn(process.execPath, [BIN, 'add', join(dir, 'in'), '--kind', 'rough_frame', '--production', prodDir], { stdio: 'ignore' });
      const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
      let running = true;
      void exited.then(() => { running = false; });
      while (running && blobCount() < target) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, i * 3));
      child.kill('SIGKILL');
      const status = await exited;
      killedMidway += status.signal === 'SIGKILL' && lastCount < N ? 1 : 0;
      const { assets, report } = await check(prodDir);
      assert.ok(assets.length >= lastCount, 'nothing recorded is lost');
      lastCount = assets.length;
      t.diagnostic(`kill at ${target}+ blobs: ${assets.length} assets recorded, ${report.orphanBlobs.length} orphan blob(s), exit ${status.signal ?? status.code}`);
      for (const a of assets) assert.equal(a.width, 256);
      assert.ok(report.orphanBlobs.length <= 1, `at most one orphan per kill, got ${report.orphanBlobs.length}`);
      if (status.code === 0) break; // finished before the kill
    }
    assert.ok(killedMidway >= 1, 'at least one kill landed during the ingest');
    const gc = await (async () => { const p = await openProduction(prodDir); try { return await collectGarbage(p, { minAgeSeconds: 0 }); } finally { await p.close(); } })();
    assert.ok(gc.removedBlobs.length <= targets.length);
    const rerun = atelier(['add', join(dir, 'in'), '--kind', 'rough_frame', '--production', prodDir, '--json']);
    assert.equal(rerun.status, 0, rerun.stderr);
    const { assets, report } = await check(prodDir);
    assert.equal(assets.length, N);
    assert.equal(report.orphanBlobs.length, 0);
    assert.equal(report.tempFiles.length, 0);
    const v = atelier(['verify', '--production', prodDir]);
    assert.equal(v.status, 0);
    assert.match(v.stdout, /ok: the production is consistent/);
  });
});
