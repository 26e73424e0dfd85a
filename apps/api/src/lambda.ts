import awsLambdaFastify from '@fastify/aws-lambda';
import { ConfigError } from '@bmx/aws-clients';
import { createDatabase } from '@bmx/db';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { buildApp } from './app';
import { loadConfig } from './config';

// A Lambda environment runs one invocation at a time: its request id, for the lines Fastify logs meanwhile.
let invocation: Context | undefined;

// Built once per container, outside the handler: config, pool and app are reused by every invocation.
const ready = (async () => {
  const config = loadConfig(process.env);
  if (!config.database) {
    throw new ConfigError('DATABASE_URL', 'is required in Lambda (or DATABASE_SECRET_ARN; the embedded database is for local runs)');
  }
  const db = await createDatabase({ source: config.database, poolSize: 2 });
  const app = await buildApp({
    db,
    config,
    docsUi: false,
    requestLogFields: () => (invocation ? { function_request_id: invocation.awsRequestId, function_name: invocation.functionName, function_version: invocation.functionVersion } : {}),
  });
  const proxy = awsLambdaFastify(app, { decorateRequest: false, serializeLambdaArguments: false });
  await app.ready();
  return { app, db, proxy };
})();
// Reported on the first invocation; this keeps Node from calling it unhandled before then.
ready.catch(() => undefined);

/**
 * The event with its query string as the client sent it (`rawQueryString`) on the path, so Fastify parses it as it
 * parses any request's and a route sees what it sees behind the local server. @fastify/aws-lambda would otherwise
 * rebuild it from `queryStringParameters`, where API Gateway has joined a repeated name's values with commas, and
 * split every value at its commas: `?caption=Cover,%20signed` reached the upload as a two-item array (a 400).
 */
function withRawQueryString(event: APIGatewayProxyEventV2): APIGatewayProxyEventV2 {
  const { queryStringParameters: _rebuilt, ...rest } = event;
  return event.rawQueryString ? { ...rest, rawPath: `${event.rawPath}?${event.rawQueryString}` } : rest;
}

/** API Gateway HTTP API (payload 2.0) entry point. */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  const { proxy } = await ready;
  invocation = context;
  try {
    return (await proxy(withRawQueryString(event), context)) as APIGatewayProxyResultV2;
  } finally {
    invocation = undefined;
  }
}

/** Closes the app and its database pool; for tests and graceful shutdown (a container never needs it). */
export async function closeLambdaApp(): Promise<void> {
  const { app, db } = await ready;
  await app.close();
  await db.destroy();
}
