// The sample production end to end, shared by `npm run demo` and `npm run bench -- look`:
// generate (or reuse) the procedural sample, import it into a fresh production, train, render.
import { existsSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSampleProduction, SAMPLE_GENERATOR, type SampleManifest, type SampleOptions } from '../sample/index.js';
import { importSampleProduction } from '../sample/import.js';
import { testShots } from '../sample/scenes.js';
import { initProduction, type Production } from '../store/index.js';

/**
 * The sample production's files, generated once and reused while the manifest exists and matches:
 * the same test shots, and the frame size and frames per test shot of `options` where given (the
 * 1080p benchmark's sample lives in its own folder). `options` also go to the generator.
 */
export async function ensureSample(dir: string, log: (m: string) => void, options: Omit<SampleOptions, 'onProgress'> = {}): Promise<SampleManifest> {
  const manifest = join(dir, 'manifest.json');
  // A sample made by an older version (other test shots) or with other settings is regenerated, so benchmarks see every shot.
  const stale = existsSync(manifest) ? (() => {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as SampleManifest;
    const tests = m.scenes.filter((s) => s.split === 'test');
    if (tests.map((s) => s.name).join(',') !== testShots(2).map((s) => s.name).join(',')) return 'its test shots changed';
    if ((m.generator ?? 1) !== SAMPLE_GENERATOR) return 'an older generator made it';
    if ((options.width !== undefined && m.width !== options.width) || (options.height !== undefined && m.height !== options.height)) return `it is ${m.width}x${m.height}`;
    if (options.shotFrames !== undefined && tests.some((s) => s.frames !== Math.max(2, options.shotFrames!))) return 'its shots have another length';
    if (options.seed !== undefined && m.seed !== options.seed) return 'its seed differs';
    return null;
  })() : null;
  if (!existsSync(manifest) || stale) {
    const size = options.width || options.height ? ` at ${options.width ?? 256}x${options.height ?? 256}` : '';
    log(`${stale ? `regenerating (${stale})` : 'generating'} the procedural sample production${size} in ${dir} ...`);
    let last = Date.now();
    const r = await generateSampleProduction(dir, {
      ...options,
      onProgress: (done, total, what) => {
        if (Date.now() - last < 30000) return;
        last = Date.now();
        log(`  ${done}/${total} frames (${what})`);
      },
    });
    log(`  ${r.files} files in ${r.seconds.toFixed(1)} s (ray casting ${r.timings.raycast.toFixed(0)} s, painting ${r.timings.paint.toFixed(0)} s)`);
  } else log(`reusing the sample production in ${dir}`);
  return JSON.parse(readFileSync(manifest, 'utf8')) as SampleManifest;
}

/** A fresh production with the sample imported; returns it open, with its dataset name. */
export async function freshProduction(prodDir: string, sampleDir: string, log: (m: string) => void): Promise<{ prod: Production; dataset: string }> {
  if (existsSync(prodDir)) rmSync(prodDir, { recursive: true, force: true });
  const prod = await initProduction(prodDir, { name: 'Atelier sample production' });
  log(`importing the sample into the production ${prodDir} ...`);
  const r = await importSampleProduction(sampleDir, prod, { onProgress: () => {} });
  log(`  ${r.pairs} paintover pairs, ${r.concepts} concept paintings, ${r.sheets} character sheets, ${r.shots.length} shots; dataset ${r.datasetName}`);
  return { prod, dataset: r.datasetName };
}

/** Test-shot frames with their held-out ground truth, leaving out the painted keyframes. */
export function testFrames(m: SampleManifest, sampleDir: string, shot: string): { frame: number; rough: string; gt: string }[] {
  const keyframes = new Set(m.scenes.find((s) => s.name === shot)?.keyframes ?? []);
  return m.files
    .filter((f) => f.kind === 'ground_truth' && f.scene === shot && !keyframes.has(f.frame) && f.rough)
    .map((f) => ({ frame: f.frame, rough: join(sampleDir, f.rough!), gt: join(sampleDir, f.path) }))
    .sort((a, b) => a.frame - b.frame);
}
