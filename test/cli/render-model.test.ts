// Which look model renders a shot when none is named: the newest of the production's look models and
// the shot's own keyframe models (jobs/model-ref.ts), for `atelier render`, the farm's submit and
// the dailies' render job. The user's case: a video shot with one painted keyframe, `train
// keyframes --from-scratch`, no production look model, then `render` without --model.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as E from '../../src/engine/index.js';
import { initProduction, addShot, addShotPass, addShotKeyframes, getModelVersion, listModelVersions, createDataset, type Production } from '../../src/store/index.js';
import { runTrainLook } from '../../src/jobs/train-look.js';
import { saveImage } from '../../src/data/image-io.js';
import { encodeMotionPass, MOTION_PASS } from '../../src/render/motion-pass.js';
import { DEFAULT_COHERENCE, MOTION_COHERENCE } from '../../src/render/coherence.js';
import { runTrainKeyframes, KEYFRAME_SAMPLE_CROP, type TrainKeyframesResult } from '../../src/jobs/train-keyframes.js';
import { resolveLookModel } from '../../src/jobs/model-ref.js';
import { renderShotJob } from '../../src/server/jobs/handlers.js';
import { renderOnFarm } from '../../src/cli/commands/render-farm.js';

E.setNumThreads(1);
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
// Frames wider and taller than the keyframe sample crop, so the crop shows.
const W = 288, H = 272, FRAMES = 4;
let root = '';
let dir = '';
let prod: Production;
let kf: TrainKeyframesResult;

async function writeFrames(folder: string, shift: number, painted = false): Promise<void> {
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < FRAMES; i++) {
    const px = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const k = (y * W + x) * 3;
      const disc = (x - 90 - 6 * i - shift) ** 2 + (y - 130) ** 2 < 50 ** 2;
      px[k] = disc ? 210 : 60 + (x * 120) / W; px[k + 1] = disc ? 70 : 100 + (y * 100) / H; px[k + 2] = disc ? 50 : 150;
      if (painted) for (let c = 0; c < 3; c++) px[k + c] = Math.min(255, Math.round(px[k + c]! * 0.8 + [50, 30, 0][c]! + ((x + 2 * y) % 7 < 3 ? 15 : 0)));
    }
    await sharp(px, { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(folder, `${painted ? 'paint' : 'rough'}.${String(i).padStart(4, '0')}.png`));
  }
}

function atelier(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args, '--production', dir], { encoding: 'utf8', env: { ...process.env, ATELIER_THREADS: '1', ATELIER_QUEUE: '', ATELIER_QUEUE_CONNECT_SECONDS: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const versions = (shot: string) => (existsSync(join(dir, 'renders', shot)) ? readdirSync(join(dir, 'renders', shot)).sort() : []);

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-render-model-'));
  await writeFrames(join(root, 'sh010'), 0);
  await writeFrames(join(root, 'sh010'), 0, true);
  await writeFrames(join(root, 'sh020'), 40);
  dir = join(root, 'production');
  prod = await initProduction(dir, { name: 'render model test', defaultOwner: 'Test Studio', defaultLicence: 'work for hire' });
  const meta = { cleared: true };
  await addShot(prod, 'sh010', join(root, 'sh010', 'rough.####.png'), { fps: 24, meta });
  await addShot(prod, 'sh020', join(root, 'sh020', 'rough.####.png'), { fps: 24, meta });
  await addShotKeyframes(prod, 'sh010', [join(root, 'sh010', 'paint.0000.png')], { meta });
  // No production look model: the shot's model is trained from random weights, as on real footage.
  kf = await runTrainKeyframes(prod, { shot: 'sh010', model: null, budgetSeconds: 1 }, () => {});
});

after(async () => {
  await prod.close();
  rmSync(root, { recursive: true, force: true });
});

test('keyframe sample sheets show the keyframes\' centre at 100%, not whole frames', async () => {
  const sheet = kf.result.samples.at(-1)!;
  const meta = await sharp(sheet).metadata();
  // rough | output | painting, 4 px gaps, one keyframe row: 256 px crops of the 288x272 frames.
  assert.deepEqual([meta.width, meta.height], [3 * KEYFRAME_SAMPLE_CROP + 2 * 4, KEYFRAME_SAMPLE_CROP]);
});

test('train keyframes without a production look model and without --from-scratch says what to do', async () => {
  await assert.rejects(runTrainKeyframes(prod, { shot: 'sh010', budgetSeconds: 1 }, () => {}),
    /no look model to adapt to shot sh010: train one with `atelier train look --dataset <snapshot>`, or .*`atelier train keyframes sh010 --from-scratch`/);
});

test('a keyframe or a dataset pair painted at another size than its rough frame is refused before training, naming frame and files', async () => {
  // sh010's rough frames, a keyframe painted at half size on frame 2.
  await addShot(prod, 'sh050', join(root, 'sh010', 'rough.####.png'), { fps: 24, meta: { cleared: true } });
  const half = join(root, 'half.0002.png');
  await sharp(join(root, 'sh010', 'paint.0002.png')).resize(W / 2, H / 2).toFile(half);
  await addShotKeyframes(prod, 'sh050', [half], { meta: { cleared: true } });
  const before = (await listModelVersions(prod)).length;
  await assert.rejects(runTrainKeyframes(prod, { shot: 'sh050', model: null, budgetSeconds: 1 }, () => {}),
    new RegExp(`shot sh050's painted keyframes cannot be trained on: frame 2: painting #\\d+ half\\.0002\\.png is ${W / 2}×${H / 2}, its rough frame #\\d+ rough\\.0002\\.png is ${W}×${H}`));
  const pairId = (await prod.shot('sh050')).frames[2]!.pairId!;
  await createDataset(prod, 'with-half', { pairIds: [pairId] });
  await assert.rejects(runTrainLook(prod, { dataset: 'with-half' }, () => {}), new RegExp(`dataset with-half holds pairs training cannot read: pair #${pairId}: painting`));
  assert.equal((await listModelVersions(prod)).length, before, 'no model registered');
});

test('render without --model and no production look model: the shot\'s own keyframe model', async () => {
  const r = atelier('render', 'sh010', '--no-movie', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.model, kf.modelVersion);
  assert.equal(j.modelKind, 'look-keyframes');
  assert.equal(j.quality, 'preview');
  assert.equal(j.frames, FRAMES);
  // In text, a preview says what the final would add: here the shot's keyframes' strokes.
  const t = atelier('render', 'sh010', '--no-movie', '--frames', '0');
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /preview: the look model alone; --quality final paints with the strokes of the shot's keyframes/);
  // An --output that is a file, or lies under one, is named before any work (it was a bare EEXIST / ENOTDIR).
  const file = join(root, 'not-a-folder');
  writeFileSync(file, 'x');
  for (const [out, why] of [[file, 'it exists and is not a folder'], [join(file, 'v1'), `${file} is not a folder`]] as const) {
    const bad = atelier('render', 'sh010', '--no-movie', '--frames', '0', '--output', out);
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim(), `atelier: output folder ${out}: ${why}`);
  }
  assert.equal(readFileSync(file, 'utf8'), 'x');
});

test('--resume keeps frames only where their lineage matches this render: another model, re-imported frames or other settings are refused', async () => {
  await addShot(prod, 'sh040', join(root, 'sh020', 'rough.####.png'), { fps: 24, meta: { cleared: true } });
  const out = join(root, 'resume-out');
  const render = (...flags: string[]) => atelier('render', 'sh040', '--model', String(kf.modelVersion), '--no-movie', '--output', out, ...flags);
  assert.equal(render().status, 0);
  const whole = readFileSync(join(out, 'sh040.0003.png'));
  rmSync(join(out, 'sh040.0003.png'));
  const resumed = render('--resume');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(readFileSync(join(out, 'sh040.0003.png')), whole, 'same inputs: frames 0-2 kept, frame 3 as before');
  rmSync(join(out, 'sh040.0003.png'));
  const bits = render('--resume', '--bits', '16');
  assert.equal(bits.status, 1);
  assert.match(bits.stderr, /--resume would keep frames of shot sh040 that this render would not write: frame 0 written with other settings; frame 1 written with other settings; frame 2 written with other settings\. Render into a new version/);
  // The shot re-imported from other rough frames: the kept frames were made from the old ones.
  await addShot(prod, 'sh040', join(root, 'sh010', 'rough.####.png'), { fps: 24, meta: { cleared: true }, replace: true });
  const moved = render('--resume');
  assert.equal(moved.status, 1);
  assert.match(moved.stderr, /frame 0 its rough has changed since; frame 1 its rough has changed since/);
  assert.ok(!existsSync(join(out, 'sh040.0003.png')), 'nothing written');
});

test('render picks the blend from the shot\'s passes unless --flow says: the motion pass where every frame has one, else optical flow', async () => {
  // sh010's rough frames again, with a motion pass: the disc moves 6 px right a frame.
  await addShot(prod, 'sh030', join(root, 'sh010', 'rough.####.png'), { fps: 24, meta: { cleared: true } });
  const passDir = join(root, 'sh030');
  mkdirSync(passDir, { recursive: true });
  for (let i = 0; i < FRAMES; i++) {
    const back = E.tensor(new Float32Array(2 * H * W).map((_, k) => (k < H * W ? -6 : 0)), [1, 2, H, W]);
    const visible = E.full([1, 1, H, W], i === 0 ? 0 : 1);
    const pass = encodeMotionPass({ back, visible });
    await saveImage(join(passDir, `${MOTION_PASS}.${String(i).padStart(4, '0')}.png`), pass, 16);
    E.disposeAll([back, visible, pass]);
  }
  await addShotPass(prod, 'sh030', MOTION_PASS, join(passDir, `${MOTION_PASS}.####.png`), { meta: { cleared: true } });
  const blend = (...flags: string[]) => {
    const r = atelier('render', 'sh030', '--model', String(kf.modelVersion), '--no-movie', '--frames', '0-1', '--json', ...flags);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout).blend;
  };
  assert.deepEqual(blend(), { flow: 'motion', window: MOTION_COHERENCE.window });
  assert.deepEqual(blend('--flow', 'dis'), { flow: 'dis', window: DEFAULT_COHERENCE.window });
  assert.deepEqual(blend('--window', '1'), { flow: 'motion', window: 1 });
  assert.equal(blend('--no-coherence'), null);
  // sh010 has no motion pass: optical flow.
  const r = atelier('render', 'sh010', '--no-movie', '--frames', '0', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).blend, { flow: 'dis', window: DEFAULT_COHERENCE.window });
});

test('--device: where the look model runs, recorded with the model it trained; an unknown or unreachable device fails first, writing nothing', async () => {
  assert.equal(kf.result.device, E.computeDevice());
  assert.equal(((await getModelVersion(prod, kf.modelVersion)).metrics as { device: string }).device, kf.result.device);
  const before = versions('sh010');
  const bad = atelier('render', 'sh010', '--no-movie', '--device', 'gpu');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /device "gpu" is not known: use cpu, cuda, cuda:N or auto/);
  if (!E.runtimeInfo().cudaAvailable) {
    const none = atelier('train', 'keyframes', 'sh010', '--from-scratch', '--device', 'cuda');
    assert.equal(none.status, 1);
    assert.match(none.stderr, /device "cuda" is not available: this libtorch build has no CUDA/);
  }
  assert.deepEqual(versions('sh010'), before);
  const ok = atelier('render', 'sh010', '--no-movie', '--frames', '1', '--device', 'cpu', '--json');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).frames, 1);
});

test('a shot with no model of its own and no production model: a clear error naming both commands, locally and on the farm', async () => {
  const before = versions('sh020');
  const message = /this production has no look model for shot sh020 yet: run `atelier train look --dataset <snapshot>` or `atelier train keyframes sh020` first/;
  const others = new RegExp(`keyframe models of other shots \\(#${kf.modelVersion} \\(sh010\\)\\) are used only when named with --model`);
  const r = atelier('render', 'sh020', '--no-movie');
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, message);
  assert.match(r.stderr, others);
  // The farm's submit resolves the same way, before any queue is made.
  const farm = { production: dir, queue: 'redis://127.0.0.1:1', coherence: true, bits: '8' as const, movie: false, json: true };
  await assert.rejects(renderOnFarm('sh020', farm), (err: Error) => message.test(err.message) && others.test(err.message));
  assert.deepEqual(versions('sh020'), before, 'no empty version folder left behind');
  // sh010's keyframe model is found; only the unreachable queue stops the submit (in a process of its
  // own: a queue client that never connected keeps retrying in the background).
  const sub = atelier('render', 'sh010', '--no-movie', '--farm', '--queue', 'redis://127.0.0.1:1');
  assert.equal(sub.status, 1);
  assert.match(sub.stderr, /cannot reach the farm's Redis at 127\.0\.0\.1:1/);
});

test('with a production look model: the newest of it and the shot\'s keyframe models; the dailies\' render job alike', async () => {
  const v = await getModelVersion(prod, kf.modelVersion);
  const weights = v.files.find((f) => f.name.endsWith('.safetensors'))!.path;
  const register = (kind: string, metrics: Record<string, unknown>) =>
    prod.registerModelVersion({ kind, datasetId: v.datasetId, config: v.config, seed: 1, files: { 'model.safetensors': weights }, metrics });
  const pick = async (shot?: string) => {
    const r = await resolveLookModel(prod, undefined, shot !== undefined ? { shot } : {});
    r.model.generator.dispose();
    return r.version;
  };
  const look = await register('look', {});
  // The production model is newer than sh010's keyframe model: it renders every shot.
  assert.deepEqual([await pick('sh010'), await pick('sh020'), await pick()], [look, look, look]);
  const keys2 = await register('look-keyframes', { shot: 'sh010' });
  // sh010's keyframes retrained after it: sh010 renders with them; other shots and stills keep the production model.
  assert.deepEqual([await pick('sh010'), await pick('sh020'), await pick()], [keys2, look, look]);
  // A named model is taken as named.
  const named = await resolveLookModel(prod, String(kf.modelVersion), { shot: 'sh020' });
  named.model.generator.dispose();
  assert.equal(named.version, kf.modelVersion);
  // The dailies' render job without a model version: the same default.
  const ctx = { progress: () => {}, cancelled: false } as unknown as Parameters<typeof renderShotJob>[1];
  const job = await renderShotJob({ productionDir: dir, shot: 'sh010', range: [0, 1] }, ctx);
  assert.equal(job.frames, 2);
  assert.match(basename(job.dir), /^v\d{3}$/, 'dailies renders claim versions under the one vNNN scheme');
});
