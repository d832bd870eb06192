// What leaves the server in JSON: no absolute server paths (the production's own folder becomes a
// relative path, any other absolute path its last name), and for roles below supervisor no host
// names or process ids (the farm's machines are the studio's business, not a viewer's).
import { hostname } from 'node:os';
import { realpathSync } from 'node:fs';
import type { FarmStats } from './jobs/queue.js';

// An absolute POSIX path of two or more parts, ending at a quote, space or delimiter.
const ABSOLUTE = /(?<![\w.~#-])\/(?:[^\s/'"`:,;()<>\]]+\/)+([^\s/'"`:,;()<>\]]*)/g;

export function makeRedactor(prodDir: string) {
  const roots = new Set([prodDir]);
  try { roots.add(realpathSync(prodDir)); } catch { /* the folder as given is enough */ }
  const host = hostname();
  const text = (s: string, hideHosts: boolean): string => {
    let out = s;
    for (const r of roots) out = out.split(r + '/').join('').split(r).join('.');
    out = out.replace(ABSOLUTE, (_m, last: string) => last ? `…/${last}` : '…/');
    if (hideHosts && host.length > 2) out = out.split(host).join('(host)');
    return out;
  };
  const walk = (v: unknown, hideHosts: boolean, depth = 0): unknown => {
    if (typeof v === 'string') return text(v, hideHosts);
    if (depth > 20 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, hideHosts, depth + 1));
    if (Buffer.isBuffer(v) || v instanceof Date) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'productionDir') continue;
      if (hideHosts && (k === 'pid' || k === 'host' || k === 'hostname')) continue;
      out[k] = walk(x, hideHosts, depth + 1);
    }
    return out;
  };
  return walk;
}

/** The farm for roles below supervisor: workers numbered, no host, pid or Redis address. */
export function anonymousFarm(s: FarmStats): FarmStats {
  const { redis: _r, ...rest } = s;
  return { ...rest, workers: s.workers.map((w, i) => ({ ...w, id: `worker ${i + 1}`, host: '', pid: 0, production: '' })) };
}
