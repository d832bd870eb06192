// Sign-in for the web app: a token opens a server-side session whose id travels in an HttpOnly,
// SameSite=Strict cookie (Secure over TLS), so <img> and EventSource requests authenticate without
// the token ever being readable by scripts or stored in the browser. Sign-out ends the session on
// the server: the old cookie stops working. Failed sign-ins are logged and limited per address.
import type { FastifyInstance } from 'fastify';
import { authenticate, createSession, revokeSession, sessionCookie } from '../auth.js';
import { audit } from '../audit.js';
import { HttpError, unauthorized } from '../errors.js';
import { defineRoutes, type ServerContext } from '../route.js';

export function sessionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // The one /api route that takes no prior authentication: it checks the token it is given.
  app.post('/api/session', {
    schema: { body: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 200 } }, additionalProperties: false } },
  }, async (req, reply) => {
    const wait = ctx.signIns.retryAfterMs(req.ip);
    if (wait > 0) {
      void reply.header('retry-after', Math.ceil(wait / 1000));
      throw new HttpError(429, 'too_many_attempts', `too many failed sign-ins from this address; try again in ${Math.ceil(wait / 60000)} min`);
    }
    const { token } = req.body as { token: string };
    const p = await authenticate(ctx.db, token);
    if (!p) {
      ctx.signIns.fail(req.ip);
      // The log keeps a prefix only: enough to tell a typo from a scan, never a usable secret.
      await audit(ctx.db, req, { action: 'sign-in-failed', target: 'session', detail: { tokenPrefix: token.slice(0, 8), userAgent: String(req.headers['user-agent'] ?? '').slice(0, 200) } });
      req.log.warn({ ip: req.ip }, 'failed sign-in');
      throw unauthorized('unknown or revoked token');
    }
    ctx.signIns.succeed(req.ip);
    const session = await createSession(ctx.db, p.tokenId);
    await audit(ctx.db, req, { actor: p.name, role: p.role, action: 'sign-in', target: `token ${p.tokenId}` });
    void reply.header('set-cookie', sessionCookie(session, req.protocol === 'https'));
    return { name: p.name, role: p.role };
  });
  ctx.routes.push({ method: 'POST', url: '/api/session', summary: 'Sign in: exchanges a token for a server-side session (cookie); failed attempts are logged and limited per address', tag: 'session', role: 'viewer', body: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } }, handler: async () => null });

  defineRoutes(app, ctx, [
    {
      method: 'DELETE', url: '/api/session', summary: 'Sign out: ends the session on the server and clears its cookie', tag: 'session', role: 'viewer',
      handler: async (req, reply, c) => {
        const p = req.principal!;
        if (p.sessionId !== undefined) await revokeSession(c.db, p.sessionId);
        await audit(c.db, req, { action: 'sign-out', target: `token ${p.tokenId}` });
        void reply.header('set-cookie', sessionCookie('', req.protocol === 'https', 0));
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
