// atelier show <ref>: one asset, pair, shot, dataset, model version or rendered frame.
import type { Command } from 'commander';
import { getAsset, getPairs, getShot, getDataset, getModelVersion, getRenderedFrame, resolveAssetRef, type Production } from '../../store/index.js';
import { printResult } from '../output.js';
import { common, withProduction, type CommonOpts } from './store-common.js';

type Shown = { type: string; value: unknown; text: string };

async function show(prod: Production, ref: string): Promise<Shown> {
  const m = /^(asset|pair|shot|dataset|model|render):(.+)$/.exec(ref);
  const type = m?.[1];
  const rest = m?.[2] ?? ref;
  const num = () => { const n = /^#?(\d+)$/.exec(rest); if (!n) throw new Error(`${type} "${rest}": expected a number`); return Number(n[1]); };
  if (type === 'pair') {
    const [p] = await getPairs(prod, [num()]);
    if (!p) throw new Error(`no pair #${rest}`);
    return { type, value: p, text: [`pair #${p.id}`, `  painted: #${p.painted.id} ${p.painted.originalName} ${p.painted.path}`, `  rough:   #${p.rough.id} ${p.rough.originalName} ${p.rough.path}`,
      ...Object.entries(p.passes).map(([n, a]) => `  pass ${n}: #${a.id} ${a.originalName} ${a.path}`)].join('\n') };
  }
  if (type === 'model') {
    const v = await getModelVersion(prod, num());
    return { type, value: v, text: [`model version #${v.id} (${v.kind}) from dataset ${v.datasetName} (#${v.datasetId})`, `  seed ${v.seed}, code ${v.codeVersion}, created ${v.createdAt}`,
      `  config: ${JSON.stringify(v.config)}`, `  metrics: ${JSON.stringify(v.metrics)}`, ...v.files.map((f) => `  file ${f.name}: ${f.bytes} bytes, ${f.path}`)].join('\n') };
  }
  if (type === 'render') {
    const r = await getRenderedFrame(prod, num());
    return { type, value: r, text: [`rendered frame #${r.id}: ${r.path}`, `  model version #${r.modelVersion}, created ${r.createdAt}`, `  params: ${JSON.stringify(r.params)}`,
      ...Object.entries(r.inputs).map(([n, h]) => `  input ${n}: ${h}`)].join('\n') };
  }
  if (type === 'shot') { const s = await getShot(prod, rest); return { type, value: s, text: `shot ${s.name}: ${s.range[0]}-${s.range[1]} at ${s.fps} fps, ${s.missing.length} missing frames (see atelier shot show)` }; }
  if (type === 'dataset') { const d = await getDataset(prod, rest); return { type, value: d, text: `dataset ${d.name} (#${d.id}): ${d.assets.length} assets, ${d.pairs.length} pairs, manifest ${d.manifestHash}` }; }
  let assetErr: Error;
  try {
    const a = await getAsset(prod, await resolveAssetRef(prod, rest));
    return { type: 'asset', value: a, text: [
      `asset #${a.id} ${a.originalName} (${a.kind})`,
      `  ${a.width}×${a.height} ${a.format}, ${a.channels} channels, ${a.bitDepth}-bit, ${a.bytes} bytes`,
      `  sha256 ${a.hash}`, `  stored at ${a.path}`, `  added ${a.createdAt} from ${a.sourcePath}`,
      `  rights: owner ${a.rights.owner ?? '?'}, licence ${a.rights.licence ?? '?'}, source ${a.rights.source ?? '?'}, ${a.rights.clearedForTraining ? 'cleared' : 'NOT cleared'} for training`,
      a.tags.length ? `  tags: ${a.tags.join(', ')}` : '', a.characters.length ? `  characters: ${a.characters.join(', ')}` : '', a.location ? `  location: ${a.location}` : '',
      a.nearDuplicateOf ? `  near-duplicate of #${a.nearDuplicateOf} (perceptual distance ${a.nearDuplicateDistance})` : '',
    ].filter(Boolean).join('\n') };
  } catch (err) {
    if (type === 'asset') throw err;
    assetErr = err as Error;
  }
  // Not an asset: maybe a shot or dataset name.
  for (const [t, get] of [['shot', () => show(prod, `shot:${rest}`)], ['dataset', () => show(prod, `dataset:${rest}`)]] as const) {
    try { return await get(); } catch { void t; }
  }
  throw new Error(`${assetErr.message}; nor is "${rest}" a shot or dataset name (prefix with pair:, model:, render: for those)`);
}

export function registerShow(program: Command): void {
  common(program.command('show')
    .argument('<ref>', 'an asset (#12, hash prefix, or file), a shot or dataset name, or pair:N, model:N, render:N')
    .description('Show one asset, pair, shot, dataset, model version or rendered frame.'))
    .action(async (ref: string, o: CommonOpts) => {
      const s = await withProduction(o, (prod) => show(prod, ref));
      printResult(!!o.json, { type: s.type, ...(s.value as object) }, () => s.text);
    });
}
