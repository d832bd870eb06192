// The look model: preprocessing, the trainer (loss goes down, sheets, model file), bit-identical
// resume after SIGKILL through the real CLI, stylize, and the errors users can hit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { makeConfig, inputChannels, parseConfig } from '../../src/models/look/config.js';
import { roughen } from '../../src/models/look/roughen.js';
import { buildInput } from '../../src/models/look/inputs.js';
import { trainLook } from '../../src/models/look/train.js';
import { loadLookModel, saveLookModel } from '../../src/models/look/model-file.js';
import { LookGenerator } from '../../src/models/look/generator.js';
import { stylizeFile } from '../../src/models/look/stylize.js';
import { hfRatio } from '../../src/metrics/index.js';
import { writePair } from './look-fixtures.js';

const bin = join(process.cwd(), 'bin', 'atelier');
const tiny = { arch: { baseChannels: 4, resBlocks: 1, discChannels: 4 }, train: { patchSize: 16, batchSize: 2, evalEvery: 10, sampleEvery: 20, checkpointEvery: 10 } };

const dir = mkdtempSync(join(tmpdir(), 'atelier-look-'));
const pairs = await Promise.all([0, 1, 2, 3, 4].map((i) => writePair(dir, i)));
const files = { pairs: pairs.map((p, i) => ({ id: `p${i}`, rough: p.rough, painted: p.painted, passes: { normal: p.normal } })), concepts: [] };

test('roughening flattens brush texture, stays in range, and is deterministic', async () => {
  const c = makeConfig([]);
  const { tensor } = await (await import('../../src/data/image-io.js')).loadImage(pairs[0]!.painted);
  E.tidy(() => {
    const r1 = roughen(tensor, c.roughen);
    const r2 = roughen(tensor, c.roughen);
    assert.deepEqual(r1.data(), r2.data());
    assert.ok(r1.min().item() >= 0 && r1.max().item() <= 1);
    assert.ok(hfRatio(r1, tensor) < 0.6, `texture kept: hf ratio ${hfRatio(r1, tensor)}`);
  });
  tensor.dispose();
});

test('the generator input has the configured channels; missing or mis-sized passes are named', () => {
  const c = makeConfig([{ name: 'normal', channels: 3 }, { name: 'depth', channels: 1 }]);
  E.tidy(() => {
    const rough = E.rand([1, 3, 20, 24]);
    const x = buildInput(c, rough, new Map([['normal', E.rand([1, 3, 20, 24])], ['depth', E.rand([1, 1, 20, 24])]]));
    assert.deepEqual(x.shape, [1, inputChannels(c), 20, 24]);
    assert.equal(inputChannels(c), 3 + 3 + 1 + 1 + 1);
    const none = buildInput(c, rough, null);
    assert.equal(none.slice(1, inputChannels(c) - 1).max().item(), 0, 'no-guides flag is 0');
    assert.throws(() => buildInput(c, rough, new Map([['normal', E.rand([1, 3, 20, 24])]])), /render pass "depth" is missing/);
    assert.throws(() => buildInput(c, rough, new Map([['normal', E.rand([1, 3, 10, 24])], ['depth', E.rand([1, 1, 20, 24])]])), /"normal" is 24x10 but the rough frame is 24x20/);
  });
});

test('training lowers the loss, writes sample sheets and a model that stylizes at any size', async () => {
  const config = makeConfig([{ name: 'normal', channels: 3 }], { ...tiny, train: { ...tiny.train, steps: 60, lr: 3e-3 } });
  const runDir = join(dir, 'run-a');
  const losses: number[] = [];
  const r = await trainLook({ runDir, config, files, resume: false }, { cancelled: false, progress: (e: any) => { if (e.type === 'step') losses.push(e.loss.l1); } });
  assert.equal(r.steps, 60);
  assert.equal(r.device, 'cpu', 'trained where computeDevice says (no GPU here)');
  assert.equal(r.heldOutPairs, 1);
  assert.equal(r.trainPairs, 4);
  const early = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
  const late = losses.slice(-10).reduce((a, b) => a + b) / 10;
  assert.ok(late < early * 0.8, `L1 went from ${early} to ${late}`);
  assert.ok(r.samples.length >= 3 && r.samples.every(existsSync));
  const meta = await sharp(r.samples.at(-1)!).metadata();
  assert.equal(meta.height, 3 * 40 + 2 * 4, 'one row per showcase example (3), 4 px apart');
  const model = loadLookModel(r.modelPath);
  const out = await stylizeFile(model, pairs[0]!.rough, { normal: pairs[0]!.normal });
  assert.deepEqual(out.shape, [1, 3, 40, 40]);
  await assert.rejects(stylizeFile(model, pairs[0]!.rough, {}), /needs the "normal" render pass/);
  out.dispose();
  model.generator.dispose();
});

test('a run stopped mid-way resumes bit-identically', async () => {
  const config = makeConfig([{ name: 'normal', channels: 3 }], { ...tiny, train: { ...tiny.train, steps: 40 } });
  const ctx = { cancelled: false, progress: () => {} };
  const whole = await trainLook({ runDir: join(dir, 'whole'), config, files, resume: false }, ctx);
  await assert.rejects(trainLook({ runDir: join(dir, 'parts'), config, files, resume: false, stopAfter: 25 }, ctx), /stopped at step 25/);
  const resumed = await trainLook({ runDir: join(dir, 'parts'), config, files, resume: true }, ctx);
  assert.equal(resumed.steps, 40);
  assert.deepEqual(readFileSync(resumed.modelPath), readFileSync(whole.modelPath));
  const other = makeConfig([{ name: 'normal', channels: 3 }], { ...tiny, train: { ...tiny.train, steps: 41 } });
  await assert.rejects(trainLook({ runDir: join(dir, 'parts'), config: other, files, resume: true }, ctx), /another configuration/);
});

test('a model file whose roughen config is missing or mistyped is refused when loaded, naming the file and the values', () => {
  const config = makeConfig([], { arch: tiny.arch });
  const g = new LookGenerator(inputChannels(config), config.arch);
  const cases: [string, unknown, RegExp][] = [
    ['null', null, /roughen null\)/], ['missing', undefined, /roughen missing\)/],
    ['typed', { ...config.roughen, blurSigma: 'abc', levels: 1 }, /\(blurSigma "abc", levels 1\)/],
    ['partial', { blurSigma: 1 }, /\(levels missing, lineStrength missing, lineThreshold missing, noise missing\)/],
  ];
  for (const [name, roughen, detail] of cases) {
    const path = join(dir, `roughen-${name}.safetensors`);
    saveLookModel(path, { ...config, roughen } as typeof config, g.stateDict());
    assert.throws(() => loadLookModel(path), (e: Error) => e.message.startsWith(`${path}: the model's roughen config is malformed (`) && detail.test(e.message), name);
  }
  g.dispose();
});

/** A production with the synthetic pairs, through the CLI. */
function cli(args: string[], cwd = dir): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ATELIER_THREADS: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A production holding the synthetic pairs (or the first n) and a dataset d1 of them. */
function pairsProduction(name: string, n = pairs.length): string {
  const prod = join(dir, name);
  assert.equal(cli(['init', prod]).status, 0);
  for (const p of pairs.slice(0, n)) {
    const add = (f: string, kind: string) => JSON.parse(cli(['add', f, '--kind', kind, '--cleared', '--json', '--production', prod]).stdout).results[0].asset.id as number;
    const painted = add(p.painted, 'paintover');
    const rough = add(p.rough, 'rough-frame');
    const normal = add(p.normal, 'render-pass');
    const linked = cli(['pair', String(painted), String(rough), '--pass', `normal=${normal}`, '--production', prod]);
    assert.equal(linked.status, 0, linked.stderr);
  }
  assert.equal(cli(['dataset', 'create', 'd1', '--pairs', '--production', prod]).status, 0);
  return prod;
}

test('train look and train keyframes refuse bad numeric options, naming them, before a run or model exists', () => {
  const prod = pairsProduction('prod-options', 1);
  const cases: [string[], RegExp][] = [
    [['--steps', '0'], /look config: steps must be a whole number >= 1, got 0/],
    [['--steps', '-1'], /steps must be a whole number >= 1, got -1/],
    [['--batch', '0'], /batch size must be a whole number >= 1, got 0/],
    [['--channels', '0'], /channels must be a whole number from 1 to 96 \(the generator's widest layer\), got 0/],
    [['--channels', '2000'], /channels must be a whole number from 1 to 96 .*got 2000/],
    [['--patch', '12'], /patch size must be a multiple of 8 \(the generator's downsampling\), got 12/],
    [['--patch', '0'], /patch size must be a multiple of 8 .*got 0/],
    [['--seed', '-1'], /seed must be a whole number >= 0, got -1/],
    [['--eval-every', '0'], /eval interval must be a whole number >= 1, got 0/],
    [['--checkpoint-every', '0'], /checkpoint interval must be a whole number >= 1, got 0/],
    [['--budget', '0s'], /budget must be positive seconds, got 0/],
  ];
  for (const [opts, message] of cases) {
    const r = cli(['train', 'look', '--dataset', 'd1', ...opts, '--production', prod]);
    assert.equal(r.status, 1, opts.join(' '));
    assert.match(r.stderr, message, opts.join(' '));
  }
  // Checked before the shot is looked up (there is none here), the snapshot made or a model loaded.
  for (const [opts, message] of [[['--seed', '-1'], /look config: seed must be a whole number >= 0, got -1/], [['--budget', '0s'], /budget must be positive seconds, got 0/]] as const) {
    const r = cli(['train', 'keyframes', 'sh010', ...opts, '--production', prod]);
    assert.equal(r.status, 1, opts.join(' '));
    assert.match(r.stderr, message, opts.join(' '));
  }
  assert.ok(!existsSync(join(prod, 'runs')), 'no run folder was made');
  assert.deepEqual(JSON.parse(cli(['ls', 'models', '--json', '--production', prod]).stdout), [], 'no model version was registered');
  // The widest first layer train accepts is one a model file may have.
  const widest = makeConfig([], { arch: { baseChannels: 96 } });
  assert.doesNotThrow(() => parseConfig(JSON.stringify(widest), 'widest'));
});

test('train look through the CLI resumes bit-identically after SIGKILL', async () => {
  const prod = pairsProduction('prod');
  const args = ['train', 'look', '--dataset', 'd1', '--steps', '150', '--patch', '16', '--batch', '2', '--channels', '4', '--checkpoint-every', '10', '--eval-every', '50', '--production', prod, '--json'];
  const whole = cli(args);
  assert.equal(whole.status, 0, whole.stderr);
  const wholeModel = JSON.parse(whole.stdout).result.modelPath as string;

  // Second run: SIGKILL once a checkpoint exists, then --resume.
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, ATELIER_THREADS: '1' }, stdio: 'ignore' });
  const runsDir = join(prod, 'runs');
  const before = new Set(readdirSync(runsDir));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const fresh = readdirSync(runsDir).filter((n) => !before.has(n));
      if (fresh.length && existsSync(join(runsDir, fresh[0]!, 'checkpoint.safetensors'))) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => { clearInterval(timer); reject(new Error('training finished before it could be killed')); });
  });
  await new Promise((r) => child.on('exit', r));
  const resumed = cli([...args.filter((a) => a !== '--json'), '--resume', '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const out = JSON.parse(resumed.stdout);
  assert.ok(out.result.steps === 150);
  assert.deepEqual(readFileSync(out.result.modelPath), readFileSync(wholeModel), 'resumed model is byte-identical to the uninterrupted one');

  // stylize with a model version and lineage.
  const st = cli(['stylize', pairs[0]!.rough, '--pass', `normal=${pairs[0]!.normal}`, '--model', String(out.modelVersion), '-o', join(dir, 'still.png'), '--production', prod, '--json']);
  assert.equal(st.status, 0, st.stderr);
  assert.ok(existsSync(join(dir, 'still.png')));
  const lin = JSON.parse(cli(['lineage', join(dir, 'still.png'), '--production', prod, '--json']).stdout);
  assert.match(JSON.stringify(lin), /cleared/);
  const bad = cli(['stylize', pairs[0]!.rough, '--model', String(out.modelVersion), '--pass', 'normal', '--production', prod]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--pass takes NAME=FILE/);
  // An output name other than .png is refused before any work (PNG bytes were written under .exr).
  const exr = cli(['stylize', pairs[0]!.rough, '--model', String(out.modelVersion), '-o', join(dir, 'still.exr'), '--production', prod]);
  assert.equal(exr.status, 1);
  assert.match(exr.stderr, /still\.exr: stylize writes PNG stills; give a \.png name/);
  assert.ok(!existsSync(join(dir, 'still.exr')));
});

test('Ctrl-C during train look stops after the step with a checkpoint, registers nothing, exits 130, and --resume finishes it bit-identically', async () => {
  const prod = pairsProduction('prod-sigint');
  const args = ['train', 'look', '--dataset', 'd1', '--steps', '40', '--patch', '16', '--batch', '2', '--channels', '4', '--checkpoint-every', '10', '--eval-every', '20', '--production', prod];
  const whole = cli([...args, '--json']);
  assert.equal(whole.status, 0, whole.stderr);
  const wholeModel = JSON.parse(whole.stdout).result.modelPath as string;

  // SIGINT once the first checkpoint exists, i.e. mid-run (the loop must see it between steps).
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, ATELIER_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const runsDir = join(prod, 'runs');
  const before = new Set(readdirSync(runsDir));
  let fresh = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      fresh = readdirSync(runsDir).find((n) => !before.has(n)) ?? '';
      if (fresh && existsSync(join(runsDir, fresh, 'checkpoint.safetensors'))) {
        clearInterval(timer);
        child.kill('SIGINT');
        resolve();
      }
    }, 20);
    void exited.then(() => { clearInterval(timer); reject(new Error('training finished before it could be interrupted')); });
  });
  // Before the fix the signal waited for all 40 steps; a step here is tens of ms.
  const late = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const status = await exited;
  clearTimeout(late);
  assert.equal(status, 130, stderr);
  const m = /training cancelled at step (\d+) of 40, checkpoint written to .*; no model registered\. Continue it with: atelier train look --dataset d1 --resume\n/.exec(stderr);
  assert.ok(m, stderr);
  assert.ok(Number(m[1]) >= 10 && Number(m[1]) < 40, stderr);
  assert.ok(existsSync(join(runsDir, fresh, 'checkpoint.safetensors')));
  assert.ok(!existsSync(join(runsDir, fresh, 'model.safetensors')), 'no model file for a cancelled run');
  assert.equal(JSON.parse(cli(['ls', 'models', '--json', '--production', prod]).stdout).length, 1, 'the cancelled run registered nothing');

  const resumed = cli([...args, '--resume', '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const out = JSON.parse(resumed.stdout);
  assert.equal(out.runDir, join(runsDir, fresh));
  assert.equal(out.result.steps, 40);
  assert.deepEqual(readFileSync(out.result.modelPath), readFileSync(wholeModel), 'resumed model is byte-identical to the uninterrupted one');
});

test('train look --resume of a run that finished names its model version and registers nothing', () => {
  const prod = pairsProduction('prod-finished', 1);
  const args = ['train', 'look', '--dataset', 'd1', '--steps', '5', '--patch', '16', '--batch', '2', '--channels', '4', '--production', prod];
  const done = cli([...args, '--json']);
  assert.equal(done.status, 0, done.stderr);
  const { modelVersion, runDir } = JSON.parse(done.stdout) as { modelVersion: number; runDir: string };
  // Before, each of these trained nothing and registered the run again as a new model version.
  for (const resume of [['--resume'], ['--resume', runDir]]) {
    const again = cli([...args, ...resume]);
    assert.equal(again.status, 1, resume.join(' '));
    assert.equal(again.stderr, `atelier: run ${runDir} already finished as model version #${modelVersion}: nothing to resume (to train again, start a new run without --resume)\n`);
  }
  assert.deepEqual(JSON.parse(cli(['ls', 'models', '--json', '--production', prod]).stdout).map((m: { id: number }) => m.id), [modelVersion]);
});
