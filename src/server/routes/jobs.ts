// Jobs: start training and renders, list, cancel, and a live stream of their progress (SSE).
import type { FastifyInstance } from 'fastify';
import { getModelVersion, getDataset } from '../../store/index.js';
import { badRequest, forbidden, HttpError, notFound } from '../errors.js';
import { audit } from '../audit.js';
import { defineRoutes, type ServerContext } from '../route.js';
import { roleAtLeast } from '../auth.js';
import type { JobEvent } from '../jobs/queue.js';
import { againSpec } from '../job-again.js';
import { RENDER_BODY, renderInputOf, checkRenderInput, type RenderBody } from '../render-request.js';

const jobIdParam = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } } };

export function jobRoutes(app: FastifyInstance, ctx: ServerContext): void {
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/jobs', summary: 'Jobs, newest first', tag: 'jobs', role: 'viewer',
      handler: async (_req, _r, c) => ({ jobs: await c.queue.list() }),
    },
    {
      method: 'GET', url: '/api/jobs/events', summary: 'Server-sent events: a "snapshot" of the jobs, then "job" (status) and "progress" events as they happen', tag: 'jobs', role: 'viewer', produces: 'text/event-stream',
      handler: async (req, reply, c) => {
        // Each stream holds a socket and a listener: a token may keep only a few open.
        const p = req.principal!;
        const open = c.streams.get(p.tokenId) ?? 0;
        if (open >= c.limits.streamsPerToken) throw new HttpError(429, 'too_many_streams', `token "${p.name}" already has ${open} live event streams open (at most ${c.limits.streamsPerToken}); close a tab`);
        c.streams.set(p.tokenId, open + 1);
        let closed = false;
        const release = () => {
          if (closed) return;
          closed = true;
          const n = (c.streams.get(p.tokenId) ?? 1) - 1;
          if (n > 0) c.streams.set(p.tokenId, n); else c.streams.delete(p.tokenId);
        };
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-content-type-options': 'nosniff' });
        const hideHosts = !roleAtLeast(p.role, 'supervisor');
        const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(c.redact(data, hideHosts))}\n\n`);
        // The queue's backend may be away (the farm's Redis): say so on the stream; events follow when it is back.
        try { send('snapshot', { jobs: await c.queue.list() }); } catch (err) { send('unavailable', { message: (err as Error).message }); }
        const off = c.queue.subscribe((e: JobEvent) => send(e.type, e));
        const beat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
        const stop = () => { clearInterval(beat); off(); release(); };
        req.raw.on('close', stop);
        res.on('close', stop);
      },
    },
    {
      method: 'POST', url: '/api/jobs/train', summary: 'Start training a look model on a dataset snapshot', tag: 'jobs', role: 'supervisor',
      body: { type: 'object', additionalProperties: false, required: ['dataset'], properties: { dataset: { type: 'string', maxLength: 200 }, steps: { type: 'integer', minimum: 1, maximum: 1000000 }, budgetSeconds: { type: 'integer', minimum: 10, maximum: 7 * 86400 } } },
      handler: async (req, reply, c) => {
        const b = req.body as { dataset: string; steps?: number; budgetSeconds?: number };
        const ds = await getDataset(c.prod, b.dataset);
        const job = await c.queue.submit({
          kind: 'train-look', title: `train look on ${ds.name}${b.steps ? ` (${b.steps} steps)` : ''}`,
          input: { productionDir: c.prod.dir, dataset: ds.name, steps: b.steps, budgetSeconds: b.budgetSeconds }, createdBy: `${req.principal!.name}#${req.principal!.tokenId}`,
        });
        await audit(c.db, req, { action: 'job', target: `job ${job.id}`, detail: { kind: job.kind, title: job.title } });
        void reply.status(202);
        return job;
      },
    },
    {
      method: 'POST', url: '/api/jobs/train-upscale', summary: 'Start training the production\'s upscaler on a dataset snapshot\'s full-resolution art', tag: 'jobs', role: 'supervisor',
      body: { type: 'object', additionalProperties: false, required: ['dataset'], properties: { dataset: { type: 'string', maxLength: 200 }, scale: { type: 'integer', enum: [2, 4] }, steps: { type: 'integer', minimum: 1, maximum: 1000000 }, budgetSeconds: { type: 'integer', minimum: 10, maximum: 7 * 86400 } } },
      handler: async (req, reply, c) => {
        const b = req.body as { dataset: string; scale?: 2 | 4; steps?: number; budgetSeconds?: number };
        const ds = await getDataset(c.prod, b.dataset);
        const job = await c.queue.submit({
          kind: 'train-upscale', title: `train ${b.scale ?? 2}x upscaler on ${ds.name}${b.steps ? ` (${b.steps} steps)` : ''}`,
          input: { productionDir: c.prod.dir, dataset: ds.name, scale: b.scale, steps: b.steps, budgetSeconds: b.budgetSeconds }, createdBy: `${req.principal!.name}#${req.principal!.tokenId}`,
        });
        await audit(c.db, req, { action: 'job', target: `job ${job.id}`, detail: { kind: job.kind, title: job.title } });
        void reply.status(202);
        return job;
      },
    },
    {
      method: 'POST', url: '/api/jobs/render', summary: 'Render a shot (or a frame range) through a look model with every option `atelier render` has; the frames arrive as a new version', tag: 'jobs', role: 'artist',
      body: RENDER_BODY,
      handler: async (req, reply, c) => {
        const b = req.body as RenderBody;
        const shot = await c.prod.shot(b.shot);
        if (b.modelVersion !== undefined) {
          const m = await getModelVersion(c.prod, b.modelVersion);
          if (!m.kind.startsWith('look')) throw badRequest(`model version #${m.id} is a ${m.kind} model, not a look model`);
        }
        const input = renderInputOf(c.prod.dir, shot.range, b);
        // The render description's checks, as the CLI runs them, before anything is queued.
        const d = await checkRenderInput(c.prod, input);
        const model = d.modelVersion !== null ? `model #${d.modelVersion}` : 'its keyframe model';
        const job = await c.queue.submit({
          kind: 'render-shot', title: `render ${shot.name} ${d.range[0]}-${d.range[1]} with ${model}${d.quality === 'final' ? ' (final)' : ''}`,
          input: { ...input, modelVersion: d.modelVersion ?? undefined } as unknown as Record<string, unknown>, createdBy: `${req.principal!.name}#${req.principal!.tokenId}`,
        });
        await audit(c.db, req, { action: 'job', target: `job ${job.id}`, detail: { kind: job.kind, title: job.title } });
        void reply.status(202);
        return job;
      },
    },
    {
      method: 'POST', url: '/api/jobs/:id/again', summary: 'Start a failed, cancelled or interrupted job again with its input; a render continues its version where it stopped', tag: 'jobs', role: 'artist', params: jobIdParam,
      handler: async (req, reply, c) => {
        const id = (req.params as { id: string }).id;
        const job = await c.queue.submit(await againSpec(c, id, req.principal!));
        await audit(c.db, req, { action: 'job', target: `job ${job.id}`, detail: { kind: job.kind, title: job.title, again: id } });
        void reply.status(202);
        return job;
      },
    },
    {
      method: 'POST', url: '/api/jobs/:id/cancel', summary: 'Cancel a job (artists: their own; supervisors: any)', tag: 'jobs', role: 'artist', params: jobIdParam,
      handler: async (req, _r, c) => {
        const id = (req.params as { id: string }).id;
        const job = await c.queue.get(id);
        if (!job) throw notFound(`no job ${id}`);
        const p = req.principal!;
        if (!roleAtLeast(p.role, 'supervisor') && job.createdBy !== `${p.name}#${p.tokenId}`) throw forbidden('artists may cancel only their own jobs');
        await audit(c.db, req, { action: 'cancel', target: `job ${id}`, detail: { title: job.title } });
        return c.queue.cancel(id);
      },
    },
  ]);
}
