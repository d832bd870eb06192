// Models: versions with loss curves (the run's history.json), sample sheets, metrics and lineage.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { getDataset, getModelVersion, listDatasets, listModelVersions, type ModelVersion, type Production } from '../../store/index.js';
import { notFound } from '../errors.js';
import { defineRoutes, idParam, type ServerContext } from '../route.js';
import { inside, realInside, sendFile } from './files.js';

/** The run folder of a model version, only when it lies inside the production. */
function runDir(prod: Production, m: ModelVersion): string | null {
  const run = (m.metrics as { run?: unknown }).run;
  if (typeof run !== 'string') return null;
  // The run folder as recorded, else under this production's runs/ (the folder may have moved).
  for (const dir of [resolve(prod.dir, run), join(prod.dir, 'runs', basename(run))]) {
    if (inside(prod.dir, dir) && existsSync(dir)) return dir;
  }
  return null;
}

function samples(dir: string | null): string[] {
  if (!dir || !existsSync(join(dir, 'samples'))) return [];
  return readdirSync(join(dir, 'samples')).filter((n) => /^step-\d+\.png$/.test(n)).sort();
}

function summary(prod: Production, m: ModelVersion) {
  const { run: _run, ...metrics } = m.metrics as Record<string, unknown>;
  return {
    id: m.id, kind: m.kind, datasetId: m.datasetId, datasetName: m.datasetName, seed: m.seed, codeVersion: m.codeVersion, createdAt: m.createdAt,
    metrics, files: m.files.map((f) => ({ name: f.name, hash: f.hash, bytes: f.bytes })),
    samples: samples(runDir(prod, m)).map((n, i) => ({ index: i, step: Number(/\d+/.exec(n)![0]) })),
  };
}

export function modelRoutes(app: FastifyInstance, ctx: ServerContext): void {
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/models', summary: 'Model versions with their metrics', tag: 'models', role: 'viewer',
      handler: async (_req, _r, c) => ({ models: (await listModelVersions(c.prod)).map((m) => summary(c.prod, m)) }),
    },
    {
      method: 'GET', url: '/api/models/:id', summary: 'One model version: metrics, config, loss and held-out curves, sample sheets', tag: 'models', role: 'viewer', params: idParam,
      handler: async (req, _r, c) => {
        const m = await getModelVersion(c.prod, (req.params as { id: number }).id);
        const dir = runDir(c.prod, m);
        let history: unknown = null;
        const file = dir ? realInside(c.prod.dir, join(dir, 'history.json')) : null;
        if (file) {
          try { history = JSON.parse(readFileSync(file, 'utf8')); } catch { history = null; }
        }
        return { ...summary(c.prod, m), config: m.config, history };
      },
    },
    {
      method: 'GET', url: '/api/models/:id/lineage', summary: 'The dataset snapshot a model learned from, its assets and their rights', tag: 'models', role: 'viewer', params: idParam,
      handler: async (req, _r, c) => {
        const m = await getModelVersion(c.prod, (req.params as { id: number }).id);
        const ds = await getDataset(c.prod, m.datasetId);
        const owners: Record<string, number> = {};
        const licences: Record<string, number> = {};
        for (const a of ds.assets) {
          owners[a.rights.owner ?? 'unknown'] = (owners[a.rights.owner ?? 'unknown'] ?? 0) + 1;
          licences[a.rights.licence ?? 'unknown'] = (licences[a.rights.licence ?? 'unknown'] ?? 0) + 1;
        }
        return {
          model: { id: m.id, kind: m.kind, seed: m.seed, codeVersion: m.codeVersion, createdAt: m.createdAt },
          dataset: { id: ds.id, name: ds.name, createdAt: ds.createdAt, manifestHash: ds.manifestHash, selection: ds.selection, assets: ds.assets.length, pairs: ds.pairs.length },
          rights: { cleared: ds.assets.filter((a) => a.rights.clearedForTraining).length, notCleared: ds.assets.filter((a) => !a.rights.clearedForTraining).length, owners, licences },
          assets: ds.assets.map((a) => ({ id: a.id, kind: a.kind, originalName: a.originalName, owner: a.rights.owner, licence: a.rights.licence, cleared: a.rights.clearedForTraining })),
        };
      },
    },
    {
      method: 'GET', url: '/api/models/:id/samples/:index', summary: 'A sample sheet of the training run (by index in the model\'s sample list)', tag: 'models', role: 'viewer', produces: 'image/png',
      params: { type: 'object', required: ['id', 'index'], additionalProperties: false, properties: { id: { type: 'integer', minimum: 1 }, index: { type: 'integer', minimum: 0, maximum: 100000 } } },
      handler: async (req, reply, c) => {
        const { id, index } = req.params as { id: number; index: number };
        const m = await getModelVersion(c.prod, id);
        const dir = runDir(c.prod, m);
        const name = samples(dir)[index];
        const real = dir && name ? realInside(c.prod.dir, join(dir, 'samples', name)) : null;
        if (!real) throw notFound(`model version #${id} has no sample sheet ${index}`);
        return sendFile(reply, real, 'image/png', false);
      },
    },
    {
      method: 'GET', url: '/api/datasets', summary: 'Dataset snapshots (to train on)', tag: 'models', role: 'viewer',
      handler: async (_req, _r, c) => ({ datasets: (await listDatasets(c.prod)).map((d) => ({ id: d.id, name: d.name, createdAt: d.createdAt, assets: d.assets, pairs: d.pairs })) }),
    },
  ]);
}
