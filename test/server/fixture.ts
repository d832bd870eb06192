// A small production for the server tests, made in a second or two: six rough frames of a shot,
// a rendered version of them with per-frame coherence, concept art (one not cleared), a dataset
// snapshot, a model version with a run folder (history + a sample sheet), and tokens per role.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { addShot, createDataset, updateAssets, ingestFiles, initProduction, type Production } from '../../src/store/index.js';
import { migrateServer } from '../../src/server/db.js';
import { createToken } from '../../src/server/auth.js';

export const W = 64, H = 48, FRAMES = 6;

/** A frame: a flat background with a square that moves with t; `tint` shifts the colours. */
export async function framePng(t: number, tint: [number, number, number], w = W, h = H): Promise<Buffer> {
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const inSq = x >= 8 + t * 6 && x < 20 + t * 6 && y >= 14 && y < 30;
    const o = (y * w + x) * 3;
    px[o] = inSq ? 230 : Math.min(255, 40 + tint[0] + x);
    px[o + 1] = inSq ? 90 : Math.min(255, 60 + tint[1] + y);
    px[o + 2] = inSq ? 40 : Math.min(255, 90 + tint[2]);
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

/** The shot version a recorded frame belongs to (the store's shot_versions id). */
export async function versionOf(prod: Production, renderId: number): Promise<number> {
  return (await prod.db.selectFrom('renders').select('version_id').where('id', '=', renderId).executeTakeFirstOrThrow()).version_id!;
}

export interface Fixture {
  dir: string;
  prod: Production;
  tokens: { viewer: string; artist: string; artist2: string; supervisor: string };
  versionId: number;
  conceptIds: number[];
}

export async function makeFixture(): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'atelier-server-'));
  const src = join(root, 'src');
  mkdirSync(join(src, 'rough'), { recursive: true });
  for (let f = 1; f <= FRAMES; f++) writeFileSync(join(src, 'rough', `sh010_rough.${String(f).padStart(4, '0')}.png`), await framePng(f, [0, 0, 0]));
  writeFileSync(join(src, 'forest_concept.png'), await framePng(2, [80, 40, 0], 96, 64));
  writeFileSync(join(src, 'mira_sheet.png'), await framePng(4, [0, 80, 60], 96, 64));
  writeFileSync(join(src, 'borrowed.png'), await framePng(3, [120, 0, 120], 96, 64));

  const dir = join(root, 'production');
  const prod = await initProduction(dir, { name: 'Server test production', defaultOwner: 'Test Studio', defaultLicence: 'work for hire' });
  await addShot(prod, 'sh010', join(src, 'rough', 'sh010_rough.####.png'), { fps: 12, meta: { cleared: true } });
  const concept = await ingestFiles(prod, [join(src, 'forest_concept.png')], { kind: 'concept_art', tags: ['forest', 'day'], characters: ['mira'], cleared: true });
  const sheet = await ingestFiles(prod, [join(src, 'mira_sheet.png')], { kind: 'character_sheet', tags: ['turnaround'], characters: ['mira'], cleared: true });
  const borrowed = await ingestFiles(prod, [join(src, 'borrowed.png')], { kind: 'concept_art', tags: ['reference'], cleared: false });
  const conceptIds = [concept, sheet, borrowed].map((r) => (r[0] as { asset: { id: number } }).asset.id);
  await updateAssets(prod, [conceptIds[2]!], { owner: null, licence: null }); // rights unknown
  await createDataset(prod, 'look-test', { kinds: ['concept_art', 'character_sheet'], onlyCleared: true });

  // A model version whose run folder has a loss history and a sample sheet.
  const run = join(dir, 'runs', 'look-look-test-20260101T000000Z');
  mkdirSync(join(run, 'samples'), { recursive: true });
  writeFileSync(join(run, 'history.json'), JSON.stringify({
    losses: Array.from({ length: 10 }, (_, i) => ({ step: (i + 1) * 10, seconds: i, lr: 1e-4, total: 3 / (i + 1), l1: 0.3 / (i + 1), feature: 0.5 / (i + 1), gram: 0.1, adv: 0, disc: 0 })),
    evals: [{ step: 50, seconds: 5, psnr: 18.5 }, { step: 100, seconds: 10, psnr: 20.1 }],
  }));
  writeFileSync(join(run, 'samples', 'step-000100.png'), await framePng(1, [20, 20, 20], 192, 48));
  writeFileSync(join(run, 'model.safetensors'), Buffer.from('not a real model; the tests never load it'));
  const modelVersion = await prod.registerModelVersion({
    kind: 'look', datasetId: 'look-test', config: { test: true }, seed: 1, files: { 'model.safetensors': join(run, 'model.safetensors') },
    metrics: { held_out_psnr: 20.1, steps: 100, run },
  });

  // A rendered version of the shot (what renderShotFrames records), with per-frame coherence.
  const shot = await prod.shot('sh010');
  const out = join(dir, 'renders', 'sh010', `v${modelVersion}`);
  mkdirSync(out, { recursive: true });
  let versionId = 0;
  const coherence: Record<string, number> = {};
  for (const f of shot.frames) {
    const path = join(out, `sh010.${String(f.frame).padStart(4, '0')}.png`);
    writeFileSync(path, await framePng(f.frame, [100, 50, -60]));
    const id = await prod.recordRenderedFrame({ path, modelVersion, inputHashes: { rough: f.rough!.hash }, params: { shot: 'sh010', frame: f.frame, bits: 8 } });
    versionId ||= await versionOf(prod, id);
    coherence[String(f.frame)] = 0.01 + 0.004 * Math.abs(f.frame - 3);
  }
  writeFileSync(join(out, 'coherence.json'), JSON.stringify(coherence));

  const db = await migrateServer(prod);
  const tokens = {
    viewer: (await createToken(db, 'vic', 'viewer')).token,
    artist: (await createToken(db, 'ana', 'artist')).token,
    artist2: (await createToken(db, 'art', 'artist')).token,
    supervisor: (await createToken(db, 'sue', 'supervisor')).token,
  };
  return { dir, prod, tokens, versionId, conceptIds };
}

/** Records a rendered version of a shot into renders/<shot>/<folder>, its frames drawn with `tint`; returns its version id. */
export async function addVersion(fx: Fixture, shotName: string, folder: string, tint: [number, number, number]): Promise<number> {
  const shot = await fx.prod.shot(shotName);
  const model = (await fx.prod.db.selectFrom('model_versions').select('id').executeTakeFirstOrThrow()).id;
  const out = join(fx.dir, 'renders', shotName, folder);
  mkdirSync(out, { recursive: true });
  let id = 0;
  for (const f of shot.frames) {
    const path = join(out, `${shotName}.${String(f.frame).padStart(4, '0')}.png`);
    writeFileSync(path, await framePng(f.frame, tint));
    const r = await fx.prod.recordRenderedFrame({ path, modelVersion: model, inputHashes: { rough: f.rough!.hash }, params: { shot: shotName, frame: f.frame } });
    id ||= await versionOf(fx.prod, r);
  }
  return id;
}

/** A second shot (sh020, four rough frames) for moving between shots. */
export async function addSecondShot(fx: Fixture): Promise<void> {
  const src = join(dirname(fx.dir), 'src', 'rough20');
  mkdirSync(src, { recursive: true });
  for (let f = 1; f <= 4; f++) writeFileSync(join(src, `sh020_rough.${String(f).padStart(4, '0')}.png`), await framePng(f + 1, [0, 0, 0]));
  await addShot(fx.prod, 'sh020', join(src, 'sh020_rough.####.png'), { fps: 12, meta: { cleared: true } });
}
