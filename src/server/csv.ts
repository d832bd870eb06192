// CSV (RFC 4180) for spreadsheets: a field with a comma, quote or line break is quoted (quotes
// doubled), and a text cell that a spreadsheet would run as a formula (= + - @, tab, CR first) is
// prefixed with ' so it stays text (OWASP's CSV injection advice). Numbers are written as they are.

export type Cell = string | number | null;

const FORMULA = /^[=+\-@\t\r]/;

export function csvCell(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const s = FORMULA.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to CSV text, CRLF between records (RFC 4180), the header first. */
export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
