import { ConfigError, getSecretJson, SecretNotJsonError } from '@bmx/aws-clients';

/** Where the database's connection string comes from: a URL, or a Secrets Manager secret holding the credentials. */
export type DatabaseSource = { url: string } | { secretArn: string };

/** Options for {@link resolveDatabaseUrl}. */
export interface ResolveDatabaseUrlOptions {
  /** Read the secret again now instead of using the cached value (after the server refused the credentials). */
  forceRefresh?: boolean;
  /** Reuse a secret read less than this long ago. Default: `@bmx/aws-clients`' 5 minutes. */
  maxAgeMs?: number;
}

const URL_PATTERN = /^postgres(ql)?:\/\/[^\s]+$/;
const SECRET_ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const MISSING_HINT =
  'set it to the postgres:// URL of the database, or set DATABASE_SECRET_ARN to a Secrets Manager secret holding its credentials';

/**
 * Reads `DATABASE_URL` (checked to be a `postgres://` URL), else `DATABASE_SECRET_ARN` (checked to be a Secrets
 * Manager secret ARN). Undefined when neither is set, unless `required`: then a {@link ConfigError} names both.
 * A malformed value throws a `ConfigError` naming its variable.
 */
export function databaseSourceFromEnv(env: NodeJS.ProcessEnv | undefined, options: { required: true }): DatabaseSource;
export function databaseSourceFromEnv(env?: NodeJS.ProcessEnv, options?: { required?: boolean }): DatabaseSource | undefined;
export function databaseSourceFromEnv(env: NodeJS.ProcessEnv = process.env, options: { required?: boolean } = {}): DatabaseSource | undefined {
  const url = env['DATABASE_URL']?.trim();
  if (url) {
    if (!URL_PATTERN.test(url)) throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL (e.g. postgres://user@127.0.0.1:5432/db)');
    return { url };
  }
  const secretArn = env['DATABASE_SECRET_ARN']?.trim();
  if (secretArn) {
    if (!SECRET_ARN_PATTERN.test(secretArn)) {
      throw new ConfigError('DATABASE_SECRET_ARN', `must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>), got "${secretArn}"`);
    }
    return { secretArn };
  }
  if (options.required) throw new ConfigError('DATABASE_URL', `is required: ${MISSING_HINT}`);
  return undefined;
}

/** The fields of an RDS-style database secret this library reads. */
interface DatabaseSecret {
  username?: unknown;
  password?: unknown;
  host?: unknown;
  port?: unknown;
  dbname?: unknown;
}

function secretError(secretArn: string, reason: string): ConfigError {
  return new ConfigError('DATABASE_SECRET_ARN', `secret ${secretArn} ${reason}`);
}

/**
 * Builds a connection string from an RDS-style secret (`username`, `password`, `host`, optional `port` and `dbname`).
 * User and password are URL-encoded. Errors name the field at fault, never a value.
 */
export function databaseUrlFromSecret(secretArn: string, secret: unknown): string {
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw secretError(secretArn, 'must hold a JSON object with username, password, host, port and dbname');
  }
  const { username, password, host, port, dbname } = secret as DatabaseSecret;
  for (const [field, value] of Object.entries({ username, host })) {
    if (typeof value !== 'string' || value === '') throw secretError(secretArn, `has no "${field}" (a non-empty string is required)`);
  }
  // Empty is a password too: a server that trusts local logins (the local stack's) asks for none.
  if (typeof password !== 'string') throw secretError(secretArn, 'has no "password" (a string is required)');
  let portNumber = 5432;
  if (port !== undefined && port !== null && port !== '') {
    portNumber = Number(port);
    if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) throw secretError(secretArn, 'has a "port" that is not a port number');
  }
  if (dbname !== undefined && dbname !== null && typeof dbname !== 'string') throw secretError(secretArn, 'has a "dbname" that is not a string');
  const hostPart = (host as string).includes(':') ? `[${host as string}]` : (host as string);
  if (!/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(hostPart)) throw secretError(secretArn, 'has a "host" that is not a host name or IP address');
  const database = dbname ? `/${encodeURIComponent(dbname)}` : '';
  return `postgres://${encodeURIComponent(username as string)}:${encodeURIComponent(password as string)}@${hostPart}:${portNumber}${database}`;
}

/**
 * The RDS-style SecretString (`{engine, host, port, username, password, dbname}`) holding the login of a
 * `postgres://` URL: the inverse of {@link databaseUrlFromSecret}, for standing in for a database secret locally.
 * `credentials` replace the URL's user and password.
 */
export function databaseSecretFromUrl(databaseUrl: string, credentials?: { username: string; password: string }): string {
  const url = new URL(databaseUrl);
  return JSON.stringify({
    engine: 'postgres',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port || 5432),
    username: credentials?.username ?? decodeURIComponent(url.username),
    password: credentials?.password ?? decodeURIComponent(url.password),
    dbname: decodeURIComponent(url.pathname.slice(1)),
  });
}

/**
 * The connection string for `source`: the URL itself, or one built from the secret, read through `@bmx/aws-clients`'
 * cache (so repeated calls within its TTL cost nothing, and `forceRefresh` picks up a rotation at once).
 */
export async function resolveDatabaseUrl(source: DatabaseSource, options: ResolveDatabaseUrlOptions = {}): Promise<string> {
  if ('url' in source) return source.url;
  let secret: unknown;
  try {
    secret = await getSecretJson(source.secretArn, options);
  } catch (error) {
    if (error instanceof SecretNotJsonError) throw secretError(source.secretArn, 'is not JSON');
    throw new Error(`DATABASE_SECRET_ARN: could not read secret ${source.secretArn}: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
  }
  return databaseUrlFromSecret(source.secretArn, secret);
}
