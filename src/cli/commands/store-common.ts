// Options and helpers shared by the production-workspace commands (init, add, pair, shot,
// dataset, ls, show, set, lineage, verify, gc, config).
import { Option, type Command } from 'commander';
import { relative } from 'node:path';
import { openProduction, type Production } from '../../store/index.js';
import { parseKind, type AssetKind } from '../../store/schema.js';
import type { IngestMeta, IngestResult } from '../../store/ingest.js';

export interface CommonOpts { production?: string; json?: boolean }

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`"${value}" is not a positive number`);
  return n;
}

export function integer(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new Error(`"${value}" is not a whole number`);
  return Number(value);
}

/**
 * --device for the commands that run look models (train, render, stylize, compare, worker, serve);
 * main.ts's preAction hook sets the process's compute device from it (engine computeDevice) before
 * the command runs, so a bad or unreachable device fails first, with its name.
 */
export const DEVICE_OPTION = ['--device <name>', 'where look models train and run: cpu, cuda, cuda:N or auto (default: $ATELIER_DEVICE, else auto: the first GPU of a CUDA libtorch build, else the CPU)'] as const;

/** --production and --json, which every workspace command takes. */
export function common(cmd: Command): Command {
  return cmd
    .option('--production <dir>', 'the production folder (default: $ATELIER_PRODUCTION, else the current folder or a parent that is one)')
    .option('--json', 'print one JSON document (for scripts) instead of text');
}

export function metaOptions(cmd: Command): Command {
  return cmd
    .option('--tag <tag>', 'tag (repeat, or comma-separate)', collect)
    .option('--character <name>', 'character shown (repeat, or comma-separate)', collect)
    .option('--location <name>', 'location shown');
}

export function rightsOptions(cmd: Command): Command {
  return cmd
    .option('--owner <name>', 'rights owner (default: the production\'s default owner)')
    .addOption(new Option('--licence <licence>', 'licence the production holds, e.g. "work for hire", "CC-BY-4.0"'))
    .addOption(new Option('--license <licence>').hideHelp())
    .option('--source <text>', 'where it came from (artist, vendor, URL, archive…)')
    .option('--cleared', 'cleared for training (default: the production\'s default, false unless set at init)')
    .option('--no-cleared', 'not cleared for training');
}

export interface MetaOpts { tag?: string[]; character?: string[]; location?: string; owner?: string; licence?: string; license?: string; source?: string; cleared?: boolean }

export function metaFrom(o: MetaOpts): Omit<IngestMeta, 'kind'> {
  return {
    tags: o.tag, characters: o.character, location: o.location ?? null,
    owner: o.owner, licence: o.licence ?? o.license, source: o.source, cleared: o.cleared,
  };
}

export function kindOption(value: string): AssetKind { return parseKind(value); }

/**
 * The production for a command that also takes a model file: without --production and outside a
 * production, a model file still works (null is returned; lineage is then not recorded).
 */
export async function openProductionForModel(production: string | undefined, modelRef: string | undefined): Promise<Production | null> {
  try {
    return await openProduction(production);
  } catch (err) {
    if (production || !modelRef || /^\d+$/.test(modelRef)) throw err;
    return null;
  }
}

/** Opens the production, runs fn, closes it whatever happens. */
export async function withProduction<T>(opts: CommonOpts, fn: (prod: Production) => Promise<T>): Promise<T> {
  const prod = await openProduction(opts.production);
  try { return await fn(prod); } finally { await prod.close(); }
}

export function ingestLine(r: IngestResult, cwd = process.cwd()): string {
  const rel = relative(cwd, r.file);
  const name = rel.length < r.file.length ? rel : r.file;
  if (r.status === 'rejected') return `rejected   ${name}: ${r.reason}`;
  const a = r.asset;
  const what = `#${a.id} ${a.kind}, ${a.width}×${a.height} ${a.format} ${a.bitDepth}-bit`;
  if (r.status === 'duplicate') return `duplicate  ${name}: already stored as #${a.id} (${a.hash.slice(0, 12)}…)`;
  return `added      ${name}: ${what}${r.nearDuplicateOf ? ` — near-duplicate of #${r.nearDuplicateOf.id} (distance ${r.nearDuplicateOf.distance})` : ''}`;
}

export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
