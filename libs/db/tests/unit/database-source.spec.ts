import { DecryptionFailure, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, resetAwsClients, resetSecretCache } from '@bmx/aws-clients';
import { mockClient } from 'aws-sdk-client-mock';
import { databaseSecretFromUrl, databaseSourceFromEnv, databaseUrlFromSecret, resolveDatabaseUrl } from '../../src';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bmx/prod/db-AbC123';
const sm = mockClient(SecretsManagerClient);

beforeEach(() => {
  sm.reset();
  resetAwsClients();
  resetSecretCache();
});

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('databaseSourceFromEnv', () => {
  it('prefers DATABASE_URL, then DATABASE_SECRET_ARN', () => {
    expect(databaseSourceFromEnv({ DATABASE_URL: ' postgres://u@h/db ', DATABASE_SECRET_ARN: ARN })).toEqual({ url: 'postgres://u@h/db' });
    expect(databaseSourceFromEnv({ DATABASE_SECRET_ARN: ARN })).toEqual({ secretArn: ARN });
    expect(databaseSourceFromEnv({ DATABASE_SECRET_ARN: 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x-AbC123' })).toEqual({
      secretArn: 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x-AbC123',
    });
  });

  it('is undefined when neither is set, unless required: then the error names both variables', () => {
    expect(databaseSourceFromEnv({ DATABASE_URL: '  ' })).toBeUndefined();
    const error = configError(() => databaseSourceFromEnv({}, { required: true }));
    expect(error.variable).toBe('DATABASE_URL');
    expect(error.message).toMatch(/DATABASE_URL: is required.*DATABASE_SECRET_ARN/);
  });

  it('names the variable whose value is malformed', () => {
    expect(configError(() => databaseSourceFromEnv({ DATABASE_URL: 'mysql://u@h/db' })).variable).toBe('DATABASE_URL');
    const error = configError(() => databaseSourceFromEnv({ DATABASE_SECRET_ARN: 'bmx/prod/db' }));
    expect(error.variable).toBe('DATABASE_SECRET_ARN');
    expect(error.message).toContain('must be a Secrets Manager secret ARN');
    expect(configError(() => databaseSourceFromEnv({ DATABASE_SECRET_ARN: 'arn:aws:s3:::bucket' })).variable).toBe('DATABASE_SECRET_ARN');
  });
});

describe('databaseUrlFromSecret', () => {
  const secret = { engine: 'postgres', username: 'bmx app', password: 'p@ss:w/rd?#%', host: 'db.example.internal', port: 5433, dbname: 'bmx' };

  it('builds the URL with the user and password encoded, so pg reads them back unchanged', () => {
    const url = databaseUrlFromSecret(ARN, secret);
    expect(url).toBe('postgres://bmx%20app:p%40ss%3Aw%2Frd%3F%23%25@db.example.internal:5433/bmx');
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.username)).toBe(secret.username);
    expect(decodeURIComponent(parsed.password)).toBe(secret.password);
  });

  it('defaults the port, accepts it as a string, leaves dbname out when absent, brackets IPv6 hosts', () => {
    expect(databaseUrlFromSecret(ARN, { ...secret, port: undefined, dbname: undefined })).toBe('postgres://bmx%20app:p%40ss%3Aw%2Frd%3F%23%25@db.example.internal:5432');
    expect(databaseUrlFromSecret(ARN, { ...secret, port: '6543' })).toContain('@db.example.internal:6543/bmx');
    expect(databaseUrlFromSecret(ARN, { ...secret, host: '::1' })).toContain('@[::1]:5433/bmx');
  });

  it.each([
    ['a missing password', { ...secret, password: undefined }, 'has no "password"'],
    ['an empty username', { ...secret, username: '' }, 'has no "username"'],
    ['a missing host', { ...secret, host: undefined }, 'has no "host"'],
    ['a bad port', { ...secret, port: 70000 }, '"port" that is not a port number'],
    ['a host with a path in it', { ...secret, host: 'evil/host' }, '"host" that is not a host name'],
    ['a dbname that is not text', { ...secret, dbname: 5 }, '"dbname" that is not a string'],
    ['not an object', ['x'], 'must hold a JSON object'],
  ])('refuses %s, naming DATABASE_SECRET_ARN and the field but never the password', (_what, value, message) => {
    const error = configError(() => databaseUrlFromSecret(ARN, value));
    expect(error.variable).toBe('DATABASE_SECRET_ARN');
    expect(error.message).toContain(message);
    expect(error.message).toContain(ARN);
    expect(error.message).not.toContain(secret.password);
  });
});

describe('databaseSecretFromUrl', () => {
  it('is the inverse of databaseUrlFromSecret, encoded user and password included', () => {
    const url = 'postgres://bmx%20app:p%40ss%3Aw%2Frd%3F%23%25@db.example.internal:5433/bmx';
    const secret = JSON.parse(databaseSecretFromUrl(url));
    expect(secret).toEqual({ engine: 'postgres', username: 'bmx app', password: 'p@ss:w/rd?#%', host: 'db.example.internal', port: 5433, dbname: 'bmx' });
    expect(databaseUrlFromSecret(ARN, secret)).toBe(url);
  });

  it('keeps a passwordless login (a server that trusts local logins) as an empty password', () => {
    const secret = JSON.parse(databaseSecretFromUrl('postgres://postgres@127.0.0.1/bmx_test'));
    expect(secret).toMatchObject({ username: 'postgres', password: '', port: 5432 });
    expect(databaseUrlFromSecret(ARN, secret)).toBe('postgres://postgres:@127.0.0.1:5432/bmx_test');
  });
});

describe('resolveDatabaseUrl', () => {
  it('returns a URL source as it is, without calling Secrets Manager', async () => {
    await expect(resolveDatabaseUrl({ url: 'postgres://u@h/db' })).resolves.toBe('postgres://u@h/db');
    expect(sm.calls()).toHaveLength(0);
  });

  it('reads the secret once within the TTL and again on forceRefresh', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ username: 'u', password: 'one', host: 'h', dbname: 'd' }) })
      .resolves({ SecretString: JSON.stringify({ username: 'u', password: 'two', host: 'h', dbname: 'd' }) });
    await expect(resolveDatabaseUrl({ secretArn: ARN })).resolves.toBe('postgres://u:one@h:5432/d');
    await expect(resolveDatabaseUrl({ secretArn: ARN })).resolves.toBe('postgres://u:one@h:5432/d');
    await expect(resolveDatabaseUrl({ secretArn: ARN }, { forceRefresh: true })).resolves.toBe('postgres://u:two@h:5432/d');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input.SecretId).toBe(ARN);
  });

  it('a secret that is not JSON is a ConfigError naming the variable, without the value', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'plain-password-123' });
    const error = (await resolveDatabaseUrl({ secretArn: ARN }).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(`DATABASE_SECRET_ARN: secret ${ARN} is not JSON`);
  });

  it('a failed read names the variable and the service error, keeps it as the cause, and is not cached', async () => {
    const denied = new DecryptionFailure({ message: 'access to KMS is not allowed', $metadata: {} });
    sm.on(GetSecretValueCommand)
      .rejectsOnce(denied)
      .resolves({ SecretString: JSON.stringify({ username: 'u', password: 'p', host: 'h' }) });
    const error = (await resolveDatabaseUrl({ secretArn: ARN }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(`DATABASE_SECRET_ARN: could not read secret ${ARN}: DecryptionFailure: access to KMS is not allowed`);
    expect(error.cause).toBe(denied);
    await expect(resolveDatabaseUrl({ secretArn: ARN })).resolves.toBe('postgres://u:p@h:5432');
  });
});
