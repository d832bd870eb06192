// Notes leave the server for the people who were not in the room: a CSV of every note and verdict
// of a version or of a playlist's shots (spreadsheets, trackers), and a PDF contact sheet with one
// page per frame note: the rendered frame with the note's drawing on it, shot, version, frame,
// timecode, author and text.
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { getRenderedFrame } from '../../store/index.js';
import { addFrames, formatTimecode, parseTimecode } from '../../store/timecode.js';
import { HttpError, notFound } from '../errors.js';
import { defineRoutes, idParam, type Req, type ServerContext } from '../route.js';
import { getShotVersion, listShotVersions, type ShotVersion } from '../versions.js';
import { realInside } from '../paths.js';
import { drawingSvg } from '../annotations.js';
import { toCsv } from '../csv.js';
import { buildPdf, wrapText, type PdfImage, type PdfPage } from '../pdf.js';
import { noteView } from './reviews.js';
import { versionParams } from './shots.js';

type Note = ReturnType<typeof noteView>;

/** Frames in the PDF are at most this wide (a sheet, not a delivery). */
const SHEET_WIDTH = 1600;

async function versionNotes(c: ServerContext, name: string, id: number) {
  const v = await getShotVersion(c.prod, name, id);
  if (!v) throw notFound(`shot ${name} has no version ${id}`);
  const shot = await c.prod.shot(name);
  const notes = (await c.db.selectFrom('review_notes').selectAll().where('shot', '=', name).where('version_id', '=', id).orderBy('id').execute()).map(noteView);
  // The timecode of a frame: the shot's start timecode names the range's first frame.
  const start = shot.timecode ? parseTimecode(shot.timecode, shot.fps) : null;
  const timecode = (frame: number | null) => (start && frame !== null ? formatTimecode(addFrames(start, frame - shot.range[0], shot.fps)) : null);
  return { v, notes, timecode };
}

/** The rendered frame with the drawing laid over it, as a JPEG no wider than the sheet needs. */
async function annotatedFrame(c: ServerContext, v: ShotVersion, n: Note): Promise<PdfImage | null> {
  const f = v.frames.find((x) => x.frame === n.frame);
  if (!f) return null;
  const file = realInside(c.prod.dir, (await getRenderedFrame(c.prod, f.renderId)).path);
  if (!file) return null;
  const meta = await sharp(file).metadata();
  if (!meta.width || !meta.height) return null;
  const w = Math.min(meta.width, SHEET_WIDTH), h = Math.max(1, Math.round((meta.height * w) / meta.width));
  let img = sharp(file).resize(w, h).flatten({ background: '#000' }).toColourspace('srgb');
  if (n.drawing) img = sharp(await img.png().toBuffer()).composite([{ input: Buffer.from(drawingSvg(n.drawing, w, h)), top: 0, left: 0 }]);
  const { data, info } = await img.jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer({ resolveWithObject: true });
  return { jpeg: data, width: info.width, height: info.height, channels: info.channels === 1 ? 1 : 3 };
}

/** At most this many pages in one sheet; the rest are named on the last page (the CSV has every note). */
const MAX_PAGES = 300;

type VersionNotes = Awaited<ReturnType<typeof versionNotes>>;

function csvOf(sets: VersionNotes[]): string {
  return toCsv(['id', 'shot', 'version', 'frame', 'timecode', 'verdict', 'author', 'role', 'created_at', 'note', 'drawn_shapes'],
    sets.flatMap(({ v, notes, timecode }) => notes.map((n) => [n.id, n.shot, `v${v.number}`, n.frame, timecode(n.frame), n.verdict, n.author, n.role, n.createdAt, n.note, n.drawing?.shapes.length ?? 0])));
}

/** One page per frame note, in the order of the versions given. */
async function pdfOf(c: ServerContext, sets: VersionNotes[], title: string): Promise<Buffer> {
  const all = sets.flatMap((set) => set.notes.filter((n) => n.frame !== null).map((n) => ({ set, n })));
  const pages: PdfPage[] = [];
  for (const { set: { v, timecode }, n } of all.slice(0, MAX_PAGES)) {
    const tc = timecode(n.frame);
    pages.push({
      image: await annotatedFrame(c, v, n),
      lines: [
        { text: `${v.shot}  v${v.number}  frame ${n.frame}${tc ? `  ${tc}` : ''}${n.verdict ? `  ${n.verdict.replace('_', ' ')}` : ''}`, size: 13, bold: true },
        { text: `${n.author} (${n.role}), ${n.createdAt}${n.drawing ? `, ${n.drawing.shapes.length} drawn shape${n.drawing.shapes.length === 1 ? '' : 's'}` : ''}`, size: 9 },
        ...wrapText(n.note, 11).map((text) => ({ text, size: 11 })),
      ],
    });
  }
  if (all.length > MAX_PAGES) pages.push({ image: null, lines: [{ text: `${all.length - MAX_PAGES} more frame notes are not on this sheet (at most ${MAX_PAGES} pages); the CSV export has every note.`, size: 13, bold: true }] });
  if (!pages.length) pages.push({ image: null, lines: [{ text: `${title}: no notes on frames yet`, size: 13, bold: true }] });
  return buildPdf(pages, title);
}

/** The versions of a playlist's shots (the chosen one, else the newest), in its order; shots with no version are left out. */
async function playlistNotes(c: ServerContext, id: number): Promise<{ name: string; sets: VersionNotes[] }> {
  const row = await c.db.selectFrom('review_playlists').select(['name', 'items']).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`no playlist #${id}`);
  const sets: VersionNotes[] = [];
  for (const it of JSON.parse(row.items) as { shot: string; versionId: number | null }[]) {
    const versionId = it.versionId ?? (await listShotVersions(c.prod, it.shot).catch(() => [])).at(-1)?.id;
    // A shot or version removed since the playlist was made has no notes to give.
    const set = versionId ? await versionNotes(c, it.shot, versionId).catch(() => null) : null;
    if (set) sets.push(set);
  }
  return { name: row.name, sets };
}

/** A file name from a playlist's name: letters, digits, - and _ only. */
const fileName = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'playlist';

export function exportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // A sheet decodes and encodes a frame per page: one at a time per token, so repeated clicks (or a
  // script) cannot queue up the image threads the whole server shares.
  const building = new Set<number>();
  const oneSheet = async (req: Req, make: () => Promise<Buffer>): Promise<Buffer> => {
    const who = req.principal!.tokenId;
    if (building.has(who)) throw new HttpError(429, 'busy', 'a contact sheet of yours is still being made; wait for it before asking for another');
    building.add(who);
    try { return await make(); } finally { building.delete(who); }
  };
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/shots/:name/versions/:id/notes.csv', summary: 'Every note and verdict of a version as CSV (quoted as RFC 4180; cells that would run as spreadsheet formulas start with \')', tag: 'review', role: 'viewer', params: versionParams, produces: 'text/csv',
      handler: async (req, reply, c) => {
        const { name, id } = req.params as { name: string; id: number };
        const set = await versionNotes(c, name, id);
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}-v${set.v.number}-notes.csv"`).send(csvOf([set]));
      },
    },
    {
      method: 'GET', url: '/api/shots/:name/versions/:id/notes.pdf', summary: 'A PDF contact sheet of a version\'s frame notes: one page per note with the rendered frame and its drawing, shot, version, frame, timecode, author and text', tag: 'review', role: 'viewer', params: versionParams, produces: 'application/pdf',
      handler: async (req, reply, c) => {
        const { name, id } = req.params as { name: string; id: number };
        const set = await versionNotes(c, name, id);
        return reply.type('application/pdf').header('content-disposition', `attachment; filename="${name}-v${set.v.number}-notes.pdf"`).send(await oneSheet(req, () => pdfOf(c, [set], `${name} v${set.v.number} notes`)));
      },
    },
    {
      method: 'GET', url: '/api/playlists/:id/notes.csv', summary: 'The notes of every shot of a playlist (at its version, or the newest) as one CSV, in playing order', tag: 'review', role: 'viewer', params: idParam, produces: 'text/csv',
      handler: async (req, reply, c) => {
        const { name, sets } = await playlistNotes(c, (req.params as { id: number }).id);
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileName(name)}-notes.csv"`).send(csvOf(sets));
      },
    },
    {
      method: 'GET', url: '/api/playlists/:id/notes.pdf', summary: 'A PDF contact sheet of the frame notes of every shot of a playlist, in playing order', tag: 'review', role: 'viewer', params: idParam, produces: 'application/pdf',
      handler: async (req, reply, c) => {
        const { name, sets } = await playlistNotes(c, (req.params as { id: number }).id);
        return reply.type('application/pdf').header('content-disposition', `attachment; filename="${fileName(name)}-notes.pdf"`).send(await oneSheet(req, () => pdfOf(c, sets, `${name} notes`)));
      },
    },
  ]);
}
