// Credentials from a secret in the local Secrets Manager (started by the Jest global setup) for real PostgreSQL roles
// on the test server, and what happens when the secret is rotated.
//
// The test server trusts every connection from 127.0.0.1 (pg_hba `trust`), so it accepts any password: a password
// rotation cannot be observed there. The rotation is therefore from one role to another, and the old role is then
// refused with NOLOGIN, which the server reports as SQLSTATE 28000, the same path a refused password (28P01) takes.
import { CreateSecretCommand, DeleteSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { getSecretsManagerClient, resetAwsClients, resetSecretCache } from '@bmx/aws-clients';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { connectPostgres, resolveDatabaseUrl, sql, type Kysely, type Database } from '../../src';
import { createTestDatabase, rdsSecretJson, runAsServerAdmin, testServerUrl, type TestDatabase } from '../../src/testing';

const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
const roles = { first: `bmx_rot_a_${suffix}`, second: `bmx_rot_b_${suffix}` };
// Generated per run: never a fixture.
const passwords = { first: randomBytes(18).toString('base64url'), second: randomBytes(18).toString('base64url') };
let test: TestDatabase;
let secretArn: string;
let db: Kysely<Database> | undefined;

const secretFor = (which: keyof typeof roles) => rdsSecretJson(test.url, { username: roles[which], password: passwords[which] });

const currentUser = async (executor: Kysely<Database>) => (await sql<{ user: string }>`select current_user as "user"`.execute(executor)).rows[0]!.user;

beforeAll(async () => {
  resetAwsClients();
  resetSecretCache();
  test = await createTestDatabase('db_secret');
  for (const which of ['first', 'second'] as const) {
    await runAsServerAdmin(`CREATE ROLE ${roles[which]} LOGIN PASSWORD '${passwords[which]}'`);
    await sql`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${sql.id(roles[which])}`.execute(test.db);
  }
  const created = await getSecretsManagerClient().send(new CreateSecretCommand({ Name: `bmx/test/db-${suffix}`, SecretString: secretFor('first') }));
  secretArn = created.ARN!;
});

afterAll(async () => {
  await db?.destroy();
  await test?.drop();
  for (const role of Object.values(roles)) await runAsServerAdmin(`DROP ROLE IF EXISTS ${role}`);
  if (secretArn) await getSecretsManagerClient().send(new DeleteSecretCommand({ SecretId: secretArn, ForceDeleteWithoutRecovery: true }));
  resetAwsClients();
});

const rotateTo = (which: keyof typeof roles) => getSecretsManagerClient().send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: secretFor(which) }));

describe('database credentials from DATABASE_SECRET_ARN', () => {
  it('resolves the URL from the secret, keeps it for the TTL, and sees a rotation once refreshed', async () => {
    const first = await resolveDatabaseUrl({ secretArn });
    expect(decodeURIComponent(new URL(first).username)).toBe(roles.first);
    await rotateTo('second');
    // Within the TTL the cached credentials are still used.
    await expect(resolveDatabaseUrl({ secretArn })).resolves.toBe(first);
    const refreshed = await resolveDatabaseUrl({ secretArn }, { forceRefresh: true });
    expect(decodeURIComponent(new URL(refreshed).username)).toBe(roles.second);
    // A zero TTL always reads: the rotation back is seen at once.
    await rotateTo('first');
    await expect(resolveDatabaseUrl({ secretArn }, { maxAgeMs: 0 })).resolves.toBe(first);
  });

  it('a pool opened from the secret reconnects with the rotated credentials when the server refuses the old ones', async () => {
    db = connectPostgres({ secretArn }, 2);
    expect(await currentUser(db)).toBe(roles.first);
    await expect(db.selectFrom('books').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).resolves.toEqual({ n: '0' });

    await rotateTo('second');
    // Nothing refused yet: the pool keeps its connection and the cached secret.
    expect(await currentUser(db)).toBe(roles.first);

    // The rotation retires the old role; its open session lives on, new logins are refused (SQLSTATE 28000).
    await runAsServerAdmin(`ALTER ROLE ${roles.first} NOLOGIN`);
    const refused = new Client({ connectionString: `postgres://${roles.first}:${passwords.first}@${new URL(testServerUrl()).host}${new URL(test.url).pathname}` });
    await expect(refused.connect()).rejects.toMatchObject({ code: '28000' });

    const pool = db;
    await pool.transaction().execute(async (trx) => {
      // The transaction holds the old role's connection, so the next query needs a new one: it is refused, the secret
      // is read again, and a pool with the new role answers.
      expect(await currentUser(trx)).toBe(roles.first);
      expect(await currentUser(pool)).toBe(roles.second);
    });
    expect(await currentUser(db)).toBe(roles.second);
    await expect(db.selectFrom('books').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).resolves.toEqual({ n: '0' });
  });
});
