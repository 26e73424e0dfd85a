import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { readAwsEnvironment, type AwsEnvironment, type AwsService } from './config';
import { CLIENT_PROFILES, type ClientProfile } from './profiles';
import { resolveAwsRegion } from './region';

type AnyClient = S3Client | SQSClient | LambdaClient | SecretsManagerClient | SchedulerClient;

let environment: AwsEnvironment | undefined;
let region: Promise<string> | undefined;
const cache = new Map<string, AnyClient>();

/** The region and endpoints every client uses; read and validated on first use. */
export function getAwsEnvironment(): AwsEnvironment {
  environment ??= readAwsEnvironment();
  return environment;
}

/**
 * The region every client uses (`resolveAwsRegion` on this process's environment), resolved once; a failed
 * resolution (a malformed value) is not kept.
 */
export function getAwsRegion(): Promise<string> {
  if (!region) {
    const resolving = resolveAwsRegion().then((resolved) => resolved.region);
    resolving.catch(() => {
      if (region === resolving) region = undefined;
    });
    region = resolving;
  }
  return region;
}

function baseConfig(service: AwsService, profile: ClientProfile) {
  const env = getAwsEnvironment();
  const settings = CLIENT_PROFILES[profile];
  const agentOptions = { keepAlive: true, maxSockets: settings.maxSockets };
  return {
    // A provider: the profile's region is read from the shared config files, which the SDK loads asynchronously.
    region: getAwsRegion,
    // An explicit endpoint, rather than leaving it to the SDK's own env lookup, because the local SQS server
    // hands out queue URLs whose host does not resolve: the client must never follow them.
    ...(env.endpoints[service] ? { endpoint: env.endpoints[service] } : {}),
    maxAttempts: settings.maxAttempts,
    retryMode: settings.retryMode,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      // Without this, @smithy/node-http-handler 4.x only logs a warning when requestTimeout passes and the
      // request keeps waiting: a hung dependency would hang the caller.
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    }),
  };
}

function cached<T extends AnyClient>(service: AwsService, profile: ClientProfile, create: () => T): T {
  const key = `${service}:${profile}`;
  let client = cache.get(key) as T | undefined;
  if (!client) {
    client = create();
    cache.set(key, client);
  }
  return client;
}

/** The process-wide S3 client for `profile`, created on first use. Path-style addressing when an endpoint is set. */
export function getS3Client(profile: ClientProfile = 'default'): S3Client {
  return cached('s3', profile, () => {
    const config = baseConfig('s3', profile);
    return new S3Client({ ...config, forcePathStyle: Boolean(config.endpoint) });
  });
}

/** The process-wide SQS client for `profile`, created on first use. */
export function getSqsClient(profile: ClientProfile = 'default'): SQSClient {
  return cached('sqs', profile, () => new SQSClient(baseConfig('sqs', profile)));
}

/** The process-wide Lambda client for `profile`, created on first use. */
export function getLambdaClient(profile: ClientProfile = 'default'): LambdaClient {
  return cached('lambda', profile, () => new LambdaClient(baseConfig('lambda', profile)));
}

/** The process-wide Secrets Manager client for `profile`, created on first use. */
export function getSecretsManagerClient(profile: ClientProfile = 'default'): SecretsManagerClient {
  return cached('secretsmanager', profile, () => new SecretsManagerClient(baseConfig('secretsmanager', profile)));
}

/** The process-wide EventBridge Scheduler client for `profile`, created on first use. Used by deploys. */
export function getSchedulerClient(profile: ClientProfile = 'default'): SchedulerClient {
  return cached('scheduler', profile, () => new SchedulerClient(baseConfig('scheduler', profile)));
}

/** Options for {@link resetAwsClients}. */
export interface ResetOptions {
  /**
   * Close the forgotten clients' sockets. Default true. False lets requests still in flight on them finish
   * (a benchmark that makes a client per call while other calls run).
   */
  destroy?: boolean;
}

/** Forgets every cached client (destroying them), the environment and the region, so the next call reads it again. For tests. */
export function resetAwsClients(options: ResetOptions = {}): void {
  if (options.destroy !== false) for (const client of cache.values()) client.destroy();
  cache.clear();
  environment = undefined;
  region = undefined;
}
