import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, renameSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { initProduction, ingestFiles, verifyProduction, linkPair, createDataset, getModelVersion, codeVersion, type IngestResult } from '../../src/store/index.js';
import { tempDir, writeImage, atelier } from './helpers.js';
import { forEachDialect } from './dialects.js';

const idOf = (r: IngestResult) => (r.status === 'rejected' ? assert.fail(r.reason) : r.asset.id);

forEachDialect((w) => {
  test('lineage: rendered frame → model version → dataset → training assets and their rights', async (t) => {
    const dir = tempDir(t);
    const prodDir = join(dir, 'prod');
    const prod = await w.init(prodDir, { defaultOwner: 'Studio North' });
    t.after(() => prod.close());
    const [painted] = await ingestFiles(prod, [await writeImage(join(dir, 'paint.png'), 1)], { kind: 'paintover', licence: 'work for hire', source: 'A. Painter', cleared: true });
    const [rough] = await ingestFiles(prod, [await writeImage(join(dir, 'rough.png'), 2)], { kind: 'rough_frame', licence: 'work for hire', cleared: true });
    const [concept] = await ingestFiles(prod, [await writeImage(join(dir, 'concept.png'), 3)], { kind: 'concept_art', owner: 'Guest Artist', licence: 'CC-BY-4.0', cleared: true });
    await linkPair(prod, idOf(painted), idOf(rough));
    const { snapshot } = await createDataset(prod, 'look-v1', { pairs: true, kinds: ['concept_art'] });

    const weights = join(dir, 'weights.bin');
    writeFileSync(weights, Buffer.from('pretend weights'));
    const modelId = await prod.registerModelVersion({ kind: 'look', datasetId: snapshot.id, config: { lr: 0.001, steps: 100 }, seed: 42, files: { 'weights.bin': weights }, metrics: { loss: 0.12 } });
    const model = await getModelVersion(prod, modelId);
    assert.equal(model.codeVersion, codeVersion());
    assert.match(model.codeVersion, /^([0-9a-f]{40}|atelier@.+)$/);
    assert.deepEqual(readFileSync(model.files[0].path), readFileSync(weights), 'weights copied into the store');

    const out = join(dir, 'out', 'final.1001.png');
    await writeImage(out, 99);
    const roughHash = snapshot.pairs[0].rough.hash;
    const renderId = await prod.recordRenderedFrame({ path: out, modelVersion: modelId, inputHashes: { rough: roughHash }, params: { strength: 0.8 } });
    assert.ok(renderId > 0);
    // The same bytes written later elsewhere (another shot from the same frames): each file names its own record.
    const twin = join(dir, 'out', 'twin.1001.png');
    await writeImage(twin, 99);
    const twinId = await prod.recordRenderedFrame({ path: twin, modelVersion: modelId, inputHashes: { rough: roughHash }, params: { strength: 0.8 } });
    assert.equal((await prod.lineage(out)).render!.id, renderId);
    assert.equal((await prod.lineage(twin)).render!.id, twinId);
    rmSync(twin);

    const l = await prod.lineage(out);
    assert.equal(l.subject.type, 'render');
    assert.equal(l.model!.id, modelId);
    assert.equal(l.dataset!.name, 'look-v1');
    assert.equal(l.render!.inputAssets[0].asset!.id, idOf(rough));
    assert.deepEqual(l.trainingAssets.map((a) => a.file).sort(), ['concept.png', 'paint.png', 'rough.png']);
    assert.deepEqual(l.rights.owners, { 'Studio North': 2, 'Guest Artist': 1 });
    assert.equal(l.rights.notCleared, 0);

    // CLI, JSON, after the output was moved: found by content.
    const moved = join(dir, 'delivered.png');
    renameSync(out, moved);
    // verify names recorded frames gone from their recorded paths (their records stay, as history).
    assert.deepEqual((await verifyProduction(prod)).missingRenders.sort(), [out, twin].sort());
    const cli = atelier(['lineage', moved, '--json', '--production', prodDir]);
    assert.equal(cli.status, 0, cli.stderr);
    const j = cli.json();
    assert.equal(j.subject.type, 'render');
    assert.equal(j.render.params.strength, 0.8);
    assert.equal(j.model.seed, 42);
    assert.deepEqual(j.model.config, { lr: 0.001, steps: 100 });
    assert.equal(j.dataset.manifestHash, snapshot.manifestHash);
    const c = j.trainingAssets.find((a: { file: string }) => a.file === 'concept.png');
    assert.deepEqual(c.rights, { owner: 'Guest Artist', licence: 'CC-BY-4.0', source: null, clearedForTraining: true });

    const text = atelier(['lineage', moved, '--production', prodDir]);
    assert.match(text.stdout, /model version #\d+ \(look\)/);
    assert.match(text.stdout, /concept\.png \(concept_art\) — owner Guest Artist, licence CC-BY-4.0/);

    // The weight file and a training asset have lineage too.
    assert.equal((await prod.lineage(model.files[0].path)).subject.type, 'model-file');
    const asAsset = await prod.lineage(join(dir, 'concept.png'));
    assert.equal(asAsset.subject.type, 'asset');
    assert.deepEqual(asAsset.asset!.models, [modelId]);

    const unknown = atelier(['lineage', weights + '.nope', '--production', prodDir]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no such file, and no render was recorded at this path/);
    await assert.rejects(prod.recordRenderedFrame({ path: moved, modelVersion: 999, inputHashes: [] }), /no model version #999/);
  });
});
