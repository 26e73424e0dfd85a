// The types the app and its routes share, in a file of their own so that routes/*.ts never import app.ts (which
// imports them): no import cycle (tools/workspace-checks' import-cycles test).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Database, Kysely } from '@bmx/db';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiConfig } from './config';
import type { FetchHop } from './listing-url';

/** What the app is built from: injected, so tests, the local server and the Lambda each bring their own. */
export interface AppDeps {
  /** The database, already migrated. The app never closes it: its owner does. */
  db: Kysely<Database>;
  config: ApiConfig;
  /** Fastify's logger option; default `{ level: config.logLevel }`. Pass `false` to silence tests. */
  logger?: FastifyServerOptions['logger'];
  /**
   * Serve the Swagger UI at `/docs` (default true). The Lambda turns it off: the UI's static files do not
   * survive bundling, and `/docs/json` (the OpenAPI document) is served either way.
   */
  docsUi?: boolean;
  /**
   * How the listing routes request one step of an `ebay.us` short link (no redirects followed; see
   * `src/listing-url.ts`). Default: `fetch` over the internet. Tests point it at a local stand-in of ebay.us.
   */
  shortLinkHop?: FetchHop;
  /** Fields added to every request's log lines, e.g. the Lambda's request id (see `lambda.ts`). */
  requestLogFields?: () => Record<string, unknown>;
}

/** The Fastify instance with TypeBox schemas as route types. */
export type ApiApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;
