// atelier shot add|pass|keyframe|show|ls: shots with frame ranges, render passes and painted keyframes.
import type { Command } from 'commander';
import { addShot, addShotPass, addShotKeyframes, removeShotKeyframes, getShot, listShots, parseFrameRange, type Shot } from '../../store/index.js';
import { expandInputs } from '../../store/file-inputs.js';
import { formatFrames, parseFrameList } from '../../store/sequence-pattern.js';
import { printResult } from '../output.js';
import { common, metaOptions, rightsOptions, metaFrom, positiveNumber, integer, withProduction, table, type CommonOpts, type MetaOpts } from './store-common.js';

/** --pass depth=Z, repeatable. */
function passOption(value: string, previous: Record<string, string>): Record<string, string> {
  const m = /^([^=]+)=(.+)$/.exec(value);
  if (!m) throw new Error(`--pass ${value}: expected <pass name>=<layer or channel>, e.g. depth=Z`);
  if (m[1]! in previous) throw new Error(`--pass ${m[1]} is given twice`);
  return { ...previous, [m[1]!]: m[2]! };
}

function shotSummary(s: Shot): string {
  const lines = [
    `shot ${s.name}: frames ${s.range[0]}-${s.range[1]} (${s.range[1] - s.range[0] + 1}) at ${s.fps} fps${s.width ? `, ${s.width}×${s.height}` : ''}`,
    `  source: ${s.sourceKind} ${s.source}`,
    ...(s.timecode ? [`  timecode: ${s.timecode}`] : []),
    ...(s.colorSpace ? [`  colour space: ${s.colorSpace}`] : []),
    `  rough frames: ${s.frames.filter((f) => f.rough).length}`,
  ];
  if (s.missing.length) lines.push(`  MISSING rough frames: ${formatFrames(s.missing)}`);
  for (const n of s.passNames) lines.push(`  pass ${n}: ${s.frames.filter((f) => f.passes[n]).length} frames${s.missingPasses[n].length ? `, MISSING ${formatFrames(s.missingPasses[n])}` : ''}`);
  if (s.keyframes.length) lines.push(`  painted keyframes: ${s.keyframes.join(', ')}`);
  for (const m of s.mismatched) lines.push(`  MISMATCH frame ${m.frame}: ${m.reason}`);
  return lines.join('\n');
}

export function registerShot(program: Command): void {
  const shot = program.command('shot').description('Shots: rough frames from a sequence or video, render passes per frame, painted keyframes.');

  const add = shot.command('add')
    .argument('<name>', 'shot name, e.g. sq010_sh020')
    .argument('<source>', 'frame sequence pattern (rough/sh020.####.png or rough/sh020.%04d.png) or a video file')
    .description('Create a shot from a frame sequence or a video; missing and mismatched frames are reported.')
    .option('--range <first-last>', 'frame range, e.g. 1001-1096 (default: the frames found; for a video, numbering starts at first)', parseFrameRange)
    .option('--fps <n>', 'frames per second (default: the video\'s rate, or 24 for a sequence)', positiveNumber)
    .option('--replace', 're-import the rough frames of an existing shot (refused, the shot left as it was, when the new file of a frame it has is rejected)')
    .option('--layer <name>', 'EXR: the layer or part that is the rough frame (default: beauty, else the unnamed layer)')
    .option('--pass <name=layer>', 'EXR: a render pass from a layer or channel of the same files, e.g. depth=Z (repeatable)', passOption, {} as Record<string, string>)
    .option('--color-space <name>', 'the rough frames\' OCIO colour space (default: the file\'s own, else the production\'s)')
    .option('--timecode <HH:MM:SS:FF>', 'start timecode of the first frame (default: the first EXR\'s header, if any)');
  metaOptions(add);
  rightsOptions(add);
  common(add)
    .addHelpText('after', `
Exit status: 0 when every frame was stored, 2 when some were rejected (the shot is made of the rest), 1 on other
errors (none could be read: no shot is made; --replace rejecting a frame the shot has: the shot is left as it was).

Examples:
  atelier shot add sq010_sh020 rough/sq010_sh020.####.png --range 1001-1096 --fps 24
  atelier shot add sq010_sh030 animatic/sh030.mov --range 1001-1048
  atelier shot add sh010 'r/sh010.####.exr' --layer beauty --pass depth=Z --pass motion=motion --timecode 01:00:41:17`)
    .action(async (name: string, source: string, o: CommonOpts & MetaOpts & { range?: [number, number]; fps?: number; replace?: boolean; layer?: string; pass: Record<string, string>; colorSpace?: string; timecode?: string }) => {
      const report = await withProduction(o, (prod) => addShot(prod, name, source, {
        range: o.range, fps: o.fps, replace: o.replace, meta: metaFrom(o),
        layer: o.layer, passes: Object.keys(o.pass).length ? o.pass : undefined, colorSpace: o.colorSpace, timecode: o.timecode,
      }));
      printResult(!!o.json, report, () => [
        shotSummary(report.shot),
        `  ingest: ${report.ingest.added} added, ${report.ingest.duplicates} already stored, ${report.ingest.rejected} rejected`,
        ...report.rejected.map((r) => `  REJECTED frame ${r.frame}: ${r.file}: ${r.reason}`),
        report.outsideRange.length ? `  ignored frames outside the range: ${formatFrames(report.outsideRange)}` : '',
        ...report.warnings.map((w) => `warning: ${w}`),
      ].filter(Boolean).join('\n'));
      if (report.rejected.length) process.exitCode = 2;
    });

  const pass = shot.command('pass')
    .argument('<shot>', 'shot name')
    .argument('<pass>', 'render pass name, e.g. depth, normals, lineart; id, object_id, material_id or segmentation: colours that name objects, matched as categories by the strokes')
    .argument('<pattern>', 'frame sequence pattern of the pass, e.g. passes/sh020.depth.####.exr')
    .description('Attach a render pass (one image per frame) to a shot; missing and mismatched frames are reported.');
  metaOptions(pass);
  rightsOptions(pass);
  common(pass)
    .addHelpText('after', `
Exit status: 0 when every frame was linked, 2 when some were rejected (the others are linked), 1 on other errors.`)
    .action(async (shotName: string, passName: string, pattern: string, o: CommonOpts & MetaOpts) => {
    const r = await withProduction(o, (prod) => addShotPass(prod, shotName, passName, pattern, { meta: metaFrom(o) }));
    printResult(!!o.json, r, () => [
      `pass ${r.pass} of shot ${shotName}: ${r.linked} frames linked (${r.ingest.added} added, ${r.ingest.duplicates} already stored)`,
      r.missing.length ? `  MISSING pass frames: ${formatFrames(r.missing)}` : '',
      ...r.mismatched.map((m) => `  MISMATCH frame ${m.frame}: ${m.reason}`),
      ...r.rejected.map((x) => `  REJECTED frame ${x.frame}: ${x.file}: ${x.reason}`),
      r.outsideRange.length ? `  ignored frames outside the shot: ${formatFrames(r.outsideRange)}` : '',
    ].filter(Boolean).join('\n'));
    if (r.rejected.length) process.exitCode = 2;
  });

  const key = shot.command('keyframe')
    .argument('<shot>', 'shot name')
    .argument('[files...]', 'painted keyframe images; the frame number is the last number in each file name')
    .description('Attach painted keyframes to a shot. Each keyframe on a frame with a rough frame becomes a paintover pair (with that frame\'s render passes). A keyframe attached again on its frame replaces it; --remove takes keyframes off.')
    .option('--frame <n>', 'frame number (for a single file whose name has none)', integer)
    .option('--remove <frames>', 'take the keyframes of these frames off the shot (e.g. 12 or 3,7,20-24); their images, pairs and models trained on them stay');
  metaOptions(key);
  rightsOptions(key);
  common(key).action(async (shotName: string, files: string[], o: CommonOpts & MetaOpts & { frame?: number; remove?: string }) => {
    if (o.remove !== undefined) {
      if (files.length || o.frame !== undefined) throw new Error('--remove takes keyframes off; give no files or --frame with it');
      const frames = parseFrameList(o.remove);
      const r = await withProduction(o, (prod) => removeShotKeyframes(prod, shotName, frames));
      printResult(!!o.json, r, () => [
        r.removed.length ? `took the keyframes of frame${r.removed.length > 1 ? 's' : ''} ${formatFrames(r.removed)} off shot ${shotName}` : `no keyframe taken off shot ${shotName}`,
        ...(r.notKeyframes.length ? [`  not keyframes of ${shotName}: ${formatFrames(r.notKeyframes)}`] : []),
        `  painted keyframes: ${r.shot.keyframes.length ? r.shot.keyframes.join(', ') : 'none'}`,
      ].join('\n'));
      if (r.notKeyframes.length) process.exitCode = 2;
      return;
    }
    if (!files.length) throw new Error('give the painted keyframe files to attach (or --remove <frames>)');
    const { files: list } = expandInputs(files);
    const r = await withProduction(o, (prod) => addShotKeyframes(prod, shotName, list, { frame: o.frame, meta: metaFrom(o) }));
    printResult(!!o.json, r, () => r.keyframes.map((k) => k.status === 'linked'
      ? `keyframe ${k.frame}: #${k.assetId}${k.pairId ? `, paintover pair #${k.pairId}` : ''}${(k.warnings ?? []).map((w) => `\n  warning: ${w}`).join('')}`
      : `REJECTED ${k.file}: ${k.reason}`).join('\n'));
    if (r.keyframes.some((k) => k.status === 'rejected')) process.exitCode = 2;
  });

  common(shot.command('show').argument('<name>', 'shot name').description('Show a shot: range, fps, passes, keyframes, missing and mismatched frames; --json lists every frame with its files.'))
    .action(async (name: string, o: CommonOpts) => {
      const s = await withProduction(o, (prod) => getShot(prod, name));
      printResult(!!o.json, s, () => shotSummary(s));
    });

  common(shot.command('ls').description('List shots.')).action(async (o: CommonOpts) => {
    const shots = await withProduction(o, (prod) => listShots(prod));
    printResult(!!o.json, shots, () => shots.length
      ? table([['NAME', 'FRAMES', 'RANGE', 'FPS', 'KEYFRAMES', 'SOURCE'], ...shots.map((s) => [s.name, String(s.frames), `${s.range[0]}-${s.range[1]}`, String(s.fps), String(s.keyframes), s.sourceKind])])
      : 'no shots yet (atelier shot add <name> <pattern|video>)');
  });
}
