// The one set of environment readers every app's `loadConfig` is made of. Each reader trims the value, treats an
// empty one as unset, and throws `ConfigError` (from @bmx/aws-clients, which its own `queueRefFromEnv` also throws)
// naming the variable, so a misconfigured function fails its init with the variable's name, never a request.
import { ConfigError } from '@bmx/aws-clients';

/** The environment a reader looks in: `process.env` or a test's plain object. */
export type Env = NodeJS.ProcessEnv;

/** Bounds of {@link readInteger}; both inclusive. */
export interface IntegerBounds {
  /** Smallest accepted value. Default 0. */
  min?: number;
  /** Largest accepted value. Default `Number.MAX_SAFE_INTEGER`. */
  max?: number;
}

/** The trimmed value of `env[name]`; undefined when unset or blank. */
export function readText(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A value that must be set; `hint` says what it is for in the error. */
export function readRequired(env: Env, name: string, hint: string): string {
  const value = readText(env, name);
  if (value === undefined) throw new ConfigError(name, `is required: ${hint}`);
  return value;
}

/** A whole number within `bounds`; `fallback` when unset. */
export function readInteger(env: Env, name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER }: IntegerBounds = {}): number {
  const raw = readText(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** `true`/`1`/`yes` or `false`/`0`/`no`, in any case; `fallback` when unset. */
export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = readText(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/** One of `allowed`; `fallback` when unset. */
export function readOneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = readText(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** An http(s) URL without its trailing slashes; `fallback` when unset, undefined when there is neither. */
export function readBaseUrl(env: Env, name: string, fallback: string): string;
export function readBaseUrl(env: Env, name: string, fallback?: string): string | undefined;
export function readBaseUrl(env: Env, name: string, fallback?: string): string | undefined {
  const raw = readText(env, name) ?? fallback;
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `"${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** An S3 bucket name (S3's naming rule); required unless `fallback` is given. */
export function readBucketName(env: Env, name: string, fallback?: string): string {
  const value = readText(env, name) ?? fallback;
  if (value === undefined) throw new ConfigError(name, 'is required: the S3 bucket to use');
  if (!BUCKET_NAME.test(value)) throw new ConfigError(name, `"${value}" is not a valid S3 bucket name`);
  return value;
}
