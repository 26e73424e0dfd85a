// The secret reader against the local Secrets Manager started by the Jest global setup. Secrets are made with plain
// SDK calls: importing @bmx/local-aws here would make the two projects depend on each other.
import { CreateSecretCommand, DeleteSecretCommand, PutSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { getSecretJson, getSecretsManagerClient, getSecretString, resetAwsClients, resetSecretCache } from '../../src';

const name = `bmx/lib-e2e/${randomUUID().slice(0, 8)}`;
let arn: string;

beforeAll(async () => {
  resetAwsClients();
  resetSecretCache();
  const created = await getSecretsManagerClient().send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ generation: 1 }) }));
  arn = created.ARN!;
});

afterAll(async () => {
  await getSecretsManagerClient().send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
  resetAwsClients();
});

const rotate = (generation: number) =>
  getSecretsManagerClient().send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ generation }) }));

describe('getSecretJson against the local Secrets Manager', () => {
  it('reads by ARN and by name, keeps the cached value until refreshed, then sees the rotation', async () => {
    await expect(getSecretJson(arn)).resolves.toEqual({ generation: 1 });
    await expect(getSecretJson(name)).resolves.toEqual({ generation: 1 });

    await rotate(2);
    // Within the TTL the cache answers: the rotation is not seen yet.
    await expect(getSecretJson(arn)).resolves.toEqual({ generation: 1 });
    await expect(getSecretJson(arn, { forceRefresh: true })).resolves.toEqual({ generation: 2 });
    await expect(getSecretJson(arn)).resolves.toEqual({ generation: 2 });

    await rotate(3);
    // A TTL of 0 means every read goes to the server.
    await expect(getSecretJson(arn, { maxAgeMs: 0 })).resolves.toEqual({ generation: 3 });
  });

  it('passes on the service error for a missing secret, and does not cache it', async () => {
    const missing = `bmx/lib-e2e/missing-${randomUUID().slice(0, 8)}`;
    await expect(getSecretString(missing)).rejects.toBeInstanceOf(ResourceNotFoundException);
    await getSecretsManagerClient().send(new CreateSecretCommand({ Name: missing, SecretString: 'there now' }));
    try {
      await expect(getSecretString(missing)).resolves.toBe('there now');
    } finally {
      await getSecretsManagerClient().send(new DeleteSecretCommand({ SecretId: missing, ForceDeleteWithoutRecovery: true }));
    }
  });
});
