// The production's display transforms for the player: the displays and views of its OCIO config
// (the built-in one unless the production names its own), and each view baked into a 3D LUT from
// the image colour space the frames are stored in, which the browser applies to the shown pixels.
import type { FastifyInstance } from 'fastify';
import { applyDisplayView, colourInfo } from '../../data/colour.js';
import { productionColour } from '../../store/colour-settings.js';
import { badRequest } from '../errors.js';
import { defineRoutes, type ServerContext } from '../route.js';

/** Grid points per axis: 33 keeps the interpolation error of smooth transforms under one 8-bit level. */
export const LUT_SIZE = 33;

/** The LUT of a view: size³ RGB triplets (red fastest), 8-bit, from image-space values on a regular grid. */
export function bakeLut(cfg: Parameters<typeof applyDisplayView>[0], from: string, display: string, view: string, size = LUT_SIZE): Buffer {
  const n = size ** 3;
  const planes = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let b = 0, i = 0; b < size; b++) for (let g = 0; g < size; g++) for (let r = 0; r < size; r++, i++) {
    planes[0]![i] = r / (size - 1); planes[1]![i] = g / (size - 1); planes[2]![i] = b / (size - 1);
  }
  applyDisplayView(cfg, from, display, view, planes, n, 1);
  const out = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(255 * Math.min(1, Math.max(0, planes[c]![i]!)));
  return out;
}

export function displayRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const cache = new Map<string, Buffer>();
  defineRoutes(app, ctx, [
    {
      method: 'GET', url: '/api/display', summary: 'The displays and views of the production\'s OCIO config, and the colour space its frames are stored in', tag: 'shots', role: 'viewer',
      handler: async (_req, _r, c) => {
        const colour = await productionColour(c.prod);
        const displays = colourInfo(colour.config).displays;
        return {
          config: (await c.prod.settings()).ocioConfig ? 'production' : 'built-in', imageColorSpace: colour.image,
          views: Object.entries(displays).flatMap(([display, views]) => views.map((view) => ({ display, view }))),
        };
      },
    },
    {
      method: 'GET', url: '/api/display/lut', summary: 'A display view of the production\'s OCIO config as a 3D LUT from the frames\' colour space: size³ 8-bit RGB triplets, red fastest (size in X-Atelier-Lut-Size)', tag: 'shots', role: 'viewer', produces: 'application/octet-stream',
      querystring: { type: 'object', additionalProperties: false, required: ['display', 'view'], properties: { display: { type: 'string', minLength: 1, maxLength: 200 }, view: { type: 'string', minLength: 1, maxLength: 200 } } },
      handler: async (req, reply, c) => {
        const { display, view } = req.query as { display: string; view: string };
        const colour = await productionColour(c.prod);
        const displays = colourInfo(colour.config).displays;
        if (!displays[display]) throw badRequest(`unknown display "${display}" (the production's OCIO config has: ${Object.keys(displays).join(', ')})`);
        if (!displays[display]!.includes(view)) throw badRequest(`display "${display}" has no view "${view}" (it has: ${displays[display]!.join(', ')})`);
        const key = `${colour.config.label}\u0000${colour.image}\u0000${display}\u0000${view}`;
        let lut = cache.get(key);
        if (!lut) { lut = bakeLut(colour.config, colour.image!, display, view); cache.set(key, lut); }
        // Bytes, not JSON: base64 text could be taken for a path by the answer redactor.
        return reply.type('application/octet-stream').header('x-atelier-lut-size', String(LUT_SIZE)).header('cache-control', 'private, no-cache').send(lut);
      },
    },
  ]);
}
