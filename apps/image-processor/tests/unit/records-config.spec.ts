import { ConfigError } from '@bmx/aws-clients';
import { loadConfig } from '../../src/config';
import { parseRecord, sqsRecordsOf } from '../../src/sqs-records';

const JOB = '5f0c6f2e-8a41-4d55-9d7e-0b7f6c1e2a3b';

describe('parseRecord', () => {
  it('accepts a well-formed job message', () => {
    expect(parseRecord({ messageId: 'm1', body: JSON.stringify({ job_id: JOB, book_id: 3, image_id: 9 }) })).toEqual({
      ok: true,
      messageId: 'm1',
      message: { job_id: JOB, book_id: 3, image_id: 9 },
    });
  });

  it.each([
    ['not json', 'body is not JSON'],
    ['[1]', 'body is not a JSON object'],
    [JSON.stringify({ job_id: 'nope', book_id: 1, image_id: 1 }), 'job_id must be a UUID string'],
    [JSON.stringify({ job_id: JOB, book_id: '1', image_id: 1 }), 'book_id must be a positive integer'],
    [JSON.stringify({ job_id: JOB, book_id: 1 }), 'image_id must be a positive integer'],
  ])('names what is wrong with %s', (body, reason) => {
    expect(parseRecord({ messageId: 'm2', body })).toEqual({ ok: false, messageId: 'm2', reason });
  });

  it('treats a missing body as malformed instead of throwing', () => {
    expect(parseRecord({ messageId: 'm3', body: undefined as unknown as string })).toMatchObject({ ok: false });
  });
});

describe('event shapes', () => {
  it('finds the Records array, or nothing', () => {
    expect(sqsRecordsOf({ Records: [] })).toEqual([]);
    expect(sqsRecordsOf({ Records: 'x' })).toBeUndefined();
    expect(sqsRecordsOf('x')).toBeUndefined();
  });
});

describe('loadConfig', () => {
  const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', IMAGES_BUCKET: 'bmx-images' };

  it('applies the defaults', () => {
    expect(loadConfig(base)).toEqual({
      database: { url: base.DATABASE_URL },
      imagesBucket: 'bmx-images',
      visibilityTimeoutSeconds: 300,
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
    [{ ...base, VISIBILITY_TIMEOUT_SECONDS: 'soon' }, 'VISIBILITY_TIMEOUT_SECONDS'],
    [{ ...base, VISIBILITY_TIMEOUT_SECONDS: '0' }, 'VISIBILITY_TIMEOUT_SECONDS'],
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
