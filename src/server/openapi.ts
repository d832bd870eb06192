// The OpenAPI 3.1 document of the API, built from the route declarations (src/server/route.ts).
import type { RouteDef } from './route.js';

function pathParams(url: string, schema?: Record<string, unknown>) {
  const props = (schema?.properties ?? {}) as Record<string, unknown>;
  return [...url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: props[m[1]!] ?? { type: 'string' } }));
}

function queryParams(schema?: Record<string, unknown>) {
  const props = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => ({ name, in: 'query', required: required.has(name), schema: s }));
}

export function openApiDocument(routes: RouteDef[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      description: `Needs the **${r.role}** role (or higher).`,
      'x-atelier-role': r.role,
      security: [{ bearer: [] }, { session: [] }],
      parameters: [...pathParams(r.url, r.params), ...queryParams(r.querystring)],
      responses: {
        200: { description: 'OK', content: { [r.produces ?? 'application/json']: { schema: r.response ?? {} } } },
        400: { $ref: '#/components/responses/Error' },
        401: { $ref: '#/components/responses/Error' },
        403: { $ref: '#/components/responses/Error' },
        404: { $ref: '#/components/responses/Error' },
      },
    };
    if (r.multipart) op.requestBody = { required: true, content: { 'multipart/form-data': { schema: r.body ?? {} } } };
    else if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: r.body } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  paths['/health'] = { get: { summary: 'Liveness (no authentication)', tags: ['health'], security: [], responses: { 200: { description: 'OK' } } } };
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'The Atelier dailies server: one production\'s library, models, shots, reviews and jobs. Roles: viewer < artist < supervisor.' },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from `atelier serve <production> --create-token <name> --role <role>`' },
        session: { type: 'apiKey', in: 'cookie', name: 'atelier_session', description: 'Set by POST /api/session; mutating requests with it must send X-Atelier-CSRF: 1' },
      },
      responses: {
        Error: { description: 'An error', content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } } } } } },
      },
    },
  };
}
