// The dailies server for one production: the API under /api (OpenAPI at /api/openapi.json),
// GET /health, and the review web app (built by Vite into dist/web) at /.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import 'sharp'; // loaded on the main thread before any job worker loads it (sharp's rule for workers)
import { openProduction, type Production } from '../store/index.js';
import { migrateServer } from './db.js';
import { authenticate, authenticateSession, requestCredential } from './auth.js';
import { SignInLimiter } from './sign-in-limit.js';
import { makeRedactor } from './redact.js';
import { roleAtLeast } from './auth.js';
import { errorHandler, HttpError } from './errors.js';
import type { ServerContext, ServerLimits } from './route.js';
import type { JobQueue, JobRecord } from './jobs/queue.js';
import { InProcessQueue, type JobHandler } from './jobs/in-process.js';
import { JOB_KINDS } from './jobs/kinds.js';
import { farmRoutes } from './routes/farm.js';
import { sessionRoutes } from './routes/session.js';
import { libraryRoutes } from './routes/library.js';
import { modelRoutes } from './routes/models.js';
import { shotRoutes } from './routes/shots.js';
import { reviewRoutes } from './routes/reviews.js';
import { jobRoutes } from './routes/jobs.js';
import { metaRoutes } from './routes/meta.js';
import { auditRoutes } from './routes/audit.js';
import { exportRoutes } from './routes/exports.js';
import { playlistRoutes } from './routes/playlists.js';
import { displayRoutes } from './routes/display.js';
import { nowIso } from '../store/time.js';
import { recordJobs, recoverJobs, STOPPED_WHILE } from './job-log.js';

export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

export interface ServerOptions {
  /** The production folder (opened and closed by the server), or an open production. */
  production: string | Production;
  limits?: Partial<ServerLimits>;
  /** Folder of the built web app; null serves no app. Default dist/web. */
  webDir?: string | null;
  /** Another JobQueue implementation (e.g. BullMQ); default: in-process worker threads. */
  queue?: JobQueue;
  /** Extra (or replacement) job kinds for the in-process queue (tests). */
  extraJobs?: Record<string, JobHandler>;
  /** libtorch threads per job. */
  jobThreads?: number;
  logger?: boolean;
  /** Serve over TLS (PEM certificate and key): cookies are then Secure and tokens never cross the LAN in clear. */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** Behind a reverse proxy that terminates TLS: trust its X-Forwarded-For / -Proto (client address, Secure cookies). */
  trustProxy?: boolean;
}

export interface AtelierServer { app: FastifyInstance; ctx: ServerContext; close(): Promise<void> }

export async function buildServer(o: ServerOptions): Promise<AtelierServer> {
  const ownsProd = typeof o.production === 'string';
  const prod = typeof o.production === 'string' ? await openProduction(o.production) : o.production;
  const db = await migrateServer(prod);
  const settings = await prod.settings();
  const limits: ServerLimits = {
    uploadBytes: Math.min(o.limits?.uploadBytes ?? 256 * 1048576, settings.maxFileMegabytes * 1048576),
    jsonBytes: o.limits?.jsonBytes ?? 16 * 1048576,
    uploadFiles: o.limits?.uploadFiles ?? 200,
    streamsPerToken: o.limits?.streamsPerToken ?? 8,
    maskQuotaBytes: o.limits?.maskQuotaBytes ?? 64 * 1048576,
    openRefinesPerUser: o.limits?.openRefinesPerUser ?? 20,
  };

  // When a refine job ends other than "done", its request says so (the job itself marks success);
  // one the server's stopping interrupted is held again, so that it can be started once more.
  const refineSettled = async (job: JobRecord) => {
    if (job.status === 'done') return;
    const status = job.interrupted ? 'held' : job.status === 'cancelled' ? 'cancelled' : 'failed';
    // A refine that wrote its version just as it was stopped stays done.
    await db.updateTable('refine_requests').set({ status, error: job.error, updated_at: nowIso() })
      .where('job_id', '=', job.id).where('status', '!=', 'done').execute();
  };
  // In-process jobs live in memory: the table keeps them across restarts (job-log.ts).
  const history = o.queue ? null : await recoverJobs(db);
  const queue = o.queue ?? new InProcessQueue({
    threads: o.jobThreads,
    history: history ?? [],
    handlers: {
      // The shared job table (the farm's workers run the same kinds); flow steps only run on a farm.
      ...Object.fromEntries(Object.entries(JOB_KINDS).filter(([, k]) => !k.flowOnly)
        .map(([name, k]) => [name, { module: k.module, export: k.export, ...(name === 'refine' ? { onSettled: refineSettled } : {}) }])),
      ...Object.fromEntries(Object.entries(o.extraJobs ?? {}).map(([k, h]) => [k, { ...(k === 'refine' ? { onSettled: refineSettled } : {}), ...h }])),
    },
  });
  const jobLog = o.queue ? null : recordJobs(db, queue);

  // The https option changes Fastify's server type only; the routes are the same either way.
  const app = Fastify({ logger: o.logger ?? false, bodyLimit: limits.jsonBytes, trustProxy: o.trustProxy ?? false, ...(o.https ? { https: o.https } : {}) } as object) as unknown as FastifyInstance;
  const redact = makeRedactor(prod.dir);
  const ctx: ServerContext = { prod, db, queue: jobLog?.queue ?? queue, jobsRecorded: jobLog !== null, limits, routes: [], signIns: new SignInLimiter(), streams: new Map(), redact };
  app.decorateRequest('principal', null);
  app.decorateRequest('viaCookie', false);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
  await app.register(multipart, { limits: { fileSize: limits.uploadBytes, files: limits.uploadFiles, fields: 20, fieldSize: 16384, parts: limits.uploadFiles + 20 } });

  // Authentication: every /api route needs a valid token or session (POST /api/session checks the
  // token it gets). The app's source maps (the whole client source) are for signed-in users too.
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    if (!path.startsWith('/api/') && path !== '/api' && !path.endsWith('.map')) return;
    if (req.method === 'POST' && path === '/api/session') return;
    const { token, session } = requestCredential(req.headers);
    const viaCookie = session !== undefined;
    const p = viaCookie ? await authenticateSession(db, session) : await authenticate(db, token);
    if (!p) {
      const why = token ? 'unknown or revoked token' : viaCookie ? 'the session has ended (signed out, expired or its token revoked): sign in again' : 'a token is required (Authorization: Bearer <token>, or sign in at /)';
      throw new HttpError(401, 'unauthorized', why);
    }
    // A cookie is sent by the browser on its own: state changes through it need our header too.
    if (viaCookie && req.method !== 'GET' && req.method !== 'HEAD' && req.headers['x-atelier-csrf'] !== '1') {
      throw new HttpError(403, 'csrf', 'requests signed in by cookie must send the header X-Atelier-CSRF: 1');
    }
    req.principal = p;
    req.viaCookie = viaCookie;
  });
  // No absolute server paths in any answer; no host names or pids below the supervisor role.
  app.addHook('preSerialization', async (req, _reply, payload) => {
    if (!req.principal) return payload;
    return redact(payload, !roleAtLeast(req.principal.role, 'supervisor'));
  });
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'");
    if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });

  app.get('/health', async () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));
  sessionRoutes(app, ctx);
  metaRoutes(app, ctx);
  libraryRoutes(app, ctx);
  modelRoutes(app, ctx);
  shotRoutes(app, ctx);
  reviewRoutes(app, ctx);
  jobRoutes(app, ctx);
  farmRoutes(app, ctx);
  auditRoutes(app, ctx);
  exportRoutes(app, ctx);
  playlistRoutes(app, ctx);
  displayRoutes(app, ctx);

  const webDir = o.webDir === undefined ? DEFAULT_WEB_DIR : o.webDir;
  if (webDir && existsSync(webDir)) {
    // The app shell (HTML, scripts, styles) holds no production data; everything it shows comes from /api.
    await app.register(fastifyStatic, { root: webDir, prefix: '/', index: ['index.html'], wildcard: true, cacheControl: false, dotfiles: 'deny' });
  } else {
    app.get('/', async (_req, reply) => reply.type('text/plain').send('Atelier dailies server: the web app is not built (npm run setup builds it into dist/web); the API is under /api.'));
  }

  return {
    app, ctx,
    async close() {
      await app.close();
      await queue.close(STOPPED_WHILE('queued or running (it was shut down)'));
      await jobLog?.close();
      if (ownsProd) await prod.close();
    },
  };
}
