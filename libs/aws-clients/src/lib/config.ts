import { ConfigError } from './errors';
import { regionFromVariables } from './region';

/** The AWS services this repo talks to. */
export type AwsService = 's3' | 'sqs' | 'lambda' | 'secretsmanager' | 'scheduler';

/** Endpoints resolved from the environment, once per process (the region: `resolveAwsRegion`). */
export interface AwsEnvironment {
  /** Explicit endpoint per service, or undefined to let the SDK use the AWS default. */
  endpoints: Record<AwsService, string | undefined>;
}

/** The suffix of `AWS_ENDPOINT_URL_<SERVICE>` for each service, as the SDK names them. */
const ENDPOINT_SUFFIX: Record<AwsService, string> = {
  s3: 'S3',
  sqs: 'SQS',
  lambda: 'LAMBDA',
  secretsmanager: 'SECRETS_MANAGER',
  scheduler: 'SCHEDULER',
};

function readEndpoint(env: NodeJS.ProcessEnv, service: AwsService): string | undefined {
  const specific = `AWS_ENDPOINT_URL_${ENDPOINT_SUFFIX[service]}`;
  for (const variable of [specific, 'AWS_ENDPOINT_URL']) {
    const value = env[variable]?.trim();
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(variable, `"${value}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(variable, `must be an http(s) URL, got "${value}"`);
    }
    return value.replace(/\/+$/, '');
  }
  return undefined;
}

/**
 * Reads the one endpoint rule (`AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`, else AWS itself) and checks
 * the region variables (`AWS_REGION`, `AWS_DEFAULT_REGION`; the full region rule, profile included, is
 * `resolveAwsRegion`). Throws {@link ConfigError} naming the variable when a value is malformed.
 */
export function readAwsEnvironment(env: NodeJS.ProcessEnv = process.env): AwsEnvironment {
  regionFromVariables(env);
  return {
    endpoints: {
      s3: readEndpoint(env, 's3'),
      sqs: readEndpoint(env, 'sqs'),
      lambda: readEndpoint(env, 'lambda'),
      secretsmanager: readEndpoint(env, 'secretsmanager'),
      scheduler: readEndpoint(env, 'scheduler'),
    },
  };
}
