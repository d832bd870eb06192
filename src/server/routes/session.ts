// Sign-in for the web app: a token becomes an HttpOnly, SameSite=Strict session cookie, so <img>
// and EventSource requests authenticate without the token ever being readable by scripts.
import type { FastifyInstance } from 'fastify';
import { authenticate, SESSION_COOKIE } from '../auth.js';
import { unauthorized } from '../errors.js';
import { defineRoutes, type ServerContext } from '../route.js';

export function sessionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // The one /api route that takes no prior authentication: it checks the token it is given.
  app.post('/api/session', {
    schema: { body: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 200 } }, additionalProperties: false } },
  }, async (req, reply) => {
    const { token } = req.body as { token: string };
    const p = await authenticate(ctx.db, token);
    if (!p) throw unauthorized('unknown or revoked token');
    void reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${7 * 86400}`);
    return { name: p.name, role: p.role };
  });
  ctx.routes.push({ method: 'POST', url: '/api/session', summary: 'Sign in: exchanges a token for a session cookie', tag: 'session', role: 'viewer', body: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } }, handler: async () => null });

  defineRoutes(app, ctx, [
    {
      method: 'DELETE', url: '/api/session', summary: 'Sign out (clears the session cookie)', tag: 'session', role: 'viewer',
      handler: async (_req, reply) => {
        void reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
        return { ok: true };
      },
    },
    {
      method: 'GET', url: '/api/me', summary: 'Who this token is and what its role may do', tag: 'session', role: 'viewer',
      handler: async (req, _reply, c) => {
        const p = req.principal!;
        const settings = await c.prod.settings();
        const may = c.routes.filter((r) => ({ viewer: 0, artist: 1, supervisor: 2 })[r.role] <= ({ viewer: 0, artist: 1, supervisor: 2 })[p.role]).map((r) => `${r.method} ${r.url}`);
        return { name: p.name, role: p.role, production: settings.name, limits: c.limits, may };
      },
    },
  ]);
}
