import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { getSecretsManagerClient } from './clients';
import type { ClientProfile } from './profiles';

/** How long a secret value is reused before it is read again, unless the caller says otherwise: 5 minutes. */
export const DEFAULT_SECRET_MAX_AGE_MS = 5 * 60_000;

/** Options for {@link getSecretString} and {@link getSecretJson}. */
export interface SecretReadOptions {
  /** Reuse a value read less than this many milliseconds ago. Default {@link DEFAULT_SECRET_MAX_AGE_MS}. */
  maxAgeMs?: number;
  /**
   * Read the secret again whatever its age, e.g. after the database refused the cached password because the secret
   * was rotated. A read already in flight is shared rather than repeated.
   */
  forceRefresh?: boolean;
  /** Client profile used for the read. Default `default`. */
  profile?: ClientProfile;
}

interface CacheEntry {
  value: Promise<string>;
  /** `Date.now()` when the value arrived; undefined while the read is in flight. */
  fetchedAt?: number;
}

const cache = new Map<string, CacheEntry>();

async function readSecret(secretId: string, profile: ClientProfile): Promise<string> {
  const out = await getSecretsManagerClient(profile).send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
  if (out.SecretString !== undefined) return out.SecretString;
  if (out.SecretBinary !== undefined) return Buffer.from(out.SecretBinary).toString('utf8');
  throw new Error(`secret ${secretId} has neither SecretString nor SecretBinary`);
}

/**
 * The current (`AWSCURRENT`) value of a Secrets Manager secret, by name or ARN, as text. Values are cached per secret
 * id for `maxAgeMs`; concurrent callers share one read, and a failed read is not cached (the next call asks again).
 * The value is never logged or put into an error message.
 */
export function getSecretString(secretId: string, options: SecretReadOptions = {}): Promise<string> {
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_SECRET_MAX_AGE_MS;
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) throw new RangeError(`maxAgeMs must be a non-negative number of milliseconds, got ${maxAgeMs}`);
  if (!secretId) throw new RangeError('secretId must be a secret name or ARN');
  const entry = cache.get(secretId);
  if (entry) {
    if (entry.fetchedAt === undefined) return entry.value;
    if (!options.forceRefresh && Date.now() - entry.fetchedAt < maxAgeMs) return entry.value;
  }
  const fresh: CacheEntry = { value: readSecret(secretId, options.profile ?? 'default') };
  cache.set(secretId, fresh);
  fresh.value.then(
    () => {
      fresh.fetchedAt = Date.now();
    },
    () => {
      if (cache.get(secretId) === fresh) cache.delete(secretId);
    },
  );
  return fresh.value;
}

/**
 * {@link getSecretString}, parsed as JSON (as RDS and most rotation functions store credentials). A value that is
 * not JSON throws an error naming the secret, not its content.
 */
export async function getSecretJson<T = Record<string, unknown>>(secretId: string, options: SecretReadOptions = {}): Promise<T> {
  const text = await getSecretString(secretId, options);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SecretNotJsonError(secretId);
  }
}

/** {@link getSecretJson} read a value that is not JSON; the message names the secret, never its content. */
export class SecretNotJsonError extends Error {
  override readonly name = 'SecretNotJsonError';
  constructor(readonly secretId: string) {
    super(`secret ${secretId} is not JSON`);
  }
}

/** Forgets cached secret values: one secret's, or all of them. For tests, and for callers that know a value is stale. */
export function resetSecretCache(secretId?: string): void {
  if (secretId === undefined) cache.clear();
  else cache.delete(secretId);
}
