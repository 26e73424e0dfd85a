import { ConfigError } from '@bmx/aws-clients';
import { DEFAULT_JOB_STALE_AFTER_SECONDS } from '@bmx/db';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it("takes over a job after the deployed queue's visibility timeout, which outlasts the function's timeout", () => {
    // The deploy sets no IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS: the default must be the queue's own timeout.
    const deploy = JSON.parse(readFileSync(path.join(__dirname, '../../lambda.deploy.json'), 'utf8'));
    const processor = deploy.functions.find((fn: { id: string }) => fn.id === 'processor');
    expect(processor.sqs.visibilityTimeoutSeconds).toBe(DEFAULT_JOB_STALE_AFTER_SECONDS);
    expect(processor.timeout).toBeLessThan(DEFAULT_JOB_STALE_AFTER_SECONDS);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', IMAGES_BUCKET: 'b-1' }).jobStaleAfterSeconds).toBe(processor.sqs.visibilityTimeoutSeconds);
  });

  const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', IMAGES_BUCKET: 'bmx-images' };

  it('applies the defaults', () => {
    expect(loadConfig(base)).toEqual({
      database: { url: base.DATABASE_URL },
      imagesBucket: 'bmx-images',
      jobStaleAfterSeconds: 1800,
      maxImageDimension: 4096,
      minSubjectPixels: 100,
      dbPoolSize: 2,
    });
  });

  it('takes the database from DATABASE_SECRET_ARN when DATABASE_URL is not set', () => {
    const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bmx/prod/db-AbC123';
    expect(loadConfig({ IMAGES_BUCKET: 'bmx-images', DATABASE_SECRET_ARN: secretArn }).database).toEqual({ secretArn });
    expect(loadConfig({ ...base, DATABASE_SECRET_ARN: secretArn }).database).toEqual({ url: base.DATABASE_URL });
  });

  it.each([
    [{ ...base, DATABASE_URL: undefined }, 'DATABASE_URL'],
    [{ ...base, DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ...base, DATABASE_URL: undefined, DATABASE_SECRET_ARN: 'bmx/prod/db' }, 'DATABASE_SECRET_ARN'],
    [{ ...base, IMAGES_BUCKET: '' }, 'IMAGES_BUCKET'],
    [{ ...base, IMAGES_BUCKET: 'Bad_Bucket' }, 'IMAGES_BUCKET'],
    [{ ...base, IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS: 'soon' }, 'IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS'],
    [{ ...base, IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS: '0' }, 'IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS'],
    [{ ...base, MAX_IMAGE_DIMENSION: '99999' }, 'MAX_IMAGE_DIMENSION'],
  ])('names the bad variable (%#)', (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env as NodeJS.ProcessEnv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
  });
});
