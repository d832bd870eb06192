// Frame-sequence patterns: "shots/sh010/rough.####.png" (one # per digit of padding),
// "rough.%04d.png" (printf style) or "rough.@@@@.png". Finds the frames on disk that match.
import { readdirSync, existsSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';

export interface SequencePattern { dir: string; prefix: string; suffix: string; padding: number; pattern: string }

export function isSequencePattern(s: string): boolean {
  return /#+|@+|%0?\d*d/.test(basename(s));
}

export function parseSequencePattern(pattern: string): SequencePattern {
  const name = basename(pattern);
  const m = /^(.*?)(#+|@+|%0?(\d*)d)([^#@%]*)$/.exec(name);
  if (!m) throw new Error(`"${pattern}" is not a frame-sequence pattern (use name.####.png or name.%04d.png)`);
  const padding = m[2].startsWith('%') ? Number(m[3] || 1) : m[2].length;
  return { dir: resolve(dirname(pattern)), prefix: m[1], suffix: m[4], padding, pattern };
}

export function framePath(p: SequencePattern, frame: number): string {
  return join(p.dir, `${p.prefix}${frameNumber(frame, p.padding)}${p.suffix}`);
}

/** A frame number as sequences name it: padded digits after the sign (-0003, not 00-3). Rendered frames use 4. */
export const frameNumber = (frame: number, padding = 4): string => `${frame < 0 ? '-' : ''}${String(Math.abs(frame)).padStart(padding, '0')}`;

/** Frame number → file, for every file in the folder matching the pattern. */
export function findSequenceFrames(p: SequencePattern): Map<number, string> {
  return scanSequence(p).frames;
}

/** The pattern's frames, and the files named like them but padded otherwise ("m.1.png", "m.04.png"
 *  for m.####.png): left out, worth saying. One read of the folder for both. */
export function scanSequence(p: SequencePattern): { frames: Map<number, string>; otherPadding: string[] } {
  const out = new Map<number, string>();
  const otherPadding: string[] = [];
  if (!existsSync(p.dir)) throw new Error(`${p.pattern}: folder ${p.dir} does not exist`);
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^${esc(p.prefix)}(-?\\d+)${esc(p.suffix)}$`);
  for (const name of readdirSync(p.dir)) {
    const m = re.exec(name);
    if (!m) continue;
    const digits = m[1].replace('-', '');
    // "1.png" does not match "####", nor does "00012.png"
    if (digits.length < p.padding || (digits.length > p.padding && digits.startsWith('0'))) { otherPadding.push(name); continue; }
    out.set(Number(m[1]), join(p.dir, name));
  }
  return { frames: new Map([...out].sort((a, b) => a[0] - b[0])), otherPadding: otherPadding.sort(naturalOrder) };
}

const naturalOrder = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** "1001-1096" or "1001:1096" → [1001, 1096]. */
export function parseFrameRange(s: string): [number, number] {
  const m = /^\s*(-?\d+)\s*[-:]\s*(-?\d+)\s*$/.exec(s);
  if (!m) throw new Error(`frame range "${s}" must look like 1001-1096`);
  const a = Number(m[1]), b = Number(m[2]);
  if (b < a) throw new Error(`frame range "${s}" ends before it starts`);
  return [a, b];
}

/** One frame or a range: "12", "-3", "1001-1096", "-5--1" → [first, last]. */
export function parseFrameSpan(s: string): [number, number] {
  if (/^\s*-?\d+\s*$/.test(s)) return [Number(s), Number(s)];
  return parseFrameRange(s);
}

/** A list of frames as people type it: "12", "1001-1010", "3,7,20-24" (sorted, each once). */
export function parseFrameList(s: string): number[] {
  const out = new Set<number>();
  for (const part of s.split(',')) {
    if (!/^\s*-?\d+\s*([-:]\s*-?\d+\s*)?$/.test(part)) throw new Error(`frames "${s}" must look like 12, 1001-1010 or 3,7,20-24`);
    const [a, b] = parseFrameSpan(part);
    if (b - a > 1_000_000) throw new Error(`frame range "${part}" is over a million frames`);
    for (let f = a; f <= b; f++) out.add(f);
  }
  return [...out].sort((x, y) => x - y);
}

/** Compacts frame lists for messages: [1,2,3,7,9,10] → "1-3, 7, 9-10". */
export function formatFrames(frames: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < frames.length;) {
    let j = i;
    while (j + 1 < frames.length && frames[j + 1] === frames[j] + 1) j++;
    parts.push(i === j ? `${frames[i]}` : `${frames[i]}-${frames[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
