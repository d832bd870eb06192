// One declaration per API route: method, URL, role, JSON schemas. The same list registers the
// route with Fastify (schemas validate the request) and becomes the OpenAPI document.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Production } from '../store/index.js';
import type { ServerDatabase } from './db.js';
import type { JobQueue } from './jobs/queue.js';
import { roleAtLeast, withArticle, type Principal, type Role } from './auth.js';
import type { SignInLimiter } from './sign-in-limit.js';
import { forbidden, unauthorized } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null; viaCookie: boolean }
}

export type Schema = Record<string, unknown>;

export interface ServerLimits {
  /** Largest accepted upload (one file), bytes. */
  uploadBytes: number;
  /** Largest JSON body (a refine request carries its mask PNG), bytes. */
  jsonBytes: number;
  /** Files in one upload request. */
  uploadFiles: number;
  /** Live event streams (GET /api/jobs/events) one token may hold open at once. */
  streamsPerToken: number;
  /** Bytes of stored refine masks one user (token name) may hold. */
  maskQuotaBytes: number;
  /** Refine requests of one user not yet finished (held, pending, running) at once. */
  openRefinesPerUser: number;
}

export interface ServerContext {
  prod: Production;
  db: Kysely<ServerDatabase>;
  queue: JobQueue;
  /** The queue's jobs and inputs are in server_jobs (in-process; a farm keeps its own in Redis). */
  jobsRecorded: boolean;
  limits: ServerLimits;
  routes: RouteDef[];
  /** Failed sign-ins per address. */
  signIns: SignInLimiter;
  /** Open event streams per token id. */
  streams: Map<number, number>;
  /** Strips absolute paths (and, with hideHosts, host names and pids) from a value bound for a client. */
  redact: (value: unknown, hideHosts: boolean) => unknown;
}

// Request parts are validated by the schemas; handlers read them as loosely typed records.
export type Req = FastifyRequest<{ Params: any; Querystring: any; Body: any }>;

export interface RouteDef {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;                       // Fastify syntax: /api/assets/:id
  summary: string;
  tag: string;
  /** The least role allowed. Every /api route names one: there is no unauthenticated API route. */
  role: Role;
  params?: Schema;
  querystring?: Schema;
  body?: Schema;
  /** Response description for the OpenAPI document (content type and schema). */
  produces?: string;
  response?: Schema;
  bodyLimit?: number;
  /** multipart/form-data upload (body validated by the handler). */
  multipart?: boolean;
  handler: (req: Req, reply: FastifyReply, ctx: ServerContext) => Promise<unknown>;
}

export function defineRoutes(app: FastifyInstance, ctx: ServerContext, defs: RouteDef[]): void {
  for (const def of defs) {
    ctx.routes.push(def);
    app.route({
      method: def.method,
      url: def.url,
      bodyLimit: def.bodyLimit,
      schema: Object.fromEntries(Object.entries({ params: def.params, querystring: def.querystring, body: def.multipart ? undefined : def.body }).filter(([, v]) => v)),
      preHandler: async (req) => {
        const p = req.principal;
        if (!p) throw unauthorized('a token is required (Authorization: Bearer <token>)');
        if (!roleAtLeast(p.role, def.role)) throw forbidden(`${def.method} ${def.url} needs the ${def.role} role; token "${p.name}" is ${withArticle(p.role)}`);
      },
      handler: (req, reply) => def.handler(req as Req, reply, ctx),
    });
  }
}

export const idParam: Schema = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } }, additionalProperties: false };
