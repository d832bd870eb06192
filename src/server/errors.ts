// Every error leaves the server as JSON: { error: { code, message } } with a fitting HTTP status.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { QueueUnavailableError } from './jobs/queue.js';

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

export const badRequest = (m: string) => new HttpError(400, 'bad_request', m);
export const notFound = (m: string) => new HttpError(404, 'not_found', m);
export const forbidden = (m: string) => new HttpError(403, 'forbidden', m);
export const unauthorized = (m: string) => new HttpError(401, 'unauthorized', m);
export const conflict = (m: string) => new HttpError(409, 'conflict', m);

/** Store errors are thrown as plain Errors ("no asset #12", "no model version #3", …). */
function fromStoreMessage(message: string): HttpError | null {
  if (/^no (asset|model version|rendered frame|dataset|shot|paintover pair)\b/i.test(message)) return notFound(message);
  if (/^shot \S+ (does not exist|not found)/i.test(message) || /unknown shot/i.test(message)) return notFound(message);
  return null;
}

export function errorHandler(err: FastifyError | HttpError | Error, req: FastifyRequest, reply: FastifyReply): void {
  let status = 500;
  let code = 'internal';
  let message = 'internal server error';
  if (err instanceof HttpError) ({ status, code, message } = err);
  else if (err instanceof QueueUnavailableError) { status = 503; code = 'queue_unavailable'; message = err.message; }
  else if ((err as FastifyError).validation) { status = 400; code = 'invalid_request'; message = err.message; }
  else if ((err as FastifyError).code === 'FST_REQ_FILE_TOO_LARGE' || (err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE' || (err as FastifyError).statusCode === 413) {
    status = 413; code = 'payload_too_large'; message = err.message || 'the request body is over the upload limit';
  } else if (typeof (err as FastifyError).statusCode === 'number' && (err as FastifyError).statusCode! < 500) {
    status = (err as FastifyError).statusCode!; code = String((err as FastifyError).code ?? 'bad_request').toLowerCase(); message = err.message;
  } else {
    const mapped = fromStoreMessage(err.message);
    if (mapped) ({ status, code, message } = mapped);
    else req.log.error({ err }, 'unhandled error');
  }
  void reply.status(status).type('application/json').send({ error: { code, message } });
}
