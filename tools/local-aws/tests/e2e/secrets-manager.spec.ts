// The local Secrets Manager through the real SDK client, as @bmx/aws-clients builds it.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { getAwsEnvironment, getSecretsManagerClient, resetAwsClients } from '@bmx/aws-clients';
import { randomUUID } from 'node:crypto';
import { seedSecret } from '../../src';

const unique = (prefix: string) => `${prefix}/${randomUUID().slice(0, 8)}`;
const sm = () => getSecretsManagerClient();

beforeAll(() => resetAwsClients());
afterAll(() => resetAwsClients());

describe('local Secrets Manager', () => {
  it('is what the clients use: the global setup exports its loopback endpoint', () => {
    expect(getAwsEnvironment().endpoints.secretsmanager).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('creates a secret with an AWS-shaped ARN and reads it by name, by ARN and by partial ARN', async () => {
    const name = unique('bmx/test');
    const created = await sm().send(new CreateSecretCommand({ Name: name, SecretString: '{"a":1}', Description: 'test' }));
    expect(created.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-[A-Za-z0-9]{6}$`));
    expect(created.Name).toBe(name);
    // The SDK sends a ClientRequestToken of its own; it becomes the version id.
    expect(created.VersionId).toMatch(/^[0-9a-f-]{36}$/);

    for (const id of [name, created.ARN!, created.ARN!.slice(0, -7)]) {
      const got = await sm().send(new GetSecretValueCommand({ SecretId: id }));
      expect(got).toMatchObject({ ARN: created.ARN, Name: name, SecretString: '{"a":1}', VersionId: created.VersionId, VersionStages: ['AWSCURRENT'] });
      expect(got.CreatedDate).toBeInstanceOf(Date);
    }
  });

  it('PutSecretValue makes the new version AWSCURRENT and the old one AWSPREVIOUS', async () => {
    const name = unique('rotate');
    const v1 = await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'one' }));
    const v2 = await sm().send(new PutSecretValueCommand({ SecretId: v1.ARN, SecretString: 'two' }));
    expect(v2.VersionStages).toEqual(['AWSCURRENT']);
    const v3 = await sm().send(new PutSecretValueCommand({ SecretId: name, SecretString: 'three' }));

    await expect(sm().send(new GetSecretValueCommand({ SecretId: name }))).resolves.toMatchObject({ SecretString: 'three', VersionId: v3.VersionId });
    await expect(sm().send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' }))).resolves.toMatchObject({ SecretString: 'three' });
    await expect(sm().send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }))).resolves.toMatchObject({
      SecretString: 'two',
      VersionId: v2.VersionId,
    });
    await expect(sm().send(new GetSecretValueCommand({ SecretId: name, VersionId: v1.VersionId }))).resolves.toMatchObject({ SecretString: 'one', VersionStages: [] });

    const described = await sm().send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.VersionIdsToStages).toEqual({ [v2.VersionId!]: ['AWSPREVIOUS'], [v3.VersionId!]: ['AWSCURRENT'] });
    expect(described.LastChangedDate).toBeInstanceOf(Date);
  });

  it('treats a repeated ClientRequestToken as the same request, and refuses it with another value', async () => {
    const name = unique('idem');
    await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'one' }));
    const token = randomUUID();
    const first = await sm().send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: token }));
    const again = await sm().send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: token }));
    expect(again.VersionId).toBe(first.VersionId);
    expect(Object.keys((await sm().send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages!)).toHaveLength(2);
    await expect(sm().send(new PutSecretValueCommand({ SecretId: name, SecretString: 'other', ClientRequestToken: token }))).rejects.toBeInstanceOf(
      ResourceExistsException,
    );
  });

  it('keeps binary secrets as bytes', async () => {
    const name = unique('binary');
    const bytes = Uint8Array.from([0, 1, 2, 254, 255]);
    await sm().send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }));
    const got = await sm().send(new GetSecretValueCommand({ SecretId: name }));
    expect(got.SecretString).toBeUndefined();
    expect([...(got.SecretBinary ?? [])]).toEqual([...bytes]);
  });

  it('answers with AWS error types', async () => {
    const name = unique('errors');
    await expect(sm().send(new GetSecretValueCommand({ SecretId: unique('missing') }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    await expect(sm().send(new CreateSecretCommand({ Name: name, SecretString: 'y' }))).rejects.toBeInstanceOf(ResourceExistsException);
    await expect(sm().send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(sm().send(new PutSecretValueCommand({ SecretId: name }))).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(sm().send(new CreateSecretCommand({ Name: unique('both'), SecretString: 'x', SecretBinary: Uint8Array.from([1]) }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });

  it('deletes with a recovery window (restorable) or at once with ForceDeleteWithoutRecovery', async () => {
    const name = unique('delete');
    const { ARN } = await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));

    const scheduled = await sm().send(new DeleteSecretCommand({ SecretId: ARN, RecoveryWindowInDays: 7 }));
    expect(scheduled.DeletionDate!.getTime() - Date.now()).toBeGreaterThan(6 * 86_400_000);
    await expect(sm().send(new GetSecretValueCommand({ SecretId: name }))).rejects.toBeInstanceOf(InvalidRequestException);
    expect((await sm().send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeInstanceOf(Date);
    await expect(sm().send(new CreateSecretCommand({ Name: name, SecretString: 'y' }))).rejects.toBeInstanceOf(InvalidRequestException);
    await sm().send(new RestoreSecretCommand({ SecretId: name }));
    await expect(sm().send(new GetSecretValueCommand({ SecretId: name }))).resolves.toMatchObject({ SecretString: 'x' });

    await expect(sm().send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true, RecoveryWindowInDays: 7 }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await sm().send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    await expect(sm().send(new DescribeSecretCommand({ SecretId: ARN }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    // The name is free again, under a new ARN.
    const again = await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'z' }));
    expect(again.ARN).not.toBe(ARN);
  });

  it('seeds a secret under an exact ARN (one a template imports), found by that ARN, its name and partial ARN', async () => {
    const name = unique('bmx/imported');
    const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-AbCdEf`;
    const seeded = await seedSecret(arn, '{"username":"u"}');
    expect(seeded.ARN).toBe(arn);
    for (const id of [arn, name, arn.slice(0, -7)]) {
      await expect(sm().send(new GetSecretValueCommand({ SecretId: id }))).resolves.toMatchObject({ ARN: arn, Name: name, SecretString: '{"username":"u"}' });
    }
    await expect(seedSecret(arn, '{}')).rejects.toThrow(/ResourceExistsException/);
    await expect(seedSecret(`arn:aws:secretsmanager:eu-west-1:000000000000:secret:${name}-AbCdEf`, '{}')).rejects.toThrow(/InvalidParameterException.*full secret ARN of this server/);
    await expect(seedSecret(`arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}`, '{}')).rejects.toThrow(/InvalidParameterException/);
  });
});
