import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_SECRET_MAX_AGE_MS, getSecretJson, getSecretString, resetAwsClients, resetSecretCache, SecretNotJsonError } from '../../src';

const sm = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bmx/db-AbCdEf';
let clock = 1_000_000;

beforeEach(() => {
  sm.reset();
  resetAwsClients();
  resetSecretCache();
  clock = 1_000_000;
  jest.spyOn(Date, 'now').mockImplementation(() => clock);
});

afterEach(() => jest.restoreAllMocks());

const calls = () => sm.commandCalls(GetSecretValueCommand).length;

describe('getSecretString', () => {
  it('reads AWSCURRENT by the id given and reuses the value within maxAgeMs', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'one' }).resolves({ SecretString: 'two' });
    await expect(getSecretString(ARN)).resolves.toBe('one');
    expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({ SecretId: ARN, VersionStage: 'AWSCURRENT' });
    clock += DEFAULT_SECRET_MAX_AGE_MS - 1;
    await expect(getSecretString(ARN)).resolves.toBe('one');
    expect(calls()).toBe(1);
    clock += 1;
    await expect(getSecretString(ARN)).resolves.toBe('two');
    expect(calls()).toBe(2);
  });

  it('honours a caller-chosen maxAgeMs, and 0 reads every time', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'one' }).resolvesOnce({ SecretString: 'two' }).resolves({ SecretString: 'three' });
    await getSecretString(ARN, { maxAgeMs: 1000 });
    clock += 999;
    await expect(getSecretString(ARN, { maxAgeMs: 1000 })).resolves.toBe('one');
    clock += 1;
    await expect(getSecretString(ARN, { maxAgeMs: 1000 })).resolves.toBe('two');
    await expect(getSecretString(ARN, { maxAgeMs: 0 })).resolves.toBe('three');
    expect(calls()).toBe(3);
  });

  it('caches per secret id', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'a' }).resolves({ SecretString: 'value a' });
    sm.on(GetSecretValueCommand, { SecretId: 'b' }).resolves({ SecretString: 'value b' });
    await expect(getSecretString('a')).resolves.toBe('value a');
    await expect(getSecretString('b')).resolves.toBe('value b');
    await expect(getSecretString('a')).resolves.toBe('value a');
    expect(calls()).toBe(2);
  });

  it('gives concurrent callers one shared read', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    sm.on(GetSecretValueCommand).callsFake(async () => {
      await gate;
      return { SecretString: 'shared' };
    });
    const pending = [getSecretString(ARN), getSecretString(ARN), getSecretString(ARN, { forceRefresh: true })];
    release();
    await expect(Promise.all(pending)).resolves.toEqual(['shared', 'shared', 'shared']);
    expect(calls()).toBe(1);
  });

  it('does not cache a failed read', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not there', $metadata: {} }))
      .resolves({ SecretString: 'now there' });
    await expect(getSecretString(ARN)).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(getSecretString(ARN)).resolves.toBe('now there');
    expect(calls()).toBe(2);
  });

  it('forceRefresh reads again before the value is due, and the new value is cached', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'old password' }).resolves({ SecretString: 'rotated password' });
    await expect(getSecretString(ARN)).resolves.toBe('old password');
    await expect(getSecretString(ARN, { forceRefresh: true })).resolves.toBe('rotated password');
    await expect(getSecretString(ARN)).resolves.toBe('rotated password');
    expect(calls()).toBe(2);
  });

  it('decodes a binary secret as UTF-8 and rejects an empty answer without the value in the message', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'bin' }).resolves({ SecretBinary: new TextEncoder().encode('from bytes') });
    sm.on(GetSecretValueCommand, { SecretId: 'empty' }).resolves({});
    await expect(getSecretString('bin')).resolves.toBe('from bytes');
    await expect(getSecretString('empty')).rejects.toThrow('secret empty has neither SecretString nor SecretBinary');
  });

  it('refuses a negative maxAgeMs and an empty id', () => {
    expect(() => getSecretString(ARN, { maxAgeMs: -1 })).toThrow(RangeError);
    expect(() => getSecretString('')).toThrow(RangeError);
    expect(calls()).toBe(0);
  });
});

describe('getSecretJson', () => {
  it('parses the value', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"username":"bmx","port":5432}' });
    await expect(getSecretJson(ARN)).resolves.toEqual({ username: 'bmx', port: 5432 });
  });

  it('names the secret, never its content, when the value is not JSON', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'hunter2-not-json' });
    const error = (await getSecretJson(ARN).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(`secret ${ARN} is not JSON`);
    expect(error).toBeInstanceOf(SecretNotJsonError);
    expect(error.message).not.toContain('hunter2');
  });
});
