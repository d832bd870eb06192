// Long engine work runs in a worker thread: the main thread keeps answering, progress arrives,
// errors and cancellation come back as rejections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInWorker } from '../../src/engine/index.js';

const job = new URL('./fixtures/busy-job.js', import.meta.url);

test('the main thread stays responsive while a worker trains', async () => {
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  const progress: unknown[] = [];
  const result = await runInWorker<{ steps: number }, { loss: number; steps: number }>(job, 'train', { steps: 150 }, { onProgress: (m) => progress.push(m), threads: 1 });
  clearInterval(timer);
  assert.equal(result.steps, 150);
  assert.ok(result.loss >= 0);
  assert.ok(progress.length >= 3, 'progress messages arrived');
  assert.ok(maxGap < 150, `event loop blocked for ${maxGap.toFixed(0)} ms`);
});

test('a job error rejects with its message', async () => {
  await assert.rejects(runInWorker(job, 'fail', {}), /size of tensor a \(2\) must match the size of tensor b \(3\)/);
  await assert.rejects(runInWorker(job, 'doesNotExist', {}), /no exported function "doesNotExist"/);
});

test('cancel stops a running job', async () => {
  const ac = new AbortController();
  const p = runInWorker(job, 'train', { steps: 1_000_000 }, { signal: ac.signal, threads: 1 });
  setTimeout(() => ac.abort(), 200);
  await assert.rejects(p, /cancelled/);
});
