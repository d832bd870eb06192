// The pixel limit's message names the image's real size, never "100 MP, over the limit of 100 MP".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateImageData } from '../../src/store/image-validate.js';
import { tempDir, writeBombPng } from './helpers.js';

const LIMITS = { maxPixels: 100e6, maxBytes: 1 << 30 };

async function refusal(t: Parameters<typeof tempDir>[0], w: number, h: number, limits = LIMITS): Promise<string> {
  const file = writeBombPng(join(tempDir(t), 'big.png'), w, h);
  const err = await validateImageData(file, readFileSync(file), limits).then(() => null, (e: Error) => e);
  assert.ok(err, `${w}×${h} was accepted`);
  return err.message;
}

test('an image over the pixel limit is refused with its own size and the limit', async (t) => {
  assert.match(await refusal(t, 8192, 16384), /image 8192×16384 \(134 MP\) is over the limit of 100 MP \(possible decompression bomb/);
});

test('an image just over the limit shows enough decimals to be over it', async (t) => {
  const m = await refusal(t, 10001, 10000);
  assert.match(m, /10001×10000 \(100\.01 MP\) is over the limit of 100 MP/);
  assert.doesNotMatch(m, /\(100 MP\)/);
  assert.match(await refusal(t, 20_000_001, 5), /20000001×5 \(100\.00001 MP\) is over the limit of 100 MP/);
  assert.match(await refusal(t, 1001, 1000, { ...LIMITS, maxPixels: 1e6 }), /\(1\.001 MP\) is over the limit of 1\.0 MP/);
});

test('an image at the limit passes the pixel check', async (t) => {
  const m = await refusal(t, 10000, 10000); // passes the limit, then fails to decode the fake pixels
  assert.doesNotMatch(m, /over the limit/);
});
