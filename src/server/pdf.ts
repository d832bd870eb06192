// A minimal PDF writer for the notes' contact sheet: pages with one JPEG (embedded as it is, the
// DCTDecode filter) and lines of Helvetica text. That is all the sheet needs, in ~80 lines, so no
// PDF library: every PDF reader has the standard fonts and decodes JPEG itself.

export interface PdfImage { jpeg: Buffer; width: number; height: number; channels: 1 | 3 }
export interface PdfPage { image: PdfImage | null; lines: { text: string; size: number; bold?: boolean }[] }

const PAGE_W = 842, PAGE_H = 595, MARGIN = 36; // A4 landscape, in points

// WinAnsiEncoding's codes 128-159: the typographic punctuation that typed notes are full of (curly
// quotes, dashes, the ellipsis that editors substitute as one types) and a few letters. 129, 141,
// 143, 144 and 157 are unassigned.
const WIN_ANSI_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const WIN_ANSI = new Map([...WIN_ANSI_HIGH].map((ch, i) => [ch.codePointAt(0)!, 128 + i] as const).filter(([c]) => c > 0x9f));

/** Text as a PDF string in WinAnsi: backslash and parentheses escaped, Latin-1 and WinAnsi's 128-159 as octal escapes, other characters replaced by '?'. */
export function pdfString(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const code = c >= 160 && c <= 255 ? c : WIN_ANSI.get(c);
    if (ch === '\\' || ch === '(' || ch === ')') out += `\\${ch}`;
    else if (c >= 32 && c < 127) out += ch;
    else if (code !== undefined) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += '?';
  }
  return `(${out})`;
}

/** Lines no wider than `width` points at `size` (Helvetica averages about half the size per character). */
export function wrapText(text: string, size: number, width = PAGE_W - 2 * MARGIN): string[] {
  const max = Math.max(10, Math.floor(width / (size * 0.52)));
  const out: string[] = [];
  for (const para of text.split(/\r?\n/)) {
    let line = '';
    for (const word of para.split(' ')) {
      for (let w = word; w.length > 0; w = w.slice(max)) {
        const piece = w.slice(0, max);
        if (line && line.length + 1 + piece.length > max) { out.push(line); line = ''; }
        line = line ? `${line} ${piece}` : piece;
      }
    }
    out.push(line);
  }
  return out;
}

export function buildPdf(pages: PdfPage[], title: string): Buffer {
  const objects: Buffer[] = []; // object n is objects[n - 1]
  const add = (body: Buffer | string) => { objects.push(Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1')); return objects.length; };
  const stream = (dict: string, data: Buffer) => Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);
  const catalog = add(''), pagesObj = add('');
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const bold = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  const kids: number[] = [];
  for (const p of pages) {
    let content = '';
    let y = PAGE_H - MARGIN;
    let xobject = '';
    if (p.image) {
      const im = add(stream(`/Type /XObject /Subtype /Image /Width ${p.image.width} /Height ${p.image.height} /ColorSpace /${p.image.channels === 1 ? 'DeviceGray' : 'DeviceRGB'} /BitsPerComponent 8 /Filter /DCTDecode`, p.image.jpeg));
      const scale = Math.min((PAGE_W - 2 * MARGIN) / p.image.width, (PAGE_H * 0.68) / p.image.height);
      const w = p.image.width * scale, h = p.image.height * scale;
      y -= h;
      content += `q ${w.toFixed(2)} 0 0 ${h.toFixed(2)} ${MARGIN} ${y.toFixed(2)} cm /Im0 Do Q\n`;
      xobject = ` /XObject << /Im0 ${im} 0 R >>`;
      y -= 8;
    }
    for (const l of p.lines) {
      y -= l.size * 1.25;
      if (y < MARGIN) break; // the rest of a very long note does not fit: the CSV has it whole
      content += `BT /${l.bold ? 'F2' : 'F1'} ${l.size} Tf ${MARGIN} ${y.toFixed(2)} Td ${pdfString(l.text)} Tj ET\n`;
    }
    const contents = add(stream('', Buffer.from(content, 'latin1')));
    kids.push(add(`<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 ${PAGE_W} ${PAGE_H}] /Resources << /Font << /F1 ${font} 0 R /F2 ${bold} 0 R >>${xobject} >> /Contents ${contents} 0 R >>`));
  }
  objects[catalog - 1] = Buffer.from(`<< /Type /Catalog /Pages ${pagesObj} 0 R >>`, 'latin1');
  objects[pagesObj - 1] = Buffer.from(`<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`, 'latin1');
  const info = add(`<< /Title ${pdfString(title)} /Producer (Atelier dailies) >>`);

  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = chunks[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
    chunks.push(obj);
    offset += obj.length;
  });
  const xref = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  chunks.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R /Info ${info} 0 R >>\nstartxref\n${offset}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(chunks);
}
