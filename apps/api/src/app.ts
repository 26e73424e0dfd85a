import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { API_KEY_HEADER, registerAuth } from './auth';
import type { ApiApp, AppDeps } from './app-deps';
import { registerCorrelation, requestLoggingOptions } from './correlation';
import { registerErrorHandler } from './errors';
import { adminRoutes } from './routes/admin';
import { bookRoutes } from './routes/books';
import { healthRoutes } from './routes/health';
import { imageRoutes } from './routes/images';
import { listingRoutes } from './routes/listings';
import { ErrorResponse, NoQuery } from './schemas';

type OpenApiDocument = { paths?: Record<string, Record<string, Record<string, unknown>>> };

const MULTIPART_UPLOAD_BODY = {
  required: true,
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: ['file'],
        additionalProperties: false,
        description: 'Any other part, a part sent twice or a second `file` is a 400 naming it. Each text part wins over the query parameter of the same name.',
        properties: {
          file: { type: 'string', format: 'binary', description: 'Exactly one; JPEG, PNG, WEBP or GIF (checked by content)' },
          caption: { type: 'string', maxLength: 2000 },
          image_type: { type: 'string', minLength: 1, maxLength: 50, pattern: '^[a-z_]+$' },
          is_primary: { type: 'boolean', description: '`true`/`false` (also `1`/`0`, any case)' },
        },
      },
    },
  },
};

/**
 * Credentials never logged. Headers show up in more objects than `req`: at trace level @fastify/multipart logs the
 * options it hands busboy, every request header included.
 */
const LOG_REDACTIONS = [API_KEY_HEADER, 'authorization', 'cookie'].flatMap((header) => [`req.headers["${header}"]`, `*.headers["${header}"]`]);

/**
 * Query parameters a route does not declare are a 400 naming them (`querystring.<name>`), never ignored: every route
 * registered after this (ours, and those of the docs plugins) without a `querystring` schema gets {@link NoQuery}, and
 * a route that declares one must refuse unknown names itself (`additionalProperties: false`), or registering it
 * throws, so the app does not start. Ajv's `removeAdditional: false` (below) makes Fastify refuse them, not drop them.
 */
function refuseUndeclaredQueryParameters(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const querystring = route.schema?.querystring as { additionalProperties?: unknown } | undefined;
    if (querystring === undefined) {
      // A new object: the route's own schema object may be shared (Fastify copies the GET options for its HEAD route).
      route.schema = { ...route.schema, querystring: NoQuery };
    } else if (querystring.additionalProperties !== false) {
      const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
      throw new Error(`${methods} ${route.url}: its querystring schema must set additionalProperties: false, so an unknown query parameter is a 400 naming it`);
    }
  });
}

/**
 * Builds the API: schemas (which also make the OpenAPI document at `/docs/json`, UI at `/docs`), API-key
 * auth, one error handler, and the health, books, images, listings and admin routes. Not listening yet:
 * call `listen()` for a server, `inject()` in tests, or hand it to @fastify/aws-lambda.
 */
export async function buildApp(deps: AppDeps): Promise<ApiApp> {
  const { config } = deps;
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel, redact: LOG_REDACTIONS },
    ...requestLoggingOptions(deps.requestLogFields),
    // Cap JSON bodies; image bytes come through multipart (own limit) or presigned uploads.
    bodyLimit: 1024 * 1024,
    // Unknown body fields and query parameters are a 400 naming them, not silently dropped (Fastify's default removes them).
    ajv: { customOptions: { allErrors: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // First, so every route after it, the plugins' included, gets the rule.
  refuseUndeclaredQueryParameters(app);
  registerErrorHandler(app);
  registerCorrelation(app);
  app.addSchema(ErrorResponse);

  await app.register(multipart, { limits: { fileSize: config.maxUploadBytes, files: 1 } });
  await app.register(swagger, {
    // Shared schemas keep their $id as their name in the document (`Error`), not `def-0`.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'bmx books API',
        version: '1.0.0',
        description:
          'Books, their images on S3, image-processing jobs on SQS, listing scrapes through Lambda, and health. Every route ' +
          'refuses input it does not declare: an unknown query parameter or body field is a 400 naming it (`querystring.foo`, `body.foo`).',
      },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } },
      security: [{ apiKey: [] }],
    },
    // The multipart upload is parsed in its handler, not by a body schema; describe its parts for the document.
    transformObject: (documents) => {
      const doc = (documents as { openapiObject: OpenApiDocument }).openapiObject;
      const upload = doc.paths?.['/api/v1/books/{bookId}/images']?.['post'];
      if (upload) upload['requestBody'] = MULTIPART_UPLOAD_BODY;
      return doc;
    },
  });
  if (deps.docsUi ?? true) {
    // Loaded only when used, so a bundle without the UI's static files never touches it.
    const { default: swaggerUi } = await import('@fastify/swagger-ui');
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  } else {
    app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
  }

  registerAuth(app, deps.db, { publicReads: config.publicReads });
  healthRoutes(app, deps);
  bookRoutes(app, deps);
  imageRoutes(app, deps);
  listingRoutes(app, deps);
  adminRoutes(app, deps);
  return app;
}
