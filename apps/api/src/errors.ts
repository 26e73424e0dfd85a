import type { FastifyError, FastifyInstance } from 'fastify';

/** An error with the HTTP answer it should become. Routes and services throw these; the error handler renders them. */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    /** The input field at fault, when there is one (`body.image_ids`, `params.bookId`). */
    readonly field?: string,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers: Record<string, string> = {},
    /** What went wrong underneath: logged with the request's id, never sent to the client. */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export const badRequest = (message: string, field?: string) => new HttpError(400, message, field);
export const notFound = (message: string) => new HttpError(404, message);

/**
 * A dependency (S3, SQS, Lambda) failed or could not be reached: the request was fine, so 503, not 500. The client
 * is told which dependency and, at most, the error's code (`S3 is unavailable (TimeoutError)`); the underlying
 * message, which can name our hosts, ports, buckets or functions, goes to the log only (see the error handler).
 */
export class DependencyError extends HttpError {
  override readonly name = 'DependencyError';
  constructor(
    /** The dependency, e.g. `S3`, `SQS`, `the scraper`. */
    readonly dependency: string,
    override readonly cause: unknown,
    statusCode = 503,
  ) {
    const code = publicErrorCode(cause);
    super(statusCode, `${dependency} is unavailable${code ? ` (${code})` : ''}`, undefined, {}, cause);
  }
}

/** A short, log-safe description of an SDK or network error (never a stack). For logs and job rows, not clients: see {@link publicErrorDescription}. */
export function describeAwsError(error: unknown): string {
  if (!error || typeof error !== 'object') return String(error);
  const err = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode ? ` (HTTP ${err.$metadata.httpStatusCode})` : '';
  const name = err.code ?? err.name ?? 'Error';
  return `${name}${status}${err.message && err.message !== name ? `: ${err.message}` : ''}`;
}

/**
 * The part of an error a client may see: its code or name when it is an identifier (`ECONNREFUSED`,
 * `TimeoutError`, `ResourceNotFoundException`), never its message. Undefined for a plain `Error`.
 */
export function publicErrorCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { code, name, cause } = error as { code?: unknown; name?: unknown; cause?: unknown };
  const candidate = typeof code === 'string' ? code : typeof name === 'string' ? name : undefined;
  // fetch wraps the socket's error: `TypeError: fetch failed` with the ECONNREFUSED in its cause.
  if ((candidate === undefined || candidate === 'Error' || candidate === 'TypeError') && cause && depth < 3) return publicErrorCode(cause, depth + 1);
  return candidate && candidate !== 'Error' && /^[A-Za-z][A-Za-z0-9_]{1,63}$/.test(candidate) ? candidate : undefined;
}

/** What a client may read about a dependency's error: its code and HTTP status (`TimeoutError`, `AccessDenied (HTTP 403)`). */
export function publicErrorDescription(error: unknown): string {
  const status = awsStatus(error);
  return `${publicErrorCode(error) ?? 'failed'}${status ? ` (HTTP ${status})` : ''}`;
}

/** The HTTP status S3 answered, when the error came from S3. */
export function awsStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** Runs one call to a dependency, turning its failure into a {@link DependencyError}. */
export async function callDependency<T>(dependency: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new DependencyError(dependency, error);
  }
}

interface ValidationDetail {
  instancePath?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** `body.title`, `params.bookId`, `querystring.limit`… from an Ajv error. */
function fieldOf(context: string | undefined, detail: ValidationDetail | undefined): string | undefined {
  if (!detail) return context;
  const path = (detail.instancePath ?? '').split('/').filter(Boolean);
  const missing = detail.params?.['missingProperty'];
  const extra = detail.params?.['additionalProperty'];
  if (typeof missing === 'string') path.push(missing);
  if (typeof extra === 'string') path.push(extra);
  return [context, ...path].filter(Boolean).join('.');
}

/**
 * The 400 for input that fails a schema, naming the field in `field` and in the message (`Unknown field
 * querystring.foo`, `body.title is required`, `querystring.limit must be >= 1`). One wording for every route: the
 * error handler renders Fastify's own validation errors with it, and routes use it for input Fastify does not
 * validate itself (the text parts of a multipart upload, checked against the route's query-string schema).
 */
export function validationError(context: string, details: readonly ValidationDetail[] | null | undefined): HttpError {
  const detail = details?.[0];
  const field = fieldOf(context, detail) ?? context;
  if (typeof detail?.params?.['additionalProperty'] === 'string') return badRequest(`Unknown field ${field}`, field);
  if (typeof detail?.params?.['missingProperty'] === 'string') return badRequest(`${field} is required`, field);
  return badRequest(`${field} ${detail?.message ?? 'is not valid'}`, field);
}

/**
 * Renders every error as `{statusCode, error, message, field?}`. Validation errors name the field ({@link validationError}); client
 * errors keep their message; anything unexpected is logged with its stack and answered with a generic 500
 * that never carries the stack or internals.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError | Error, request, reply) => {
    const fastifyError = error as FastifyError & { validation?: ValidationDetail[]; validationContext?: string };
    if (fastifyError.validation) {
      const refused = validationError(fastifyError.validationContext ?? 'request', fastifyError.validation);
      return reply.status(400).send({ statusCode: 400, error: 'Bad Request', message: refused.message, field: refused.field });
    }
    if (error instanceof HttpError) {
      // The details a client does not see are logged here, with the request's id (reqId) on the line.
      if (error instanceof DependencyError) {
        request.log.warn({ err: error.cause, dependency: error.dependency, statusCode: error.statusCode }, `${error.dependency} failed: ${describeAwsError(error.cause)}`);
      } else if (error.statusCode >= 500) {
        request.log.warn({ err: error.cause ?? error, statusCode: error.statusCode }, error.message);
      }
      return reply
        .status(error.statusCode)
        .headers(error.headers)
        .send({ statusCode: error.statusCode, error: reasonPhrase(error.statusCode), message: error.message, field: error.field });
    }
    const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
    if (status >= 400 && status < 500) {
      const field = BODY_PARSE_ERRORS.has(fastifyError.code) ? 'body' : undefined;
      return reply.status(status).send({ statusCode: status, error: reasonPhrase(status), message: clientMessage(fastifyError), field });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'Something went wrong on our side; it has been logged.' });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ statusCode: 404, error: 'Not Found', message: `No route ${request.method} ${request.url.split('?')[0]}` }),
  );
}

/** The JSON body could not be taken as a whole (the parser runs before validation, so no deeper field is known). */
const BODY_PARSE_ERRORS = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY']);

function clientMessage(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // The parser also refuses prototype-poisoning keys with this code; say so, or a valid-looking body puzzles its sender.
      return 'The body is not valid JSON, or holds a forbidden key (__proto__, constructor.prototype)';
    case 'FST_REQ_FILE_TOO_LARGE':
      return 'The file is larger than the upload limit';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is larger than the limit';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `Unsupported Content-Type: ${error.message}`;
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return 'Expected a multipart/form-data request with a "file" part';
    default:
      return error.message;
  }
}

const PHRASES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function reasonPhrase(status: number): string {
  return PHRASES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}
