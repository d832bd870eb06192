// atelier pair <painted> <rough> [--pass name=ref]: a paintover pair, the look model's training data.
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { IngestSession, linkPair, getPairs, resolveAssetRef, sha256File, type Production } from '../../store/index.js';
import { findAssetIdByHash } from '../../store/assets.js';
import type { AssetKind } from '../../store/schema.js';
import type { IngestMeta } from '../../store/ingest.js';
import { printResult } from '../output.js';
import { common, rightsOptions, metaOptions, metaFrom, collect, withProduction, type CommonOpts, type MetaOpts } from './store-common.js';

/** An asset reference; a file not yet in the production is added first with the given kind. */
async function refOrAdd(prod: Production, session: IngestSession, ref: string, kind: AssetKind, meta: Omit<IngestMeta, 'kind'>): Promise<{ id: number; added: boolean }> {
  if (existsSync(ref) && statSync(ref).isFile()) {
    const known = await findAssetIdByHash(prod, sha256File(ref));
    if (known !== null) return { id: known, added: false };
    const r = await session.ingest(ref, { ...meta, kind });
    if (r.status === 'rejected') throw new Error(`${r.file}: ${r.reason}`);
    return { id: r.asset.id, added: r.status === 'added' };
  }
  return { id: await resolveAssetRef(prod, ref), added: false };
}

export function registerPair(program: Command): void {
  const cmd = program.command('pair')
    .argument('<painted>', 'the painted frame: asset id (#12), hash prefix, or image file (added as a paintover if new)')
    .argument('<rough>', 'the rough frame it was painted over (added as a rough_frame if new)')
    .description('Link a painted frame to its rough frame and optional render passes: a paintover pair, the look model\'s main training data.')
    .option('--pass <name=ref>', 'a render pass of the rough frame, e.g. depth=sh010_depth.1001.exr (repeatable; added as render_pass if new)', collect);
  metaOptions(cmd);
  rightsOptions(cmd);
  common(cmd)
    .addHelpText('after', `
Rights and tags apply only to files this command adds. Pairing again adds or replaces passes.

Example:
  atelier pair paint/sh010.1001.png rough/sh010.1001.png --pass depth=passes/sh010.depth.1001.png --pass lineart=#57`)
    .action(async (paintedRef: string, roughRef: string, o: CommonOpts & MetaOpts & { pass?: string[] }) => {
      const out = await withProduction(o, async (prod) => {
        const session = await IngestSession.start(prod);
        const meta = metaFrom(o);
        const painted = await refOrAdd(prod, session, paintedRef, 'paintover', meta);
        const rough = await refOrAdd(prod, session, roughRef, 'rough_frame', meta);
        const passes: Record<string, number> = {};
        for (const spec of o.pass ?? []) {
          const eq = spec.indexOf('=');
          if (eq <= 0) throw new Error(`--pass "${spec}" must be name=asset (e.g. depth=depth.1001.exr)`);
          passes[spec.slice(0, eq)] = (await refOrAdd(prod, session, spec.slice(eq + 1), 'render_pass', meta)).id;
        }
        const link = await linkPair(prod, painted.id, rough.id, passes);
        const [pair] = await getPairs(prod, [link.id]);
        return { pair, created: link.created, warnings: link.warnings };
      });
      const p = out.pair;
      printResult(!!o.json, out, () => [
        `${out.created ? 'paired' : 'updated pair'} #${p.id}: painted #${p.painted.id} ${p.painted.originalName} ← rough #${p.rough.id} ${p.rough.originalName}`,
        ...Object.entries(p.passes).map(([n, a]) => `  pass ${n}: #${a.id} ${a.originalName}`),
        ...out.warnings.map((w) => `warning: ${w}`),
      ].join('\n'));
    });
}
