import {
  CLIENT_PROFILES,
  getLambdaClient,
  getS3Client,
  getSchedulerClient,
  getSecretsManagerClient,
  getSqsClient,
  resetAwsClients,
} from '../../src';

describe('client cache', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    // Only the general endpoint: the per-service ones the local stack exports would win over it.
    const unrelated = Object.fromEntries(Object.entries(saved).filter(([key]) => !key.startsWith('AWS_ENDPOINT_URL')));
    process.env = { ...unrelated, AWS_REGION: 'eu-central-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    resetAwsClients();
  });
  afterAll(() => {
    process.env = saved;
    resetAwsClients();
  });

  it('returns the same instance for the life of the process', () => {
    expect(getS3Client()).toBe(getS3Client());
    expect(getSqsClient()).toBe(getSqsClient('default'));
    expect(getLambdaClient('longCall')).toBe(getLambdaClient('longCall'));
    expect(getSecretsManagerClient()).toBe(getSecretsManagerClient());
    expect(getSchedulerClient()).toBe(getSchedulerClient());
  });

  it('gives Secrets Manager and Scheduler the same region and endpoint rule', async () => {
    for (const client of [getSecretsManagerClient(), getSchedulerClient()]) {
      expect(await client.config.region()).toBe('eu-central-1');
      const endpoint = await client.config.endpoint!();
      expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:9');
    }
  });

  it('keeps one instance per profile', () => {
    expect(getSqsClient('healthCheck')).not.toBe(getSqsClient());
    expect(getLambdaClient('longCall')).not.toBe(getLambdaClient('healthCheck'));
  });

  it('makes new clients after a reset, reading the environment again', async () => {
    const first = getS3Client();
    process.env['AWS_REGION'] = 'ap-south-1';
    resetAwsClients();
    const second = getS3Client();
    expect(second).not.toBe(first);
    expect(await second.config.region()).toBe('ap-south-1');
  });

  it('destroys forgotten clients unless asked not to', () => {
    const kept = getS3Client();
    const keptDestroy = jest.spyOn(kept, 'destroy');
    resetAwsClients({ destroy: false });
    expect(keptDestroy).not.toHaveBeenCalled();
    const next = getS3Client();
    expect(next).not.toBe(kept);
    const nextDestroy = jest.spyOn(next, 'destroy');
    resetAwsClients();
    expect(nextDestroy).toHaveBeenCalledTimes(1);
  });

  it('applies the region, the explicit endpoint and path-style S3', async () => {
    const s3 = getS3Client();
    expect(await s3.config.region()).toBe('eu-central-1');
    const endpoint = await s3.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:9');
    expect(s3.config.forcePathStyle).toBe(true);
  });

  it('sets attempts and timeouts from the profile', async () => {
    for (const profile of Object.keys(CLIENT_PROFILES) as (keyof typeof CLIENT_PROFILES)[]) {
      const client = getLambdaClient(profile);
      expect(await client.config.maxAttempts()).toBe(CLIENT_PROFILES[profile].maxAttempts);
      const handlerConfig = await (client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> })
        .configProvider;
      expect(handlerConfig['connectionTimeout']).toBe(CLIENT_PROFILES[profile].connectionTimeoutMs);
      expect(handlerConfig['requestTimeout']).toBe(CLIENT_PROFILES[profile].requestTimeoutMs);
    }
  });

  it('gives health checks a total budget of 5 s and no retries, and long calls no retries', () => {
    const health = CLIENT_PROFILES.healthCheck;
    expect(health.connectionTimeoutMs + health.requestTimeoutMs).toBeLessThanOrEqual(5_000);
    expect(health.maxAttempts).toBe(1);
    expect(CLIENT_PROFILES.longCall.maxAttempts).toBe(1);
    expect(CLIENT_PROFILES.longCall.requestTimeoutMs).toBeGreaterThan(120_000);
  });

  it('reports the bad variable on first use', () => {
    process.env['AWS_ENDPOINT_URL_S3'] = 'nope';
    resetAwsClients();
    expect(() => getS3Client()).toThrow(/AWS_ENDPOINT_URL_S3/);
  });
});
