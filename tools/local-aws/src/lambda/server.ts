import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, readBody, sendJson } from '../http';
import { newMapping, SqsPoller, type EventSourceMapping } from './event-source';
import { FunctionRegistry, LambdaServiceError, parseFunctionRef } from './registry';
import { FunctionRunner, type InvocationOutcome } from './runner';

/** Largest synchronous request and response payload Lambda accepts: 6 MB. */
const MAX_SYNC_PAYLOAD = 6 * 1024 * 1024;
/** Largest asynchronous (Event) payload: 1 MB since 2025, 256 KB before. */
const MAX_ASYNC_PAYLOAD = 1024 * 1024;

/** Options for {@link startLambdaServer}. */
export interface LambdaServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  region: string;
  /** Directory for unpacked function code. */
  codeRoot: string;
  /** Environment every function process starts with (endpoints, region, credentials); the function's own wins. */
  functionEnv: Record<string, string>;
  /** Receives the functions' log lines and the server's own notes. */
  log?: (line: string) => void;
  /**
   * Fault-injection switches served at `POST /local/faults/{name}` (e.g. `s3-sqs-stop`, `s3-sqs-start`), so a
   * test can stop and restart a dependency of a stack running in another process.
   */
  faults?: Record<string, () => Promise<void>>;
}

export interface LambdaServer {
  readonly url: string;
  readonly registry: FunctionRegistry;
  /** Invokes a function directly, as the event-source pollers and the scheduler do; says which version ran. */
  invoke(functionName: string, event: unknown, qualifier?: string): Promise<InvocationOutcome & { executedVersion: string }>;
  close(): Promise<void>;
}

const tooLarge = (limit: number) => new LambdaServiceError(413, 'RequestTooLargeException', `Request must be smaller than ${limit} bytes`);

function parseJson(buffer: Buffer): Record<string, unknown> {
  if (buffer.length === 0) return {};
  try {
    return JSON.parse(buffer.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new LambdaServiceError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
  }
}

/**
 * Starts a Lambda-compatible HTTP server on 127.0.0.1: the control-plane calls a deploy needs, Invoke
 * (RequestResponse, Event, DryRun), and SQS event-source mappings with their pollers.
 */
export async function startLambdaServer(options: LambdaServerOptions): Promise<LambdaServer> {
  const log = options.log ?? (() => undefined);
  const registry = new FunctionRegistry(options.region, options.codeRoot);
  const runner = new FunctionRunner(options.functionEnv, (fn, line) => log(`[${fn}] ${line}`));
  const mappings = new Map<string, SqsPoller>();
  const background = new Set<Promise<unknown>>();

  const invoke = async (functionName: string, event: unknown, qualifier?: string) => {
    const fn = registry.runnable(functionName, qualifier);
    return { ...(await runner.invoke(fn, event)), executedVersion: fn.version };
  };

  const track = <T>(promise: Promise<T>) => {
    background.add(promise);
    promise.finally(() => background.delete(promise)).catch(() => undefined);
  };

  const startPoller = (mapping: EventSourceMapping) => {
    // The ARN keeps the qualifier (an alias such as `live`), so the poller always runs what the alias points at.
    const poller = new SqsPoller(mapping, mapping.FunctionArn, options.region, invoke, log);
    mappings.set(mapping.UUID, poller);
    if (mapping.State === 'Enabled') poller.start();
    return poller;
  };

  const qualifiedArn = (ref: string) => {
    registry.resolve(ref);
    const target = parseFunctionRef(ref);
    return registry.arnOf(target.name, target.qualifier === '$LATEST' ? undefined : target.qualifier);
  };

  const mappingFor = (uuid: string) => {
    const poller = mappings.get(uuid);
    if (!poller) throw new LambdaServiceError(404, 'ResourceNotFoundException', `Event source mapping not found: ${uuid}`);
    return poller;
  };

  async function handleInvoke(req: IncomingMessage, res: ServerResponse, name: string, qualifier?: string) {
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const body = await readBody(req, type === 'Event' ? MAX_ASYNC_PAYLOAD : MAX_SYNC_PAYLOAD, tooLarge);
    let event: unknown;
    try {
      event = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      throw new LambdaServiceError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const fn = registry.runnable(name, qualifier);
    if (type === 'DryRun') return sendJson(res, 204, undefined);
    if (type === 'Event') {
      track(
        runner.invoke(fn, event).then((outcome) => {
          if (!outcome.ok) log(`[${fn.functionName}] async invoke failed: ${outcome.error.errorType} ${outcome.error.errorMessage}`);
        }),
      );
      return sendJson(res, 202, undefined);
    }
    if (type !== 'RequestResponse') throw new LambdaServiceError(400, 'InvalidParameterValueException', `Unknown invocation type ${type}`);
    const outcome = await runner.invoke(fn, event);
    const headers: Record<string, string> = { 'x-amz-executed-version': fn.version };
    if (req.headers['x-amz-log-type'] === 'Tail') headers['x-amz-log-result'] = Buffer.from(outcome.logTail).toString('base64');
    if (!outcome.ok) return sendJson(res, 200, outcome.error, { ...headers, 'x-amz-function-error': 'Unhandled' });
    const payload = JSON.stringify(outcome.payload);
    if (Buffer.byteLength(payload) > MAX_SYNC_PAYLOAD) {
      return sendJson(
        res,
        200,
        { errorType: 'Function.ResponseSizeTooLarge', errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).' },
        { ...headers, 'x-amz-function-error': 'Unhandled' },
      );
    }
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(payload);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const q = url.searchParams.get('Qualifier') ?? undefined;

    if (parts[0] === 'local' && parts[1] === 'faults' && method === 'POST') {
      const fault = options.faults?.[parts[2] ?? ''];
      if (!fault) throw new LambdaServiceError(404, 'ResourceNotFoundException', `No fault switch named ${parts[2]}`);
      await fault();
      return sendJson(res, 200, { done: parts[2] });
    }

    if (parts[0] !== '2015-03-31') throw new LambdaServiceError(404, 'UnknownOperationException', `Unknown operation ${method} ${url.pathname}`);

    if (parts[1] === 'event-source-mappings') {
      const uuid = parts[2];
      if (!uuid && method === 'POST') {
        const body = parseJson(await readBody(req, MAX_SYNC_PAYLOAD, tooLarge));
        const fnName = String(body['FunctionName'] ?? '');
        const arn = String(body['EventSourceArn'] ?? '');
        if (!/^arn:aws:sqs:[^:]+:\d{12}:[\w.-]+$/.test(arn)) {
          throw new LambdaServiceError(400, 'InvalidParameterValueException', `Only SQS queue ARNs are supported, got "${arn}"`);
        }
        const functionArn = qualifiedArn(fnName);
        const mapping = newMapping({ ...(body as object), EventSourceArn: arn, FunctionArn: functionArn } as never);
        startPoller(mapping);
        return sendJson(res, 202, mapping);
      }
      if (!uuid && method === 'GET') {
        const fnFilter = url.searchParams.get('FunctionName');
        const arnFilter = url.searchParams.get('EventSourceArn');
        const list = [...mappings.values()]
          .map((p) => p.mapping)
          .filter((m) => !fnFilter || parseFunctionRef(m.FunctionArn).name === parseFunctionRef(fnFilter).name)
          .filter((m) => !arnFilter || m.EventSourceArn === arnFilter);
        return sendJson(res, 200, { EventSourceMappings: list });
      }
      if (uuid && method === 'GET') return sendJson(res, 200, mappingFor(uuid).mapping);
      if (uuid && method === 'PUT') {
        const poller = mappingFor(uuid);
        const body = parseJson(await readBody(req, MAX_SYNC_PAYLOAD, tooLarge));
        await poller.stop();
        const m = poller.mapping;
        const updated = newMapping({
          EventSourceArn: m.EventSourceArn,
          FunctionArn: body['FunctionName'] ? qualifiedArn(String(body['FunctionName'])) : m.FunctionArn,
          BatchSize: (body['BatchSize'] as number | undefined) ?? m.BatchSize,
          MaximumBatchingWindowInSeconds: (body['MaximumBatchingWindowInSeconds'] as number | undefined) ?? m.MaximumBatchingWindowInSeconds,
          FunctionResponseTypes: (body['FunctionResponseTypes'] as string[] | undefined) ?? m.FunctionResponseTypes,
          Enabled: body['Enabled'] === undefined ? m.State === 'Enabled' : Boolean(body['Enabled']),
        });
        updated.UUID = uuid;
        mappings.delete(uuid);
        return sendJson(res, 202, startPoller(updated).mapping);
      }
      if (uuid && method === 'DELETE') {
        const poller = mappingFor(uuid);
        await poller.stop();
        mappings.delete(uuid);
        return sendJson(res, 202, { ...poller.mapping, State: 'Deleting' });
      }
    }

    if (parts[1] === 'functions') {
      const name = parts[2];
      const sub = parts[3];
      if (!name && method === 'POST') {
        const config = registry.create(parseJson(await readBody(req, 80 * 1024 * 1024, tooLarge)) as never);
        return sendJson(res, 201, config);
      }
      if (!name && method === 'GET') return sendJson(res, 200, { Functions: registry.list() });
      if (!name) throw new LambdaServiceError(404, 'UnknownOperationException', `Unknown operation ${method} ${url.pathname}`);
      if (!sub && method === 'GET') {
        const { config } = registry.resolve(name, q);
        return sendJson(res, 200, { Configuration: config, Code: { RepositoryType: 'S3', Location: `${server.url}/local/code/${config.FunctionName}` } });
      }
      if (!sub && method === 'DELETE') {
        registry.delete(name);
        runner.retire(parseFunctionRef(name).name);
        return sendJson(res, 204, undefined);
      }
      if (sub === 'configuration' && method === 'GET') return sendJson(res, 200, registry.resolve(name, q).config);
      if (sub === 'configuration' && method === 'PUT') {
        const config = registry.updateConfiguration(name, parseJson(await readBody(req, MAX_SYNC_PAYLOAD, tooLarge)) as never);
        runner.retire(config.FunctionName);
        return sendJson(res, 200, config);
      }
      if (sub === 'code' && method === 'PUT') {
        const config = registry.updateCode(name, parseJson(await readBody(req, 80 * 1024 * 1024, tooLarge)) as never);
        runner.retire(config.FunctionName);
        return sendJson(res, 200, config);
      }
      if (sub === 'versions' && method === 'POST') return sendJson(res, 201, registry.publish(name));
      if (sub === 'versions' && method === 'GET') return sendJson(res, 200, { Versions: registry.listVersions(name) });
      if (sub === 'aliases') {
        const aliasName = parts[4];
        if (!aliasName && method === 'POST') {
          return sendJson(res, 201, registry.putAlias(name, parseJson(await readBody(req, MAX_SYNC_PAYLOAD, tooLarge)) as never, false));
        }
        if (aliasName && method === 'GET') return sendJson(res, 200, registry.getAlias(name, aliasName));
        if (aliasName && method === 'PUT') {
          const body = parseJson(await readBody(req, MAX_SYNC_PAYLOAD, tooLarge));
          const current = registry.getAlias(name, aliasName);
          return sendJson(
            res,
            200,
            registry.putAlias(name, { Name: aliasName, FunctionVersion: String(body['FunctionVersion'] ?? current.FunctionVersion), Description: body['Description'] as string | undefined }, true),
          );
        }
      }
      if (sub === 'invocations' && method === 'POST') return handleInvoke(req, res, name, q);
    }
    throw new LambdaServiceError(404, 'UnknownOperationException', `Unknown operation ${method} ${url.pathname}`);
  }

  const http: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const known = error instanceof LambdaServiceError;
      const status = known ? error.statusCode : 500;
      const type = known ? error.type : 'ServiceException';
      if (!known) log(`lambda server error: ${(error as Error).stack ?? error}`);
      if (res.headersSent) {
        res.end();
        return;
      }
      sendJson(res, status, { Type: status >= 500 ? 'Service' : 'User', message: (error as Error).message }, { 'x-amzn-errortype': type });
    });
  });
  const { url } = await listenOnLoopback(http, options.port);

  const server: LambdaServer = {
    url,
    registry,
    invoke,
    async close() {
      await Promise.all([...mappings.values()].map((p) => p.stop()));
      mappings.clear();
      await closeServer(http);
      await runner.close();
      await Promise.allSettled([...background]);
    },
  };
  return server;
}
