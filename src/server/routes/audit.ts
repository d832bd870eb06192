// The audit log for supervisors: who changed what (notes, verdicts, rights, refine requests,
// uploads, jobs, sign-ins and sign-outs, tokens), newest first.
import type { FastifyInstance } from 'fastify';
import { auditView } from '../audit.js';
import { defineRoutes, type ServerContext } from '../route.js';

export function auditRoutes(app: FastifyInstance, ctx: ServerContext): void {
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/audit', summary: 'The audit log, newest first (filter by action or actor)', tag: 'session', role: 'supervisor',
      querystring: { type: 'object', additionalProperties: false, properties: { action: { type: 'string', maxLength: 40 }, actor: { type: 'string', maxLength: 64 }, limit: { type: 'integer', minimum: 1, maximum: 1000 } } },
      handler: async (req, _r, c) => {
        const q = req.query as { action?: string; actor?: string; limit?: number };
        let sel = c.db.selectFrom('server_audit').selectAll().orderBy('id', 'desc').limit(q.limit ?? 200);
        if (q.action) sel = sel.where('action', '=', q.action);
        if (q.actor) sel = sel.where('actor', '=', q.actor);
        return { entries: (await sel.execute()).map(auditView) };
      },
    },
  ]);
}
