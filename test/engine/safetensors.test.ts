// Model files: round trip for every dtype, interoperable layout, and rejection of malformed files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';

const dir = mkdtempSync(join(tmpdir(), 'atelier-st-'));

/** Builds a file by hand from a header object and raw data, as another tool would write it. */
function handmade(header: unknown, data: Uint8Array = new Uint8Array(0), headerLen?: number): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerLen ?? json.length));
  return Buffer.concat([len, json, data]);
}

test('round trip keeps names, dtypes, shapes, values and metadata', () => {
  E.tidy(() => {
    const tensors = {
      'enc.0.weight': E.randn([4, 3, 3, 3]),
      'f64': E.tensor(new Float64Array([Math.PI, -1e-300])),
      'half': E.tensor([1.5, -2], [2], { dtype: 'float16' }),
      'bf16': E.tensor([0.5, 8], [2], { dtype: 'bfloat16' }),
      'bytes': E.tensor(new Uint8Array([0, 128, 255])),
      'i32': E.tensor(new Int32Array([-7, 9])),
      'i64': E.tensor(new BigInt64Array([2n ** 50n])),
      'flags': E.tensor([1, 0], [2], { dtype: 'bool' }),
      'scalar': E.scalar(2.5),
      'empty': E.zeros([0, 5]),
    };
    const path = join(dir, 'model.safetensors');
    E.saveSafetensors(path, tensors, { arch: 'look-v1', seed: '3' });
    const bytes = readFileSync(path);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + headerLen) % 8, 0, 'data starts 8-byte aligned');
    const { tensors: back, metadata } = E.loadSafetensors(path);
    assert.deepEqual(metadata, { arch: 'look-v1', seed: '3' });
    assert.deepEqual([...back.keys()].sort(), Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const b = back.get(name)!;
      assert.equal(b.dtype, t.dtype, name);
      assert.deepEqual(b.shape, t.shape, name);
      assert.deepEqual(b.data(), t.data(), name);
    }
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left behind');
  });
});

test('reads a file written by hand to the format specification', () => {
  const data = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
  const file = handmade({ __metadata__: { format: 'pt' }, w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] } }, data);
  const { tensors, metadata } = E.decodeSafetensors(file);
  assert.equal(metadata.format, 'pt');
  assert.deepEqual(tensors.get('w')!.shape, [2, 3]);
  assert.deepEqual(tensors.get('w')!.toArray(), [1, 2, 3, 4, 5, 6]);
});

test('malformed and hostile files are rejected with a reason', () => {
  const w = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const eight = new Uint8Array(8);
  const cases: [string, Buffer | Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /shorter than the 8-byte header length/],
    ['header length past the end', handmade({ w }, eight, 1000), /runs past the end/],
    ['huge header length', handmade({ w }, eight, 2 ** 40), /exceeds the 100000000-byte limit/],
    ['not JSON', handmade('{not json', eight), /not valid UTF-8 JSON/],
    ['JSON array', handmade('[1, 2]', eight), /JSON object starting with/],
    ['invalid UTF-8', Buffer.concat([handmade('{"a":"\xff"}').subarray(0, 8), Buffer.from([0x7b, 0xff, 0x7d])]), /not valid UTF-8 JSON|runs past/],
    ['unknown dtype', handmade({ w: { ...w, dtype: 'F128' } }, eight), /unsupported dtype "F128"/],
    ['negative shape', handmade({ w: { ...w, shape: [-2] } }, eight), /invalid shape/],
    ['fractional shape', handmade({ w: { ...w, shape: [1.5] } }, eight), /invalid shape/],
    ['overflowing shape', handmade({ w: { ...w, shape: [2 ** 40, 2 ** 40] } }, eight), /too large/],
    ['offsets past data', handmade({ w: { ...w, data_offsets: [0, 16] } }, eight), /run past the 8 bytes of data/],
    ['reversed offsets', handmade({ w: { ...w, data_offsets: [8, 0] } }, eight), /reversed/],
    ['size mismatch', handmade({ w: { ...w, shape: [3] } }, eight), /needs 12/],
    ['overlap', handmade({ a: w, b: w }, eight), /overlaps/],
    ['gap', handmade({ w: { ...w, shape: [1], data_offsets: [4, 8] } }, eight), /belong to no tensor/],
    ['trailing bytes', handmade({ w }, new Uint8Array(12)), /trailing bytes/],
    ['bad metadata', handmade({ __metadata__: { a: 1 }, w }, eight), /must be a string/],
    ['bool bytes', handmade({ w: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, new Uint8Array([1, 7])), /other than 0 or 1/],
    ['truncated', readFileSync(join(dir, 'model.safetensors')).subarray(0, 200), /past|truncated/],
  ];
  for (const [name, bytes, pattern] of cases) {
    assert.throws(() => E.decodeSafetensors(bytes, { source: name }), (err: Error) => {
      assert.ok(err instanceof E.SafetensorsError, `${name}: ${err}`);
      assert.match(err.message, pattern, name);
      assert.ok(err.message.startsWith(`${name}: not a valid safetensors file`), name);
      return true;
    });
  }
  const missing = join(dir, 'nope.safetensors');
  assert.throws(() => E.loadSafetensors(missing), /nope\.safetensors: cannot read model file/);
  assert.throws(() => E.loadSafetensors(dir), /not a regular file/);
  writeFileSync(join(dir, 'junk.safetensors'), Buffer.from('hello world, this is not a model'));
  assert.throws(() => E.loadSafetensors(join(dir, 'junk.safetensors')), /junk\.safetensors: not a valid safetensors file/);
});
