// 16-bit PNG output holds the 16-bit values asked for, as another decoder (ffmpeg) reads them, and
// loads back exactly. (sharp takes a raw input's depth from its typed array: a Buffer of 16-bit
// samples was written as 8-bit data, every --bits 16 render wrong until 2026-12-03.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as E from '../../src/engine/index.js';
import { encodePng, loadImage } from '../../src/data/image-io.js';

test('a 16-bit PNG holds the 16-bit values (read by ffmpeg) and loads back exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-png16-'));
  try {
    const [h, w] = [4, 8];
    // Values that an 8-bit path cannot hold: k * 257 + 1092 steps apart from the 8-bit grid.
    const values = Array.from({ length: 3 * h * w }, (_, i) => (i * 997 + 1092) % 65536);
    const t = E.tensor(Float32Array.from(values, (v) => v / 65535), [1, 3, h, w]);
    const path = join(dir, 'x.png');
    writeFileSync(path, await encodePng(t, 16));
    const ff = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb48le', '-'], { maxBuffer: 1 << 20 });
    assert.equal(ff.status, 0, ff.stderr?.toString());
    const got = new Uint16Array(ff.stdout.buffer, ff.stdout.byteOffset, ff.stdout.byteLength / 2);
    assert.equal(got.length, 3 * h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
      assert.equal(got[(y * w + x) * 3 + c], values[c * h * w + y * w + x], `pixel (${x}, ${y}) channel ${c}`);
    }
    const back = (await loadImage(path, 3)).tensor;
    assert.equal(E.tidy(() => back.sub(t).abs().max().item()) < 0.5 / 65535, true);
    E.disposeAll([t, back]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
