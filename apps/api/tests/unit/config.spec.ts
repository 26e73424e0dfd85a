import { ConfigError } from '@bmx/aws-clients';
import { loadConfig } from '../../src/config';

const base = { IMAGES_BUCKET: 'bmx-local-images', IMAGE_JOBS_QUEUE_NAME: 'bmx-local-image-jobs' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      env: 'local',
      production: false,
      port: 3000,
      host: '127.0.0.1',
      database: undefined,
      imagesBucket: 'bmx-local-images',
      listingsBucket: 'bmx-local-images',
      imageJobsQueue: { name: 'bmx-local-image-jobs' },
      scraperFunctionName: 'bmx-local-scraper',
      healthFunctionNames: ['bmx-local-scraper'],
      publicReads: false,
      maxUploadBytes: 10 * 1024 * 1024,
      presignTtlSeconds: 3600,
      presignReuseSeconds: 900,
      healthReuseMs: 2000,
    });
  });

  it('keeps the URL reuse window below the URL lifetime', () => {
    expect(loadConfig({ ...base, PRESIGN_TTL_SECONDS: '600' })).toMatchObject({ presignTtlSeconds: 600, presignReuseSeconds: 150 });
    expect(loadConfig({ ...base, PRESIGN_REUSE_SECONDS: '0' }).presignReuseSeconds).toBe(0);
    expect(() => loadConfig({ ...base, PRESIGN_TTL_SECONDS: '600', PRESIGN_REUSE_SECONDS: '600' })).toThrow(
      expect.objectContaining({ variable: 'PRESIGN_REUSE_SECONDS', message: expect.stringMatching(/less than PRESIGN_TTL_SECONDS \(600\), got 600/) }),
    );
  });

  it('derives names from BMX_ENV and reads every option', () => {
    const config = loadConfig({
      ...base,
      BMX_ENV: 'production',
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/x',
      IMAGE_JOBS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q',
      LISTINGS_BUCKET: 'bmx-listings',
      CDN_BASE_URL: 'https://cdn.example.com/',
      AUTH_PUBLIC_READS: 'true',
      HEALTH_FUNCTION_NAMES: 'bmx-production-image-processor, bmx-production-scraper',
    });
    expect(config).toMatchObject({
      production: true,
      port: 8080,
      database: { url: 'postgres://u@db:5432/x' },
      imageJobsQueue: { url: 'https://sqs.eu-west-1.amazonaws.com/1/q' },
      listingsBucket: 'bmx-listings',
      cdnBaseUrl: 'https://cdn.example.com',
      publicReads: true,
      scraperFunctionName: 'bmx-production-scraper',
      healthFunctionNames: ['bmx-production-scraper', 'bmx-production-image-processor'],
    });
  });

  it('takes the database from DATABASE_SECRET_ARN when DATABASE_URL is not set', () => {
    const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bmx/prod/db-AbC123';
    expect(loadConfig({ ...base, DATABASE_SECRET_ARN: secretArn }).database).toEqual({ secretArn });
    expect(loadConfig({ ...base, DATABASE_SECRET_ARN: secretArn, DATABASE_URL: 'postgres://u@db/x' }).database).toEqual({ url: 'postgres://u@db/x' });
  });

  it.each([
    [{ IMAGE_JOBS_QUEUE_NAME: 'q' }, 'IMAGES_BUCKET'],
    [{ IMAGES_BUCKET: 'bmx-images' }, 'IMAGE_JOBS_QUEUE_URL'],
    [{ ...base, PORT: 'eighty' }, 'PORT'],
    [{ ...base, IMAGES_BUCKET: 'Not_A_Bucket' }, 'IMAGES_BUCKET'],
    [{ ...base, DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ...base, DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:x' }, 'DATABASE_SECRET_ARN'],
    [{ ...base, CDN_BASE_URL: 'not a url' }, 'CDN_BASE_URL'],
    [{ ...base, AUTH_PUBLIC_READS: 'maybe' }, 'AUTH_PUBLIC_READS'],
    [{ ...base, HEALTH_CHECK_TIMEOUT_MS: '9000' }, 'HEALTH_CHECK_TIMEOUT_MS'],
    [{ ...base, HEALTH_REUSE_MS: '2s' }, 'HEALTH_REUSE_MS'],
    [{ ...base, HEALTH_REUSE_MS: '60001' }, 'HEALTH_REUSE_MS'],
    [{ ...base, PRESIGN_REUSE_SECONDS: '-1' }, 'PRESIGN_REUSE_SECONDS'],
    [{ ...base, SCRAPER_FUNCTION_NAME: 'bad name!' }, 'SCRAPER_FUNCTION_NAME'],
  ])('names the bad variable: %j', (env, variable) => {
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(variable);
  });
});
