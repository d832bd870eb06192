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

test('a 16-bit file loaded with its channels kept stays 16-bit: grey, grey with alpha (as mattes are read) and RGBA', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-png16-keep-'));
  try {
    const [h, w] = [2, 4];
    // Through ffmpeg: grey16, grey+alpha 16 (ya16) and RGBA 16 files of known samples.
    const sample = (i: number) => (i * 12345 + 777) % 65536;
    for (const [fmt, c] of [['gray16le', 1], ['ya16le', 2], ['rgba64le', 4]] as const) {
      const raw = Buffer.from(Uint16Array.from({ length: c * h * w }, (_, i) => sample(i)).buffer);
      const path = join(dir, `${fmt}.png`);
      const ff = spawnSync('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', fmt, '-s', `${w}x${h}`, '-i', '-', '-y', path], { input: raw });
      assert.equal(ff.status, 0, ff.stderr?.toString());
      const img = await loadImage(path, 'keep');
      assert.equal(img.channels, c, fmt);
      const chw = img.tensor.squeeze(0).permute([1, 2, 0]).contiguous().data() as Float32Array; // back to interleaved
      // The 8-bit path read values 257× too small (a 16-bit matte nearly transparent).
      for (let i = 0; i < c * h * w; i++) assert.ok(Math.abs(chw[i]! * 65535 - sample(i)) < 0.5, `${fmt} sample ${i}: ${chw[i]! * 65535} vs ${sample(i)}`);
      img.tensor.dispose();
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
