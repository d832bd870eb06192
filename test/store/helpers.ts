// Shared by the store tests: temp folders, generated fixture images, running bin/atelier.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import assert from 'node:assert/strict';
import { openProduction, verifyProduction, listAssets } from '../../src/store/index.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(REPO, 'bin', 'atelier');

export function tempDir(t: { after: (fn: () => void) => void }, label = 'atelier-store'): string {
  const d = mkdtempSync(join(tmpdir(), `${label}-`));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Deterministic pseudo-random RGB noise. */
function noise(seed: number, w: number, h: number): Buffer {
  let s = seed >>> 0 || 1;
  const b = Buffer.alloc(w * h * 3);
  for (let i = 0; i < b.length; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; b[i] = s >>> 24; }
  return b;
}

/** A smooth image that looks different for every seed (distinct perceptual hashes). */
export function image(seed: number, w = 96, h = 64): sharp.Sharp {
  return sharp(noise(seed, 12, 8), { raw: { width: 12, height: 8, channels: 3 } }).resize(w, h, { kernel: 'cubic' });
}

export async function writeImage(path: string, seed: number, format: 'png' | 'png16' | 'jpeg' | 'tiff' | 'webp' = 'png', w = 96, h = 64): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  const img = image(seed, w, h);
  const buf = format === 'png16' ? await img.toColourspace('rgb16').png().toBuffer()
    : format === 'jpeg' ? await img.jpeg({ quality: 92 }).toBuffer()
    : format === 'tiff' ? await img.tiff().toBuffer()
    : format === 'webp' ? await img.webp({ lossless: true }).toBuffer()
    : await img.png().toBuffer();
  writeFileSync(path, buf);
  return path;
}

export function writeExr(path: string, w = 48, h = 32): string {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${w}x${h}:rate=1`, '-frames:v', '1', '-pix_fmt', 'gbrpf32le', '-c:v', 'exr', path]);
  if (r.status !== 0) throw new Error(`ffmpeg could not write ${path}: ${r.stderr}`);
  return path;
}

export function writeVideo(path: string, frames: number, fps = 25, w = 64, h = 48): string {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${w}x${h}:rate=${fps}`, '-frames:v', String(frames), '-c:v', 'mpeg4', '-q:v', '3', path]);
  if (r.status !== 0) throw new Error(`ffmpeg could not write ${path}: ${r.stderr}`);
  return path;
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) { c ^= byte; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A tiny, well-formed PNG whose header claims width×height (a decompression bomb). */
export function writeBombPng(path: string, width = 100_000, height = 100_000): string {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 0; // 8-bit greyscale
  const rows = deflateSync(Buffer.alloc(1024)); // a few zero rows; the rest would inflate from nothing
  writeFileSync(path, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))]));
  return path;
}

/** A 16-bit greyscale PNG of the given samples (row-major, 0–65535), encoded here: sharp writes none from 8-bit input. */
export function grey16Png(width: number, height: number, sample: (x: number, y: number) => number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16; ihdr[9] = 0; // 16-bit greyscale
  const rows = Buffer.alloc(height * (1 + 2 * width));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows.writeUInt16BE(sample(x, y), y * (1 + 2 * width) + 1 + 2 * x);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

export function atelier(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> & { json: () => any } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env }, encoding: 'utf8' });
  return Object.assign(r, { json: () => JSON.parse(r.stdout) });
}

/** A deep verify of the production finds no problem; returns its report and assets. */
export async function checkIntact(prodDir: string) {
  const prod = await openProduction(prodDir);
  try {
    const report = await verifyProduction(prod, { deep: true });
    assert.deepEqual(report.problems, []);
    return { report, assets: await listAssets(prod) };
  } finally { await prod.close(); }
}
