// Notes leave the server for the people who were not in the room: a CSV of every note and verdict
// of a version (spreadsheets, trackers), and a PDF contact sheet with one page per frame note: the
// rendered frame with the note's drawing on it, shot, version, frame, timecode, author and text.
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { getRenderedFrame } from '../../store/index.js';
import { addFrames, formatTimecode, parseTimecode } from '../../store/timecode.js';
import { notFound } from '../errors.js';
import { defineRoutes, type ServerContext } from '../route.js';
import { getShotVersion, type ShotVersion } from '../versions.js';
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

export function exportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/shots/:name/versions/:id/notes.csv', summary: 'Every note and verdict of a version as CSV (quoted as RFC 4180; cells that would run as spreadsheet formulas start with \')', tag: 'review', role: 'viewer', params: versionParams, produces: 'text/csv',
      handler: async (req, reply, c) => {
        const { name, id } = req.params as { name: string; id: number };
        const { v, notes, timecode } = await versionNotes(c, name, id);
        const csv = toCsv(['id', 'shot', 'version', 'frame', 'timecode', 'verdict', 'author', 'role', 'created_at', 'note', 'drawn_shapes'],
          notes.map((n) => [n.id, n.shot, `v${v.number}`, n.frame, timecode(n.frame), n.verdict, n.author, n.role, n.createdAt, n.note, n.drawing?.shapes.length ?? 0]));
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}-v${v.number}-notes.csv"`).send(csv);
      },
    },
    {
      method: 'GET', url: '/api/shots/:name/versions/:id/notes.pdf', summary: 'A PDF contact sheet of a version\'s frame notes: one page per note with the rendered frame and its drawing, shot, version, frame, timecode, author and text', tag: 'review', role: 'viewer', params: versionParams, produces: 'application/pdf',
      handler: async (req, reply, c) => {
        const { name, id } = req.params as { name: string; id: number };
        const { v, notes, timecode } = await versionNotes(c, name, id);
        const pages: PdfPage[] = [];
        for (const n of notes.filter((x) => x.frame !== null)) {
          const tc = timecode(n.frame);
          pages.push({
            image: await annotatedFrame(c, v, n),
            lines: [
              { text: `${name}  v${v.number}  frame ${n.frame}${tc ? `  ${tc}` : ''}${n.verdict ? `  ${n.verdict.replace('_', ' ')}` : ''}`, size: 13, bold: true },
              { text: `${n.author} (${n.role}), ${n.createdAt}${n.drawing ? `, ${n.drawing.shapes.length} drawn shape${n.drawing.shapes.length === 1 ? '' : 's'}` : ''}`, size: 9 },
              ...wrapText(n.note, 11).map((text) => ({ text, size: 11 })),
            ],
          });
        }
        if (!pages.length) pages.push({ image: null, lines: [{ text: `${name} v${v.number}: no notes on frames yet`, size: 13, bold: true }] });
        return reply.type('application/pdf').header('content-disposition', `attachment; filename="${name}-v${v.number}-notes.pdf"`).send(buildPdf(pages, `${name} v${v.number} notes`));
      },
    },
  ]);
}
