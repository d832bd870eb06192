// Sending stored files. Routes name a record (asset id, render id, model id + sample index), the
// server looks up where its bytes are; no route ever takes a path from the client.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyReply } from 'fastify';
import { HttpError, notFound } from '../errors.js';
import { displayPng } from '../../data/display-image.js';
import { findColourSpace, SPACE, type ColourContext } from '../../data/colour.js';
export { inside, realInside } from '../paths.js';

const MIME: Record<string, string> = {
  png: 'image/png', jpeg: 'image/jpeg', jpg: 'image/jpeg', webp: 'image/webp', tiff: 'image/tiff', tif: 'image/tiff', exr: 'image/x-exr', json: 'application/json',
};

export function mimeOf(formatOrPath: string): string {
  const ext = formatOrPath.includes('.') ? extname(formatOrPath).slice(1) : formatOrPath;
  return MIME[ext.toLowerCase()] ?? 'application/octet-stream';
}

export function sendFile(reply: FastifyReply, path: string, type: string, immutable: boolean): FastifyReply {
  if (!existsSync(path) || !statSync(path).isFile()) throw notFound('the file of this record is missing from the production');
  return reply
    .type(type)
    .header('content-length', statSync(path).size)
    .header('cache-control', immutable ? 'private, max-age=31536000, immutable' : 'private, no-cache')
    .send(createReadStream(path));
}

/**
 * A frame or image for the browser: PNG, JPEG, WebP as stored; an EXR (scene-referred, which no
 * browser shows), or a PNG recorded in another colour space than the image space (`from`: a render
 * with --color-space), as a display-referred 8-bit PNG through the production's OCIO view
 * (data/display-image.ts), made on request from `from`, else the file's own space; a file it cannot
 * read answers 415 with the reason.
 */
export async function sendViewable(reply: FastifyReply, path: string, format: string, colour: () => Promise<ColourContext>, immutable: boolean, from?: string | null): Promise<FastifyReply> {
  const exr = mimeOf(format) === MIME.exr;
  if (!exr && !from) return sendFile(reply, path, mimeOf(format), immutable);
  if (!existsSync(path) || !statSync(path).isFile()) throw notFound('the file of this record is missing from the production');
  const ctx = await colour();
  if (!exr && findColourSpace(ctx.config, from!) === findColourSpace(ctx.config, ctx.image ?? SPACE.srgbTexture)) return sendFile(reply, path, mimeOf(format), immutable);
  const png = await displayPng(path, ctx, from ? { from } : {})
    .catch((e: Error) => { throw new HttpError(415, 'unsupported_media', `this ${exr ? 'EXR' : 'image'} has no browser view: ${e.message}`); });
  return reply
    .type('image/png')
    .header('content-length', png.length)
    .header('cache-control', immutable ? 'private, max-age=31536000, immutable' : 'private, no-cache')
    .send(png);
}
