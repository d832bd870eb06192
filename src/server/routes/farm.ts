// The farm: workers, queue depth, throughput, recent failures (the Farm page). With the in-process
// queue the "farm" is this server's own worker threads.
import type { FastifyInstance } from 'fastify';
import { defineRoutes, type ServerContext } from '../route.js';
import { roleAtLeast } from '../auth.js';
import { anonymousFarm } from '../redact.js';

export function farmRoutes(app: FastifyInstance, ctx: ServerContext): void {
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/farm', summary: 'The job farm: backend, workers (with their running jobs), queue depth by state, throughput over a window, recent failures', tag: 'jobs', role: 'viewer',
      querystring: { type: 'object', additionalProperties: false, properties: { window: { type: 'integer', minimum: 10, maximum: 86400 } } },
      handler: async (req, _r, c) => {
        const w = (req.query as { window?: number }).window ?? 600;
        if (!c.queue.stats) return { backend: 'unknown', queue: '', counts: {}, workers: [], throughput: { windowSeconds: w, jobs: 0, frames: 0, framesPerMinute: 0, jobsPerMinute: 0 }, failures: [] };
        const stats = await c.queue.stats(w);
        return roleAtLeast(req.principal!.role, 'supervisor') ? stats : anonymousFarm(stats);
      },
    },
  ]);
}
