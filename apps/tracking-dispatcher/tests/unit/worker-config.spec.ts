import { ConfigError } from '@bmx/aws-clients';
import { DEFAULT_BASE_URLS } from '../../src/carriers/config';
import { loadConfig } from '../../src/worker/config';

const credentials = {
  UPS_ACCESS_TOKEN: 'u',
  USPS_ACCESS_TOKEN: 'p',
  FEDEX_ACCESS_TOKEN: 'f',
  DHL_API_KEY: 'd',
  ROYAL_MAIL_CLIENT_ID: 'ri',
  ROYAL_MAIL_CLIENT_SECRET: 'rs',
};
const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', ...credentials };

describe('worker loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toEqual(
      expect.objectContaining({ queue: undefined, deliveredGraceHours: 24, concurrency: 4, circuitFailureThreshold: 3, circuitOpenMinutes: 30 }),
    );
    expect(config.carriers.ups).toEqual({ baseUrl: DEFAULT_BASE_URLS.ups, auth: { accessToken: 'u' }, timeoutMs: 10_000 });
    expect(config.carriers.royal_mail).toEqual(expect.objectContaining({ clientId: 'ri', clientSecret: 'rs' }));
  });

  it.each(Object.keys(credentials))('an enabled carrier without %s fails start-up, naming it', (name) => {
    const env: Record<string, string> = { ...base };
    delete env[name];
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });

  it('takes OAuth client credentials instead of a token', () => {
    const env: Record<string, string> = { ...base, FEDEX_CLIENT_ID: 'id', FEDEX_CLIENT_SECRET: 'secret' };
    delete env['FEDEX_ACCESS_TOKEN'];
    expect(loadConfig(env).carriers.fedex?.auth).toEqual({ clientId: 'id', clientSecret: 'secret' });
    delete env['FEDEX_CLIENT_SECRET'];
    expect(() => loadConfig(env)).toThrow(/FEDEX_CLIENT_SECRET/);
  });

  it('only enabled carriers need credentials', () => {
    const config = loadConfig({ DATABASE_URL: base.DATABASE_URL, TRACKING_CARRIERS: 'dhl', DHL_API_KEY: 'd' });
    expect(Object.keys(config.carriers)).toEqual(['dhl']);
    expect(loadConfig({ DATABASE_URL: base.DATABASE_URL, TRACKING_CARRIERS: 'none' }).carriers).toEqual({});
  });

  it('rejects an unknown carrier and bad numbers, naming the variable', () => {
    expect(() => loadConfig({ ...base, TRACKING_CARRIERS: 'ups,pigeon' })).toThrow(/TRACKING_CARRIERS/);
    expect(() => loadConfig({ ...base, TRACKING_DELIVERED_GRACE_HOURS: '-1' })).toThrow(/TRACKING_DELIVERED_GRACE_HOURS/);
    expect(() => loadConfig({ ...base, CARRIER_TIMEOUT_MS: 'fast' })).toThrow(/CARRIER_TIMEOUT_MS/);
    expect(() => loadConfig({ ...base, UPS_API_BASE_URL: 'ftp://x' })).toThrow(/UPS_API_BASE_URL/);
    expect(() => loadConfig({ ...base, DATABASE_URL: '' })).toThrow(/DATABASE_URL/);
  });

  it('takes the database from DATABASE_URL, else DATABASE_SECRET_ARN', () => {
    const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bmx/prod/db-AbC123';
    expect(loadConfig(base).database).toEqual({ url: base.DATABASE_URL });
    expect(loadConfig({ ...credentials, DATABASE_SECRET_ARN: secretArn }).database).toEqual({ secretArn });
    expect(() => loadConfig({ ...credentials, DATABASE_SECRET_ARN: 'not-an-arn' })).toThrow(/^DATABASE_SECRET_ARN: /);
  });

  it('takes the queue from TRACKING_QUEUE_URL / _NAME when given', () => {
    expect(loadConfig({ ...base, TRACKING_QUEUE_NAME: 'tracking' }).queue).toEqual({ name: 'tracking' });
    expect(loadConfig({ ...base, TRACKING_DELIVERED_GRACE_HOURS: '0' }).deliveredGraceHours).toBe(0);
  });
});
