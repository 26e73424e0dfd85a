// SecretPool's decisions with the secret read stubbed and pg replaced by fake pools; the real rotation against
// PostgreSQL and the local Secrets Manager is in tests/e2e/secret-rotation.spec.ts.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { resetAwsClients, resetSecretCache } from '@bmx/aws-clients';
import { mockClient } from 'aws-sdk-client-mock';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { isAuthFailure, SecretPool } from '../../src';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bmx/db-AbC123';
const sm = mockClient(SecretsManagerClient);
const secretWith = (password: string) => ({ SecretString: JSON.stringify({ username: 'app', password, host: 'db', dbname: 'bmx' }) });
const urlWith = (password: string) => `postgres://app:${password}@db:5432/bmx`;

/** A fake pool that accepts only `acceptedUrl`'s credentials, answering like PostgreSQL otherwise. */
class FakePool implements PostgresPool {
  connects = 0;
  ended = false;
  constructor(
    readonly url: string,
    private readonly accepts: () => string,
    private readonly failure: { code: string; message: string } = { code: '28P01', message: 'password authentication failed for user "app"' },
  ) {}
  async connect(): Promise<PostgresPoolClient> {
    this.connects++;
    if (this.url !== this.accepts()) throw Object.assign(new Error(this.failure.message), this.failure);
    return { url: this.url, release: () => undefined } as unknown as PostgresPoolClient;
  }
  async end(): Promise<void> {
    this.ended = true;
  }
}

let accepted: string;
let pools: FakePool[];
let logs: string[];
const makePool = (failure?: { code: string; message: string }) =>
  new SecretPool({ secretArn: ARN }, (url) => {
    const pool = new FakePool(url, () => accepted, failure);
    pools.push(pool);
    return pool;
  }, (line) => logs.push(line));
const urlOf = (client: PostgresPoolClient) => (client as unknown as { url: string }).url;

beforeEach(() => {
  sm.reset();
  resetAwsClients();
  resetSecretCache();
  pools = [];
  logs = [];
});

describe('SecretPool', () => {
  it('reads the secret on the first connection only, then reuses the pool', async () => {
    sm.on(GetSecretValueCommand).resolves(secretWith('one'));
    accepted = urlWith('one');
    const pool = makePool();
    expect(sm.calls()).toHaveLength(0);
    expect(urlOf(await pool.connect())).toBe(urlWith('one'));
    await pool.connect();
    expect(pools).toHaveLength(1);
    expect(pools[0]!.connects).toBe(2);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it.each([
    ['28P01', 'password authentication failed for user "app"'],
    ['28000', 'role "app" is not permitted to log in'],
  ])('after a rotation (%s), re-reads the secret, swaps the pool and closes the old one', async (code, message) => {
    sm.on(GetSecretValueCommand).resolvesOnce(secretWith('one')).resolves(secretWith('two'));
    accepted = urlWith('one');
    const pool = makePool({ code, message });
    await pool.connect();
    accepted = urlWith('two'); // the secret was rotated and the server changed with it

    expect(urlOf(await pool.connect())).toBe(urlWith('two'));
    expect(pools.map((p) => p.url)).toEqual([urlWith('one'), urlWith('two')]);
    expect(pools[0]!.ended).toBe(true);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(logs).toEqual([`database: the server refused the credentials (${code}); reconnecting with the rotated secret`]);
  });

  it('connections failing together share one re-read of the secret', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce(secretWith('one')).resolves(secretWith('two'));
    accepted = urlWith('one');
    const pool = makePool();
    await pool.connect();
    accepted = urlWith('two');
    const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    expect(clients.map(urlOf)).toEqual([urlWith('two'), urlWith('two'), urlWith('two')]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(pools).toHaveLength(2);
  });

  it('retries only once: when the secret still holds refused credentials the error reaches the caller', async () => {
    sm.on(GetSecretValueCommand).resolves(secretWith('stale'));
    accepted = urlWith('something else');
    const pool = makePool();
    await expect(pool.connect()).rejects.toMatchObject({ code: '28P01' });
    expect(pools).toHaveLength(1);
    expect(pools[0]!.connects).toBe(2);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(logs[0]).toContain('still holds the same ones');
  });

  it('does not re-read the secret for errors that are not about credentials', async () => {
    sm.on(GetSecretValueCommand).resolves(secretWith('one'));
    accepted = urlWith('one');
    const pool = makePool({ code: '53300', message: 'too many connections' });
    await pool.connect();
    accepted = 'nobody';
    await expect(pool.connect()).rejects.toMatchObject({ code: '53300' });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('a failed secret read fails the connection and is tried again on the next one', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves(secretWith('one'));
    accepted = urlWith('one');
    const pool = makePool();
    await expect(pool.connect()).rejects.toThrow('DATABASE_SECRET_ARN: could not read secret');
    expect(urlOf(await pool.connect())).toBe(urlWith('one'));
    expect(pools).toHaveLength(1);
  });

  it('end() closes the current pool and refuses new connections', async () => {
    sm.on(GetSecretValueCommand).resolves(secretWith('one'));
    accepted = urlWith('one');
    const pool = makePool();
    await pool.connect();
    await pool.end();
    expect(pools[0]!.ended).toBe(true);
    await expect(pool.connect()).rejects.toThrow('closed');
  });
});

describe('isAuthFailure', () => {
  it('recognises the credential SQLSTATEs only', () => {
    expect(isAuthFailure({ code: '28P01' })).toBe(true);
    expect(isAuthFailure({ code: '28000' })).toBe(true);
    expect(isAuthFailure({ code: '3D000' })).toBe(false);
    expect(isAuthFailure(new Error('x'))).toBe(false);
    expect(isAuthFailure(undefined)).toBe(false);
  });
});
