// The API's own description.
import type { FastifyInstance } from 'fastify';
import { defineRoutes, type ServerContext } from '../route.js';
import { openApiDocument } from '../openapi.js';

export function metaRoutes(app: FastifyInstance, ctx: ServerContext): void {
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/openapi.json', summary: 'This API as an OpenAPI 3.1 document', tag: 'meta', role: 'viewer',
      handler: async (_req, _r, c) => openApiDocument(c.routes, { title: 'Atelier dailies API', version: '1' }),
    },
  ]);
}
