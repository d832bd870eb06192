// The review tools of issue 17 through the API: drawn annotations on frame notes (stored, read
// back, hostile drawings refused with the problem named), notes exported as CSV (parses back to
// the notes, formulas neutralised) and as a PDF contact sheet (valid file, one page per frame
// note, the right frame with its drawing), and playlists (supervisors write, viewers read).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { buildServer, type AtelierServer } from '../../src/server/app.js';
import { addSecondShot, addVersion, makeFixture, type Fixture } from './fixture.js';
import { csvCell, toCsv } from '../../src/server/csv.js';
import { validateDrawing } from '../../src/server/annotations.js';

let fx: Fixture;
let srv: AtelierServer;
let v1: number;  // sh010's version
let v2: number;  // sh020's version

before(async () => {
  fx = await makeFixture();
  await addSecondShot(fx);
  await addVersion(fx, 'sh020', 'v1', [0, 150, -80]);
  await fx.prod.db.updateTable('shots').set({ timecode: '01:00:00:00' }).where('name', '=', 'sh010').execute();
  srv = await buildServer({ production: fx.prod, webDir: null, jobThreads: 1 });
  // Version ids as the API gives them.
  v1 = (await inject('GET', '/api/shots/sh010', fx.tokens.viewer)).json().versions[0].id;
  v2 = (await inject('GET', '/api/shots/sh020', fx.tokens.viewer)).json().versions[0].id;
});
after(async () => {
  await srv.close();
  await fx.prod.close();
  rmSync(dirname(fx.dir), { recursive: true, force: true });
});

const inject = (method: string, url: string, token?: string, payload?: unknown) =>
  srv.app.inject({ method: method as 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {}, payload: payload as string });
const reviews = () => `/api/shots/sh010/versions/${v1}/reviews`;

/** A green stroke across the bottom of the frame and a red rectangle. */
const DRAWING = {
  shapes: [
    { kind: 'pen', color: '#00FF00', width: 120, points: [[0.05, 0.9], [0.5, 0.9], [0.95, 0.9]] },
    { kind: 'rect', color: '#ff0000', width: 40, from: [0.1, 0.1], to: [0.3, 0.4] },
    { kind: 'ellipse', color: '#0000ff', width: 10, from: [0.6, 0.1], to: [0.9, 0.3] },
    { kind: 'arrow', color: '#ffffff', width: 10, from: [0.5, 0.5], to: [0.7, 0.2] },
    { kind: 'text', color: '#ffff00', size: 80, at: [0.05, 0.05], text: 'ear <b>&' },
  ],
};

test('a frame note carries a drawing, stored as vector data and read back by a viewer', async () => {
  const res = await inject('POST', reviews(), fx.tokens.artist, { note: 'ear too dark, see circle', frame: 4, drawing: DRAWING });
  assert.equal(res.statusCode, 201, res.body);
  const stored = res.json().drawing;
  assert.equal(stored.shapes.length, 5);
  assert.equal(stored.shapes[0].color, '#00ff00', 'colours are stored in one form');
  const notes = (await inject('GET', reviews(), fx.tokens.viewer)).json().notes;
  assert.deepEqual(notes.find((n: { id: number }) => n.id === res.json().id).drawing, stored);
  // A drawing alone is a note too; a viewer may not draw.
  assert.equal((await inject('POST', reviews(), fx.tokens.artist, { note: '', frame: 2, drawing: { shapes: [DRAWING.shapes[1]] } })).statusCode, 201);
  assert.equal((await inject('POST', reviews(), fx.tokens.viewer, { note: 'x', frame: 2, drawing: DRAWING })).statusCode, 403);
});

test('hostile or broken drawings are refused with a 400 naming the problem', async () => {
  const cases: [unknown, RegExp, number?][] = [
    [{ shapes: [{ kind: 'script', color: '#ff0000' }] }, /shapes\[0\]\.kind must be one of pen, rect/],
    [{ shapes: [{ ...DRAWING.shapes[1], color: 'red" onload="alert(1)' }] }, /shapes\[0\]\.color must be #rrggbb/],
    [{ shapes: [{ ...DRAWING.shapes[1], onclick: 'x' }] }, /unknown field onclick/],
    [{ shapes: [{ ...DRAWING.shapes[1], from: [0.1, 1e9] }] }, /shapes\[0\]\.from \[0\.1, 1000000000\] lies outside the frame/],
    [{ shapes: [{ ...DRAWING.shapes[1], to: [0.1] }] }, /shapes\[0\]\.to must be a point/],
    [{ shapes: [{ ...DRAWING.shapes[1], width: 1e6 }] }, /shapes\[0\]\.width must be a number from 0\.5 to 200/],
    [{ shapes: [{ ...DRAWING.shapes[4], text: 'x'.repeat(501) }] }, /501 characters, over the limit of 500/],
    [{ shapes: Array.from({ length: 201 }, () => DRAWING.shapes[1]) }, /201 shapes is over the limit of 200/],
    [{ shapes: [{ kind: 'pen', color: '#000000', width: 2, points: Array.from({ length: 10000 }, () => [0.5, 0.5]) }] }, /over the limit of 65536 bytes/],
    [{ shapes: Array.from({ length: 3 }, () => ({ kind: 'pen', color: '#000000', width: 2, points: Array.from({ length: 1800 }, () => [0, 1]) })) }, /more than 5000 pen points/],
    [{ shapes: [], extra: 1 }, /unknown field extra/],
    [{ shapes: [] }, /shapes is empty/],
    [{ nope: true }, /must be an object \{ shapes/],
    [{ shapes: [{ kind: 'pen', color: '#000000', width: 2, points: 'M0 0' }] }, /points must be a list of points/],
  ];
  for (const [drawing, message] of cases) {
    const res = await inject('POST', reviews(), fx.tokens.artist, { note: 'x', frame: 3, drawing });
    assert.equal(res.statusCode, 400, `${JSON.stringify(drawing).slice(0, 80)}: ${res.body}`);
    assert.match(res.json().error.message, message);
  }
  const whole = await inject('POST', reviews(), fx.tokens.artist, { note: 'x', drawing: DRAWING });
  assert.equal(whole.statusCode, 400);
  assert.match(whole.json().error.message, /a drawing belongs to a frame/);
  const big = await inject('POST', reviews(), fx.tokens.artist, { note: 'x', frame: 3, drawing: { shapes: [{ kind: 'text', color: '#000000', size: 10, at: [0, 0], text: 'y'.repeat(300_000) }] } });
  assert.equal(big.statusCode, 413, 'a body far over the drawing limit is cut off before parsing');
  // Nothing of the refused drawings was stored.
  const notes = (await inject('GET', reviews(), fx.tokens.viewer)).json().notes as { frame: number }[];
  assert.equal(notes.filter((n) => n.frame === 3).length, 0);
});

test('the validator keeps only known keys (a __proto__ key is refused, not merged)', () => {
  assert.throws(() => validateDrawing(JSON.parse('{"shapes":[{"kind":"rect","color":"#000000","width":2,"from":[0,0],"to":[1,1],"__proto__":{"x":1}}]}')), /unknown field __proto__/);
});

/** RFC 4180 records (quoted fields with "" and line breaks) for reading the export back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += ch;
  }
  assert.equal(cell + row.join(''), '', 'the CSV ends with a record end');
  return rows;
}

test('CSV cells: quoting and the formula guard', () => {
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('=HYPERLINK("http://x")'), '"\'=HYPERLINK(""http://x"")"');
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell(-3), '-3', 'numbers are not text cells');
  assert.equal(csvCell(null), '');
  assert.equal(toCsv(['a'], [['x\ny']]), 'a\r\n"x\ny"\r\n');
});

test('notes as CSV parse back to the notes, formulas neutralised', async () => {
  const texts = ['plain', 'comma, inside', 'a "quoted" word', 'two\nlines\r\nand CRLF', '=1+2', '+cmd|x', '-2+3', '@SUM(A1:A9)', 'élan 火'];
  for (const t of texts) assert.equal((await inject('POST', reviews(), fx.tokens.artist, { note: t, frame: 5 })).statusCode, 201);
  assert.equal((await inject('POST', reviews(), fx.tokens.supervisor, { note: 'good', verdict: 'approved' })).statusCode, 201);
  const res = await inject('GET', `/api/shots/sh010/versions/${v1}/notes.csv`, fx.tokens.viewer);
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/csv/);
  assert.match(res.headers['content-disposition'] as string, /attachment; filename="sh010-v1-notes.csv"/);
  const [header, ...rows] = parseCsv(res.body);
  assert.deepEqual(header, ['id', 'shot', 'version', 'frame', 'timecode', 'verdict', 'author', 'role', 'created_at', 'note', 'drawn_shapes']);
  const notes = (await inject('GET', reviews(), fx.tokens.viewer)).json().notes as { id: number; frame: number | null; note: string; verdict: string | null; author: string; drawing: { shapes: unknown[] } | null }[];
  assert.equal(rows.length, notes.length);
  for (const [i, n] of notes.entries()) {
    const r = Object.fromEntries(header!.map((h, j) => [h, rows[i]![j]!]));
    const guarded = /^[=+\-@]/.test(n.note);
    assert.equal(r.note, guarded ? `'${n.note}` : n.note, `note ${n.id}`);
    assert.equal(Number(r.id), n.id);
    assert.equal(r.frame, n.frame === null ? '' : String(n.frame));
    assert.equal(r.verdict, n.verdict ?? '');
    assert.equal(r.author, n.author);
    assert.equal(Number(r.drawn_shapes), n.drawing?.shapes.length ?? 0);
    assert.equal(r.version, 'v1');
  }
  // Frame 5 is the fifth frame of a range starting at 1 and 01:00:00:00, at 12 fps.
  assert.ok(rows.some((r) => r[3] === '5' && r[4] === '01:00:00:04'));
  assert.equal((await inject('GET', `/api/shots/sh010/versions/999999/notes.csv`, fx.tokens.viewer)).statusCode, 404);
});

/** The objects of a PDF by number, after checking that the xref table points at each. */
function readPdf(buf: Buffer): { pages: number; images: { width: number; height: number; data: Buffer }[]; text: string } {
  const s = buf.toString('latin1');
  assert.ok(s.startsWith('%PDF-1.'), 'PDF header');
  assert.ok(s.trimEnd().endsWith('%%EOF'));
  const startxref = Number(/startxref\n(\d+)\n%%EOF\s*$/.exec(s)![1]);
  assert.equal(s.slice(startxref, startxref + 4), 'xref', 'startxref points at the xref table');
  const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(s.slice(startxref))!.map(Number) as [string, number, number];
  assert.equal(first, 0);
  const entries = s.slice(startxref).split('\n').slice(2, 2 + count);
  entries.slice(1).forEach((e, i) => {
    const off = Number(e.slice(0, 10));
    assert.ok(s.startsWith(`${i + 1} 0 obj`, off), `xref entry ${i + 1} points at its object`);
  });
  const images: { width: number; height: number; data: Buffer }[] = [];
  for (const m of s.matchAll(/\/Subtype \/Image \/Width (\d+) \/Height (\d+)[^>]*\/Filter \/DCTDecode \/Length (\d+) >>\nstream\n/g)) {
    const at = m.index! + m[0].length;
    images.push({ width: Number(m[1]), height: Number(m[2]), data: buf.subarray(at, at + Number(m[3])) });
  }
  return { pages: (s.match(/\/Type \/Page\b(?!s)/g) ?? []).length, images, text: s };
}

test('notes as a PDF contact sheet: one page per frame note, the right frame with its drawing', async () => {
  const res = await inject('GET', `/api/shots/sh010/versions/${v1}/notes.pdf`, fx.tokens.viewer);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  const pdf = readPdf(res.rawPayload);
  const notes = (await inject('GET', reviews(), fx.tokens.viewer)).json().notes as { id: number; frame: number | null; note: string }[];
  const frameNotes = notes.filter((n) => n.frame !== null);
  assert.equal(pdf.pages, frameNotes.length);
  assert.equal(pdf.images.length, frameNotes.length);
  assert.match(pdf.text, /\(sh010  v1  frame 4  01:00:00:03\) Tj/);
  assert.match(pdf.text, /\(ear too dark, see circle\) Tj/);
  assert.match(pdf.text, /\(a "quoted" word\) Tj/);
  assert.match(pdf.text, /\(\\351lan \?\) Tj/, 'Latin-1 as octal escapes, other characters as ?');
  // The first page is the note on frame 4: the fixture's square (230, 90, 40) spans x 32-43 only
  // on frame 4, and the drawing's green stroke crosses the bottom.
  const first = pdf.images[0]!;
  assert.deepEqual([first.width, first.height], [64, 48]);
  const { data, info } = await sharp(first.data).raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
  const near = (a: number[], b: number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);
  assert.ok(near(px(34, 24), [230, 90, 40], 30) && near(px(42, 24), [230, 90, 40], 30), `frame 4's square: ${px(34, 24)} ${px(42, 24)}`);
  assert.ok(near(px(32, 43), [0, 255, 0], 60), `the green stroke: ${px(32, 43)}`);
  assert.ok(near(px(50, 24), [190, 134, 30], 30), `plain background off the drawing: ${px(50, 24)}`);
  // One sheet at a time per token: a second while the first is being made is a 429; others are not held up.
  const url = `/api/shots/sh010/versions/${v1}/notes.pdf`;
  const [a1, a2, b] = await Promise.all([inject('GET', url, fx.tokens.viewer), inject('GET', url, fx.tokens.viewer), inject('GET', url, fx.tokens.artist)]);
  assert.deepEqual([a1.statusCode, a2.statusCode].sort(), [200, 429]);
  assert.match([a1, a2].find((r) => r.statusCode === 429)!.json().error.message, /still being made/);
  assert.equal(b.statusCode, 200);
  assert.equal((await inject('GET', url, fx.tokens.viewer)).statusCode, 200, 'free again once made');
  // A version with no frame notes still gives a valid one-page PDF.
  const empty = readPdf((await inject('GET', `/api/shots/sh020/versions/${v2}/notes.pdf`, fx.tokens.viewer)).rawPayload);
  assert.equal(empty.pages, 1);
  assert.equal(empty.images.length, 0);
});

test('playlists: supervisors make and edit them, viewers read them, each shot with its status', async () => {
  const body = { name: 'Tuesday dailies', items: [{ shot: 'sh010', versionId: v1 }, { shot: 'sh020' }] };
  assert.equal((await inject('POST', '/api/playlists', fx.tokens.artist, body)).statusCode, 403);
  const made = await inject('POST', '/api/playlists', fx.tokens.supervisor, body);
  assert.equal(made.statusCode, 201, made.body);
  const p = made.json();
  assert.equal(p.name, 'Tuesday dailies');
  assert.deepEqual(p.items.map((i: { shot: string; versionId: number; pinned: boolean }) => [i.shot, i.versionId, i.pinned]), [['sh010', v1, true], ['sh020', v2, false]]);
  assert.equal(p.items[0].status, 'approved', 'the version\'s latest verdict');
  assert.equal(p.items[1].status, null);
  assert.equal(p.items[0].frames.length, 6);
  assert.equal(p.items[1].frames.length, 4);
  assert.ok(p.items[1].frames.every((f: { renderId: number | null }) => f.renderId));

  const read = await inject('GET', `/api/playlists/${p.id}`, fx.tokens.viewer);
  assert.equal(read.statusCode, 200);
  assert.deepEqual(read.json().items.map((i: { shot: string }) => i.shot), ['sh010', 'sh020']);
  assert.deepEqual((await inject('GET', '/api/playlists', fx.tokens.viewer)).json().playlists.map((x: { id: number; shots: number }) => [x.id, x.shots]), [[p.id, 2]]);

  // Reorder and a newer verdict.
  const patched = await inject('PATCH', `/api/playlists/${p.id}`, fx.tokens.supervisor, { items: [{ shot: 'sh020', versionId: v2 }, { shot: 'sh010' }] });
  assert.equal(patched.statusCode, 200, patched.body);
  await inject('POST', `/api/shots/sh020/versions/${v2}/reviews`, fx.tokens.supervisor, { note: 'redo', verdict: 'needs_work' });
  const again = (await inject('GET', `/api/playlists/${p.id}`, fx.tokens.viewer)).json();
  assert.deepEqual(again.items.map((i: { shot: string; status: string | null }) => [i.shot, i.status]), [['sh020', 'needs_work'], ['sh010', 'approved']]);
  assert.equal((await inject('PATCH', `/api/playlists/${p.id}`, fx.tokens.viewer, { name: 'x' })).statusCode, 403);

  const bad: [unknown, RegExp][] = [
    [{ name: 'x', items: [] }, /at least one shot/],
    [{ name: '  ', items: body.items }, /needs a name/],
    [{ name: 'x', items: [{ shot: 'sh999' }] }, /item 1: no shot sh999/],
    [{ name: 'x', items: [{ shot: 'sh010' }, { shot: 'sh020', versionId: v1 }] }, /item 2: shot sh020 has no version/],
    [{ name: 'x', items: [{ shot: '../etc' }] }, /must match pattern/],
  ];
  for (const [b, message] of bad) {
    const r = await inject('POST', '/api/playlists', fx.tokens.supervisor, b);
    assert.equal(r.statusCode, 400, JSON.stringify(b));
    assert.match(r.json().error.message, message);
  }
  // The session's notes in playing order: sh020's first, then sh010's; its sheet has sh010's frame notes.
  const csv = await inject('GET', `/api/playlists/${p.id}/notes.csv`, fx.tokens.viewer);
  assert.equal(csv.statusCode, 200);
  assert.match(csv.headers['content-disposition'] as string, /filename="Tuesday-dailies-notes.csv"/);
  const rows = parseCsv(csv.body).slice(1);
  const shotsInOrder = rows.map((r) => r[1]);
  assert.deepEqual([...new Set(shotsInOrder)], ['sh020', 'sh010']);
  assert.ok(rows.some((r) => r[1] === 'sh020' && r[5] === 'needs_work' && r[9] === 'redo'));
  const sh010Notes = (await inject('GET', reviews(), fx.tokens.viewer)).json().notes as { frame: number | null }[];
  assert.equal(shotsInOrder.filter((x) => x === 'sh010').length, sh010Notes.length);
  const sheet = readPdf((await inject('GET', `/api/playlists/${p.id}/notes.pdf`, fx.tokens.viewer)).rawPayload);
  assert.equal(sheet.pages, sh010Notes.filter((n) => n.frame !== null).length);
  assert.equal((await inject('GET', '/api/playlists/999/notes.csv', fx.tokens.viewer)).statusCode, 404);
  assert.equal((await inject('DELETE', `/api/playlists/${p.id}`, fx.tokens.artist)).statusCode, 403);
  assert.equal((await inject('DELETE', `/api/playlists/${p.id}`, fx.tokens.supervisor)).statusCode, 200);
  assert.equal((await inject('GET', `/api/playlists/${p.id}`, fx.tokens.viewer)).statusCode, 404);
  const audited = (await srv.ctx.db.selectFrom('server_audit').select('action').where('action', 'like', 'playlist%').execute()).map((r) => r.action);
  assert.deepEqual(audited, ['playlist', 'playlist', 'playlist-delete']);
});

test('display transforms: the production OCIO config\'s views, each baked into a 3D LUT from the frames\' colour space', async () => {
  const d = (await inject('GET', '/api/display', fx.tokens.viewer)).json();
  assert.equal(d.config, 'built-in');
  assert.equal(d.imageColorSpace, 'sRGB - Texture');
  for (const v of [{ display: 'sRGB - Display', view: 'Standard' }, { display: 'Rec.1886 Rec.709 - Display', view: 'Standard' }]) assert.ok(d.views.some((x: typeof v) => x.display === v.display && x.view === v.view), JSON.stringify(v));
  const lut = async (display: string, view: string) => {
    const r = await inject('GET', `/api/display/lut?display=${encodeURIComponent(display)}&view=${encodeURIComponent(view)}`, fx.tokens.viewer);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    const size = Number(r.headers['x-atelier-lut-size']);
    assert.equal(r.rawPayload.length, size ** 3 * 3);
    return { size, data: r.rawPayload };
  };
  // sRGB texture values shown on an sRGB display are themselves.
  const srgb = await lut('sRGB - Display', 'Standard');
  let worst = 0;
  for (let i = 0; i < srgb.size ** 3; i++) {
    const grid = [i % srgb.size, Math.floor(i / srgb.size) % srgb.size, Math.floor(i / srgb.size ** 2)];
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(srgb.data[i * 3 + c]! - Math.round((255 * grid[c]!) / (srgb.size - 1))));
  }
  assert.ok(worst <= 1, `sRGB/Standard is the identity within one level (worst ${worst})`);
  // Rec.1886: each grid point is what OCIO gives for that value (red fastest, then green, then blue).
  const rec = await lut('Rec.1886 Rec.709 - Display', 'Standard');
  const { applyDisplayView, builtinColourConfig } = await import('../../src/data/colour.js');
  const [r, g, b] = [30, 4, 17];
  const planes = [new Float32Array([r / 32]), new Float32Array([g / 32]), new Float32Array([b / 32])];
  applyDisplayView(builtinColourConfig(), 'sRGB - Texture', 'Rec.1886 Rec.709 - Display', 'Standard', planes, 1, 1);
  const at = ((b * 33 + g) * 33 + r) * 3;
  assert.deepEqual([...rec.data.subarray(at, at + 3)], planes.map((p) => Math.round(255 * Math.min(1, Math.max(0, p[0]!)))));
  assert.notDeepEqual([...rec.data.subarray(at, at + 3)], [...srgb.data.subarray(at, at + 3)], 'a different view is a different LUT');
  for (const [q, message] of [['display=Nope&view=Standard', /unknown display "Nope" \(the production's OCIO config has: sRGB - Display/], ['display=sRGB%20-%20Display&view=Nope', /display "sRGB - Display" has no view "Nope" \(it has: Standard, Raw\)/], ['display=x', /must have required property 'view'/]] as const) {
    const res = await inject('GET', `/api/display/lut?${q}`, fx.tokens.viewer);
    assert.equal(res.statusCode, 400, q);
    assert.match(res.json().error.message, message);
  }
});
