import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { badRequest } from './errors';

/** The request (and response) header carrying the id that follows one upload from the API to the image processor. */
export const CORRELATION_HEADER = 'x-correlation-id';

/** What a caller may send: short, and safe in a log line and an SQS message attribute. */
const CORRELATION_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's `X-Correlation-Id`, else one made for this request; stored with any job it queues. */
    readonly correlationId: string;
  }
}

// Decided once per raw request, when Fastify makes its logger (before any hook), so the logger and the routes agree.
const correlationIds = new WeakMap<IncomingMessage, { id: string; invalid?: string }>();

function correlationOf(raw: IncomingMessage): { id: string; invalid?: string } {
  let known = correlationIds.get(raw);
  if (!known) {
    const header = raw.headers[CORRELATION_HEADER];
    const sent = Array.isArray(header) ? header[0] : header;
    if (sent === undefined || sent === '') known = { id: randomUUID() };
    else if (CORRELATION_PATTERN.test(sent)) known = { id: sent };
    // An id that cannot be used is refused (400), not swapped silently; the refusal's own log line gets a fresh id.
    else known = { id: randomUUID(), invalid: sent };
    correlationIds.set(raw, known);
  }
  return known;
}

/**
 * Fastify options that give every request a unique id (a UUID: `req-1, req-2…` restart in each Lambda container) and
 * a logger carrying `correlation_id`, plus whatever `extraFields` returns (the Lambda request id).
 */
export function requestLoggingOptions(extraFields?: () => Record<string, unknown>): Pick<FastifyServerOptions, 'genReqId' | 'childLoggerFactory'> {
  return {
    genReqId: () => randomUUID(),
    childLoggerFactory: (logger, bindings, options, raw) =>
      logger.child({ ...bindings, correlation_id: correlationOf(raw as IncomingMessage).id, ...extraFields?.() }, options),
  };
}

/** `request.correlationId`, the 400 for a malformed header, and the id echoed in the response's `X-Correlation-Id`. */
export function registerCorrelation(app: FastifyInstance): void {
  app.decorateRequest('correlationId', {
    getter() {
      return correlationOf(this.raw).id;
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    const correlation = correlationOf(request.raw);
    if (correlation.invalid !== undefined) {
      throw badRequest(`X-Correlation-Id must be 1 to 128 letters, digits, '.', '_', ':' or '-'`, 'headers.x-correlation-id');
    }
    reply.header(CORRELATION_HEADER, correlation.id);
  });
}
