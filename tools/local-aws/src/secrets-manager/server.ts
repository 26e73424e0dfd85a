import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, readBody, sendJson } from '../http';
import { SecretsManagerError, SecretStore } from './store';

const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Largest request accepted: a 64 KiB value, base64-encoded, inside its JSON envelope. */
const MAX_REQUEST_BYTES = 256 * 1024;

/** Options for {@link startSecretsManagerServer}. */
export interface SecretsManagerServerOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  region: string;
  /** Receives the server's notes on unexpected errors. */
  log?: (line: string) => void;
}

/** A running local Secrets Manager. */
export interface SecretsManagerServer {
  readonly url: string;
  readonly store: SecretStore;
  close(): Promise<void>;
}

const tooLarge = (limit: number) => new SecretsManagerError('InvalidRequestException', `Request must be smaller than ${limit} bytes`, 413);

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, status, body, { 'content-type': CONTENT_TYPE, ...headers });
}

/**
 * Starts a Secrets Manager-compatible server on 127.0.0.1 speaking AWS JSON 1.1 (`POST /` with
 * `X-Amz-Target: secretsmanager.<Operation>`), so the real `@aws-sdk/client-secrets-manager` works against it.
 * Signatures are not checked.
 */
export async function startSecretsManagerServer(options: SecretsManagerServerOptions): Promise<SecretsManagerServer> {
  const log = options.log ?? (() => undefined);
  const store = new SecretStore(options.region);
  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    CreateSecret: (input) => store.create(input),
    GetSecretValue: (input) => store.getValue(input),
    PutSecretValue: (input) => store.put(input),
    DescribeSecret: (input) => store.describe(input),
    ListSecrets: () => store.list(),
    DeleteSecret: (input) => store.delete(input),
    RestoreSecret: (input) => store.restore(input),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const [service, operation = ''] = target.split('.');
    // The local-only seeding of a secret under an exact ARN (see SecretStore.seed and seedSecret).
    const seeding = req.method === 'POST' && req.url === '/local/secrets';
    if (!seeding && (req.method !== 'POST' || service !== 'secretsmanager' || !Object.hasOwn(operations, operation))) {
      throw new SecretsManagerError('UnknownOperationException', `Unknown operation ${req.method} ${target || '(no X-Amz-Target)'}`);
    }
    const body = await readBody(req, MAX_REQUEST_BYTES, tooLarge);
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      throw new SecretsManagerError('SerializationException', 'The request body is not valid JSON.');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new SecretsManagerError('SerializationException', 'The request body must be a JSON object.');
    }
    if (seeding) return send(res, 200, store.seed(input as Record<string, unknown>));
    send(res, 200, (operations[operation] as (i: Record<string, unknown>) => unknown)(input as Record<string, unknown>));
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const known = error instanceof SecretsManagerError;
      if (!known) log(`secrets manager error: ${(error as Error).stack ?? error}`);
      const type = known ? error.type : 'InternalServiceError';
      send(res, known ? error.statusCode : 500, { __type: type, Message: (error as Error).message }, { 'x-amzn-errortype': type });
    });
  });
  const { url } = await listenOnLoopback(http, options.port);
  return { url, store, close: () => closeServer(http) };
}

/**
 * Creates a secret under an exact ARN, as if the account already had it: how the local stack stands in for a secret a
 * template imports by its full ARN (environments.json's `database.secretArn`), whose random suffix CreateSecret would
 * never reproduce. `POST {AWS_ENDPOINT_URL_SECRETS_MANAGER}/local/secrets` with `{ARN, SecretString}`; resolves with
 * the secret's ARN and first version.
 */
export async function seedSecret(arn: string, secretString: string, options: { endpoint?: string } = {}): Promise<{ ARN: string; VersionId: string }> {
  const endpoint = options.endpoint ?? process.env['AWS_ENDPOINT_URL_SECRETS_MANAGER'];
  if (!endpoint) throw new Error('seedSecret: no endpoint given and AWS_ENDPOINT_URL_SECRETS_MANAGER is not set');
  const response = await fetch(`${endpoint}/local/secrets`, { method: 'POST', body: JSON.stringify({ ARN: arn, SecretString: secretString }) });
  const body = (await response.json()) as { ARN: string; VersionId: string; Message?: string };
  if (!response.ok) throw new Error(`seed ${arn}: ${response.status} ${response.headers.get('x-amzn-errortype')} ${body.Message ?? ''}`);
  return body;
}
