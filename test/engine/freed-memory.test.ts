// The engine keeps freed tensor memory for reuse (native/memory.cc): a frame or a training step
// that repeats the last one's shapes maps and page-faults nothing new, while the process never
// holds much more than the most it had in use at once. Checked in child processes (the allocator
// is set up once per process, when the addon loads), through its counters and resident size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

const engine = new URL('../../src/engine/index.js', import.meta.url).href;
const MB = 1024 * 1024;

/** Runs body (JavaScript, with E = the engine, rss() = resident MB, mb(n) = an n-MB tensor) in a new process; its printed JSON. */
function inChild(body: string, env: Record<string, string> = {}): any {
  const src = `(async () => {
    const E = await import(${JSON.stringify(engine)});
    const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
    const mb = (n) => E.ones([n * 262144]);
    ${body}
  })().catch((e) => { console.error(e); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['--input-type=commonjs', '-e', src], { env: { ...process.env, ATELIER_SYSTEM_ALLOCATOR: '', ...env }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

test('a freed tensor\'s block serves the next tensor of its size: no new memory, the new tensor\'s own values', { skip: process.platform !== 'linux' }, () => {
  const r = inChild(`
    const a = mb(64); const held = rss(); a.dispose();
    const s0 = E.memoryStats();
    const b = E.zeros([64 * 262144]); const again = rss();
    const s1 = E.memoryStats();
    const sum = b.sum().item(); b.dispose();
    const cached = E.memoryStats().cachedBytes;
    const returned = E.releaseCachedMemory();
    console.log(JSON.stringify({ held, again, s0, s1, sum, cached, returned, after: E.memoryStats(), rssAfter: rss() }));`);
  assert.equal(r.s0.enabled, true);
  assert.equal(r.s0.cachedBytes, 64 * MB, 'the freed block is kept');
  assert.equal(r.s1.hits, r.s0.hits + 1, 'and reused');
  assert.equal(r.s1.cachedBytes, 0);
  assert.ok(r.again - r.held < 8, `no new memory for the second tensor (${(r.again - r.held).toFixed(1)} MB)`);
  assert.equal(r.sum, 0, 'a reused block holds what the new tensor wrote, not the old one\'s ones');
  assert.equal(r.cached, 64 * MB);
  assert.equal(r.returned, 64 * MB, 'releaseCachedMemory returns the kept bytes');
  assert.equal(r.after.cachedBytes, 0);
  assert.ok(r.again - r.rssAfter > 50, `and the system gets them back (${(r.again - r.rssAfter).toFixed(0)} MB)`);
});

test('the process holds little more than the most it had in use: kept blocks go before new ones are mapped', { skip: process.platform !== 'linux' }, () => {
  const r = inChild(`
    mb(256).dispose();  // 256 MB kept; 100 MB cannot take it (more than twice)
    const big = [mb(100), mb(100), mb(100), mb(100)]; // 256 kept + 100 new > 256 + 64: it goes first
    const s = E.memoryStats();
    E.disposeAll(big);
    console.log(JSON.stringify({ s, final: E.memoryStats() }));`);
  assert.equal(r.s.usedBytes, 400 * MB);
  assert.ok(r.s.usedBytes + r.s.cachedBytes <= (400 + 64) * MB, `held ${(r.s.usedBytes + r.s.cachedBytes) / MB} MB`);
  assert.equal(r.s.cachedBytes, 0, 'the 256 MB block (too large to serve 100 MB) was returned');
  assert.equal(r.final.cachedBytes, 400 * MB);
});

test('a kept block serves a smaller tensor when at most half of it stays unused', { skip: process.platform !== 'linux' }, () => {
  const r = inChild(`
    mb(64).dispose(); const s0 = E.memoryStats();
    mb(40).dispose(); const s1 = E.memoryStats();  // 64 <= 2 x 40: reused
    mb(20).dispose(); const s2 = E.memoryStats();  // 64 > 2 x 20: a new block
    console.log(JSON.stringify({ s0, s1, s2 }));`);
  assert.equal(r.s1.hits, r.s0.hits + 1);
  assert.equal(r.s2.misses, r.s1.misses + 1);
});

test('ATELIER_SYSTEM_ALLOCATOR=1 keeps libtorch\'s own allocator', { skip: process.platform !== 'linux' }, () => {
  const r = inChild(`
    const a = mb(64); const held = rss(); a.dispose();
    console.log(JSON.stringify({ s: E.memoryStats(), held, freed: rss(), returned: E.releaseCachedMemory() }));`, { ATELIER_SYSTEM_ALLOCATOR: '1' });
  assert.equal(r.s.enabled, false);
  assert.equal(r.returned, 0);
  assert.ok(r.held - r.freed > 50, `glibc returns a freed 64 MB block (${(r.held - r.freed).toFixed(0)} MB)`);
});
