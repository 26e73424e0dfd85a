import { ConfigError, readAwsEnvironment } from '../../src';

describe('readAwsEnvironment', () => {
  it('names AWS_REGION when it is not a region', () => {
    expect(() => readAwsEnvironment({ AWS_REGION: 'moon-base' })).toThrow(ConfigError);
    expect(() => readAwsEnvironment({ AWS_REGION: 'moon-base' })).toThrow(/^AWS_REGION: "moon-base"/);
  });

  it('prefers the per-service endpoint over the general one', () => {
    const env = readAwsEnvironment({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1000',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:2000/',
    });
    expect(env.endpoints).toEqual({
      s3: 'http://127.0.0.1:1000',
      sqs: 'http://127.0.0.1:2000',
      lambda: 'http://127.0.0.1:1000',
      secretsmanager: 'http://127.0.0.1:1000',
      scheduler: 'http://127.0.0.1:1000',
    });
  });

  it('leaves endpoints to AWS when none is set', () => {
    expect(readAwsEnvironment({}).endpoints).toEqual({
      s3: undefined,
      sqs: undefined,
      lambda: undefined,
      secretsmanager: undefined,
      scheduler: undefined,
    });
  });

  it('reads the SDK\'s own per-service names for Secrets Manager and Scheduler', () => {
    const env = readAwsEnvironment({
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:3000',
      AWS_ENDPOINT_URL_SCHEDULER: 'http://127.0.0.1:4000',
    });
    expect(env.endpoints.secretsmanager).toBe('http://127.0.0.1:3000');
    expect(env.endpoints.scheduler).toBe('http://127.0.0.1:4000');
    expect(env.endpoints.s3).toBeUndefined();
  });

  it('names the endpoint variable that is not an http URL', () => {
    expect(() => readAwsEnvironment({ AWS_ENDPOINT_URL_S3: 'not a url' })).toThrow(/^AWS_ENDPOINT_URL_S3: /);
    expect(() => readAwsEnvironment({ AWS_ENDPOINT_URL_LAMBDA: 'ftp://x' })).toThrow(/^AWS_ENDPOINT_URL_LAMBDA: must be an http/);
  });
});
