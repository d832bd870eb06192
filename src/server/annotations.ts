// Drawn annotations on a note's frame: vector shapes in frame coordinates (0..1 of the width and
// the height, so the drawing fits the frame at any size), stored as JSON beside the note. Every
// value is checked here, since the drawing comes from the client and is drawn again by every
// browser and by the PDF export: a hostile payload is refused with the place of the problem.
import { badRequest } from './errors.js';

export type Point = [number, number];
export type Shape =
  | { kind: 'pen'; color: string; width: number; points: Point[] }
  | { kind: 'rect' | 'ellipse' | 'arrow'; color: string; width: number; from: Point; to: Point }
  | { kind: 'text'; color: string; size: number; at: Point; text: string };
export interface Drawing { shapes: Shape[] }

export const DRAWING_LIMITS = {
  /** Serialized size of one drawing. */
  bytes: 64 * 1024,
  shapes: 200,
  /** Points of all pen strokes together. */
  points: 5000,
  text: 500,
  /** Line width and text size, in pixels of a 1000-pixel-high frame (scaled with the frame). */
  width: [0.5, 200] as const,
  size: [4, 200] as const,
};

const COLOR = /^#[0-9a-fA-F]{6}$/;
const KINDS = ['pen', 'rect', 'ellipse', 'arrow', 'text'];
const KEYS: Record<string, string[]> = {
  pen: ['kind', 'color', 'width', 'points'], rect: ['kind', 'color', 'width', 'from', 'to'], ellipse: ['kind', 'color', 'width', 'from', 'to'],
  arrow: ['kind', 'color', 'width', 'from', 'to'], text: ['kind', 'color', 'size', 'at', 'text'],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function point(v: unknown, where: string): Point {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => typeof n === 'number' && Number.isFinite(n))) throw badRequest(`drawing: ${where} must be a point [x, y] of two numbers`);
  const [x, y] = v as [number, number];
  // A little outside the frame is allowed (a stroke that leaves the picture); far outside is not a drawing.
  if (x < -0.5 || x > 1.5 || y < -0.5 || y > 1.5) throw badRequest(`drawing: ${where} [${x}, ${y}] lies outside the frame (coordinates are 0..1 of its width and height)`);
  return [x, y];
}

function inRange(v: unknown, [lo, hi]: readonly [number, number], where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw badRequest(`drawing: ${where} must be a number from ${lo} to ${hi}, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

/** The drawing in its checked, canonical form (only known keys), or a 400 naming what is wrong. */
export function validateDrawing(raw: unknown): Drawing {
  const bytes = Buffer.byteLength(JSON.stringify(raw) ?? '');
  if (bytes > DRAWING_LIMITS.bytes) throw badRequest(`drawing: ${bytes} bytes is over the limit of ${DRAWING_LIMITS.bytes} bytes`);
  if (!isObject(raw) || !Array.isArray(raw.shapes)) throw badRequest('drawing must be an object { shapes: [...] }');
  const extra = Object.keys(raw).filter((k) => k !== 'shapes');
  if (extra.length) throw badRequest(`drawing: unknown field ${extra[0]}`);
  if (raw.shapes.length === 0) throw badRequest('drawing: shapes is empty (send no drawing instead)');
  if (raw.shapes.length > DRAWING_LIMITS.shapes) throw badRequest(`drawing: ${raw.shapes.length} shapes is over the limit of ${DRAWING_LIMITS.shapes}`);
  let points = 0;
  const shapes = raw.shapes.map((s: unknown, i: number): Shape => {
    const at = `shapes[${i}]`;
    if (!isObject(s) || typeof s.kind !== 'string' || !KINDS.includes(s.kind)) throw badRequest(`drawing: ${at}.kind must be one of ${KINDS.join(', ')}`);
    const unknown = Object.keys(s).find((k) => !KEYS[s.kind as string]!.includes(k));
    if (unknown) throw badRequest(`drawing: ${at} (${s.kind}) has an unknown field ${unknown.slice(0, 40)}`);
    if (typeof s.color !== 'string' || !COLOR.test(s.color)) throw badRequest(`drawing: ${at}.color must be #rrggbb`);
    const color = s.color.toLowerCase();
    if (s.kind === 'text') {
      if (typeof s.text !== 'string' || !s.text.trim()) throw badRequest(`drawing: ${at}.text must be non-empty text`);
      if (s.text.length > DRAWING_LIMITS.text) throw badRequest(`drawing: ${at}.text is ${s.text.length} characters, over the limit of ${DRAWING_LIMITS.text}`);
      return { kind: 'text', color, size: inRange(s.size, DRAWING_LIMITS.size, `${at}.size`), at: point(s.at, `${at}.at`), text: s.text };
    }
    const width = inRange(s.width, DRAWING_LIMITS.width, `${at}.width`);
    if (s.kind === 'pen') {
      if (!Array.isArray(s.points) || s.points.length < 1) throw badRequest(`drawing: ${at}.points must be a list of points`);
      points += s.points.length;
      if (points > DRAWING_LIMITS.points) throw badRequest(`drawing: more than ${DRAWING_LIMITS.points} pen points in all`);
      return { kind: 'pen', color, width, points: s.points.map((p: unknown, j: number) => point(p, `${at}.points[${j}]`)) };
    }
    return { kind: s.kind as 'rect' | 'ellipse' | 'arrow', color, width, from: point(s.from, `${at}.from`), to: point(s.to, `${at}.to`) };
  });
  return { shapes };
}

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** The arrow head's two barbs at `to`, for a line from `from`, in pixels. */
export function arrowHead(from: Point, to: Point, len: number): [Point, Point] {
  const a = Math.atan2(to[1] - from[1], to[0] - from[0]);
  return [-0.45, 0.45].map((d) => [to[0] - len * Math.cos(a + d), to[1] - len * Math.sin(a + d)] as Point) as [Point, Point];
}

/** The drawing as an SVG of the frame's pixel size (the PDF export lays it over the frame). The
 *  browser draws the same shapes on a canvas (src/web/components/Annotation.tsx). */
export function drawingSvg(d: Drawing, w: number, h: number): string {
  const px = (p: Point) => [p[0] * w, p[1] * h] as Point;
  const k = h / 1000; // widths and sizes are given for a 1000-pixel-high frame
  const parts = d.shapes.map((s) => {
    if (s.kind === 'text') {
      const [x, y] = px(s.at);
      return `<text x="${x}" y="${y}" fill="${s.color}" font-family="sans-serif" font-size="${s.size * k}" dominant-baseline="hanging">${xml(s.text)}</text>`;
    }
    const stroke = `fill="none" stroke="${s.color}" stroke-width="${s.width * k}" stroke-linecap="round" stroke-linejoin="round"`;
    if (s.kind === 'pen') return s.points.length === 1
      ? `<circle cx="${px(s.points[0]!)[0]}" cy="${px(s.points[0]!)[1]}" r="${(s.width * k) / 2}" fill="${s.color}"/>`
      : `<polyline ${stroke} points="${s.points.map((p) => px(p).join(',')).join(' ')}"/>`;
    const [a, b] = [px(s.from), px(s.to)];
    if (s.kind === 'rect') return `<rect ${stroke} x="${Math.min(a[0], b[0])}" y="${Math.min(a[1], b[1])}" width="${Math.abs(b[0] - a[0])}" height="${Math.abs(b[1] - a[1])}"/>`;
    if (s.kind === 'ellipse') return `<ellipse ${stroke} cx="${(a[0] + b[0]) / 2}" cy="${(a[1] + b[1]) / 2}" rx="${Math.abs(b[0] - a[0]) / 2}" ry="${Math.abs(b[1] - a[1]) / 2}"/>`;
    const [l, r] = arrowHead(a, b, Math.max(6 * s.width * k, 0.03 * h));
    return `<polyline ${stroke} points="${a.join(',')} ${b.join(',')}"/><polyline ${stroke} points="${l.join(',')} ${b.join(',')} ${r.join(',')}"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${parts.join('')}</svg>`;
}
