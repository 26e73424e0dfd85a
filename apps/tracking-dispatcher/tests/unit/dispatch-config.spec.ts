import { ConfigError } from '@bmx/aws-clients';
import { loadConfig } from '../../src/dispatch/config';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', TRACKING_QUEUE_NAME: 'tracking' };

describe('dispatcher loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(base)).toEqual({
      database: { url: base.DATABASE_URL },
      queue: { name: 'tracking' },
      pageSize: 1000,
      concurrency: 4,
    });
  });

  it('prefers TRACKING_QUEUE_URL over the name', () => {
    expect(loadConfig({ ...base, TRACKING_QUEUE_URL: 'http://127.0.0.1:1/000000000000/q' }).queue).toEqual({
      url: 'http://127.0.0.1:1/000000000000/q',
    });
  });

  it('fails at start-up, naming the variable, when no queue is configured', () => {
    expect(() => loadConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(/TRACKING_QUEUE_URL.*TRACKING_QUEUE_NAME/);
  });

  it('requires DATABASE_URL or DATABASE_SECRET_ARN, naming the variable at fault', () => {
    expect(() => loadConfig({ TRACKING_QUEUE_NAME: 'q' })).toThrow(/DATABASE_URL.*DATABASE_SECRET_ARN/);
    expect(() => loadConfig({ ...base, DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ TRACKING_QUEUE_NAME: 'q', DATABASE_SECRET_ARN: 'db-secret' })).toThrow(/^DATABASE_SECRET_ARN: /);
  });

  it('takes the database from DATABASE_SECRET_ARN when DATABASE_URL is not set', () => {
    const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bmx/prod/db-AbC123';
    expect(loadConfig({ TRACKING_QUEUE_NAME: 'q', DATABASE_SECRET_ARN: secretArn }).database).toEqual({ secretArn });
  });

  it.each([
    ['DISPATCH_PAGE_SIZE', '0'],
    ['DISPATCH_PAGE_SIZE', 'ten'],
    ['DISPATCH_CONCURRENCY', '-1'],
    ['DISPATCH_CONCURRENCY', '1.5'],
  ])('rejects %s=%s', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(new RegExp(name));
  });

  it('reads page size and concurrency', () => {
    const config = loadConfig({ ...base, DISPATCH_PAGE_SIZE: '250', DISPATCH_CONCURRENCY: '8' });
    expect(config.pageSize).toBe(250);
    expect(config.concurrency).toBe(8);
  });
});
