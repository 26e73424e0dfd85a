// `npm run admin -- keys create NAME --role admin --env NAME --through-lambda`, the documented way to make the first
// admin key of an AWS environment, against the template-provisioned local stack: the API app's stack (its db-admin
// function only) deployed to an environment of this file's own. The function reads the test's database by its
// secret's ARN, as on AWS; the CLI runs as a process whose environment names no database at all, so a key that lands
// in that database can only have been made by the function.
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { getLambdaClient, invokeJson } from '@bmx/aws-clients';
import { createApiKey, createDatabase, databaseSecretFromUrl, hashApiKey, migrationStatus, sql, type Database, type Kysely } from '@bmx/db';
import { runAsServerAdmin, testServerUrl } from '@bmx/db/testing';
import { ensureBucket, ensureQueue } from '@bmx/deploy';
import { deployForTest, testEnvironmentName, type TestDeployment } from '@bmx/deploy/testing';
import { startApiProcess } from '@bmx/dev-stack';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runAdmin } from '../../src';

const root = path.resolve(__dirname, '../../../..');

/** The root package.json's `admin` script as argv, with this Node.js for `node`: what `npm run admin --` runs. */
const adminScript = (): string[] => {
  const script = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['admin'] as string;
  const [node, ...args] = script.split(/\s+/);
  expect(node).toBe('node');
  return [process.execPath, ...args];
};

/** This process's environment (the local AWS endpoints from Jest's global setup) without any database or environment name. */
function withoutDatabase(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _url, DATABASE_SECRET_ARN: _arn, BMX_ENV: _env, ...rest } = env;
  return rest;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run admin -- <argv>`'s command line as a process. */
function adminProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const [command, ...args] = adminScript();
  return new Promise((resolve) => {
    execFile(command as string, [...args, ...argv], { cwd: root, env, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** Runs the CLI's entry function in this process (what cli.ts calls), for the refusals that never reach AWS. */
async function adminInProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<{ status: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runAdmin(argv, { out: (line) => out.push(line), err: (line) => err.push(line) }, env);
  return { status, out, err: err.join('\n') };
}

describe('npm run admin -- keys create --through-lambda', () => {
  const envName = testEnvironmentName();
  const databaseName = `bmx_admin_lambda_${randomBytes(6).toString('hex')}`;
  const databaseUrl = (() => {
    const url = new URL(testServerUrl());
    url.pathname = `/${databaseName}`;
    return url.toString();
  })();
  const cliEnv = withoutDatabase(process.env);
  let db: Kysely<Database> | undefined;
  let deployment: TestDeployment | undefined;

  beforeAll(async () => {
    // Empty, not migrated: the API stack's deploy step (the same db-admin function, as Custom::DeployStep) migrates it.
    await runAsServerAdmin(`CREATE DATABASE ${databaseName}`);
    db = await createDatabase({ source: { url: databaseUrl }, poolSize: 2 });
    deployment = await deployForTest({ app: 'api', envName, only: ['db-admin'], secrets: { database: databaseSecretFromUrl(databaseUrl) } });
  }, 180_000);
  afterAll(async () => {
    await deployment?.remove();
    await db?.destroy();
    await runAsServerAdmin(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  });

  const database = () => db as Kysely<Database>;
  const keyRows = () => database().selectFrom('api_keys').selectAll().orderBy('id').execute();

  it('deploys db-admin reading the database only by its secret ARN, and its deploy step migrated that database', async () => {
    const name = deployment?.functionName('db-admin') as string;
    expect(name).toBe(`bmx-${envName}-db-admin`);
    const config = await getLambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: 'live' }));
    const variables = config.Environment?.Variables ?? {};
    expect(variables['DATABASE_SECRET_ARN']).toBe(deployment?.secretArn('database'));
    expect(variables['DATABASE_URL']).toBeUndefined();
    const states = await migrationStatus(database() as Kysely<unknown>);
    expect(states.length).toBeGreaterThan(0);
    expect(states.filter((state) => !state.executedAt)).toEqual([]);
    expect(await keyRows()).toEqual([]);
  });

  it('prints an admin key once, made by the function, stored only as its SHA-256, and the API accepts it as admin', async () => {
    // Nothing in the CLI's environment says where the database is: only the function's secret does.
    expect(cliEnv['DATABASE_URL'] ?? cliEnv['DATABASE_SECRET_ARN'] ?? cliEnv['BMX_ENV']).toBeUndefined();
    const run = await adminProcess(['keys', 'create', 'first-admin', '--role', 'admin', '--env', envName, '--through-lambda'], cliEnv);
    expect(run.status).toBe(0);
    const printed = run.stdout.split('\n').filter((line) => line !== '');
    expect(printed).toHaveLength(1);
    const key = printed[0] as string;
    expect(key).toMatch(/^bmx_[A-Za-z0-9_-]{32}$/);
    expect(run.stderr).toMatch(/created admin key "first-admin" \(id \d+\); it is shown only this once/);
    expect(run.stderr).not.toContain(key);

    const rows = await keyRows();
    expect(rows).toEqual([expect.objectContaining({ name: 'first-admin', role: 'admin', revoked_at: null, key_hash: hashApiKey(key) })]);
    expect(run.stderr).toContain(`(id ${rows[0]?.id})`);
    // Not in plaintext anywhere: no row of any table of the database holds the key.
    const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(database());
    expect(tables.rows.map((t) => t.table_name)).toContain('api_keys');
    for (const { table_name: table } of tables.rows) {
      const found = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} as r where strpos(r::text, ${key}) > 0`.execute(database());
      expect({ table, rowsHoldingTheKey: found.rows[0]?.n }).toEqual({ table, rowsHoldingTheKey: 0 });
    }

    // The API, on the same database, takes it as an admin key: an admin-only route answers 200, where a viewer key
    // gets 403 and an unknown key 401.
    const viewer = await createApiKey(database(), { name: 'reader', role: 'viewer' });
    const bucket = `bmx-${envName}-images`;
    await ensureBucket(bucket);
    const jobs = await ensureQueue({ name: `bmx-${envName}-image-jobs`, visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
    const api = await startApiProcess(
      { ...cliEnv, DATABASE_URL: databaseUrl, BMX_ENV: envName, IMAGES_BUCKET: bucket, IMAGE_JOBS_QUEUE_NAME: jobs.name, PORT: '0', API_SEED_DEMO_KEY_ROLE: 'admin', LOG_LEVEL: 'silent' },
      () => undefined,
    );
    try {
      const retryQueueFailed = (apiKey: string) => fetch(`${api.url}/api/v1/admin/image-processing/retry-queue-failed`, { method: 'POST', headers: { 'x-api-key': apiKey } });
      expect((await retryQueueFailed(key)).status).toBe(200);
      expect((await retryQueueFailed(viewer.key)).status).toBe(403);
      expect((await retryQueueFailed(`${key}x`)).status).toBe(401);
    } finally {
      api.child.kill('SIGTERM');
      await api.exited;
    }
  });

  it('refuses a wrong or missing role and a missing name, naming what is wrong, before invoking anything', async () => {
    // Against an environment with no db-admin function: an invocation would end in status 1 (function not found),
    // so status 2 with the usage says the CLI refused before calling Lambda.
    const nowhere = testEnvironmentName();
    const create = (...args: string[]) => adminInProcess(['keys', 'create', ...args, '--env', nowhere, '--through-lambda'], cliEnv);
    const badRole = await create('ops', '--role', 'owner');
    expect(badRole).toMatchObject({ status: 2, out: [], err: expect.stringMatching(/^--role must be one of viewer, editor, admin \(got "owner"\)/) });
    const noRole = await create('ops');
    expect(noRole).toMatchObject({ status: 2, out: [], err: expect.stringMatching(/^--role is required: one of viewer, editor, admin/) });
    const noName = await create('--role', 'admin');
    expect(noName).toMatchObject({ status: 2, out: [], err: expect.stringMatching(/^give exactly one key name: keys create <name> --role/) });
    const blankName = await create(' ', '--role', 'admin');
    expect(blankName).toMatchObject({ status: 2, out: [], err: expect.stringMatching(/^give exactly one key name/) });
    for (const refused of [badRole, noRole, noName, blankName]) expect(refused.err).toContain('usage: npm run admin -- keys create <name> --role viewer|editor|admin');

    // The function checks a request itself too (anyone allowed to invoke it may send one by hand), and makes nothing.
    const before = await keyRows();
    const name = deployment?.functionName('db-admin') as string;
    await expect(invokeJson(name, { create_api_key: { name: 'ops', role: 'owner' } }, { qualifier: 'live' })).rejects.toThrow(/create_api_key\.role must be one of viewer, editor, admin/);
    await expect(invokeJson(name, { create_api_key: { name: ' ', role: 'admin' } }, { qualifier: 'live' })).rejects.toThrow(/create_api_key\.name must be a non-empty string/);
    expect(await keyRows()).toEqual(before);
  });

  it('goes through bmx-<env>-db-admin:live and nothing else: without that function it fails naming it, even with a database at hand', async () => {
    // DATABASE_URL names the test's database here: the path must still not fall back to writing there itself.
    const elsewhere = testEnvironmentName();
    const before = await keyRows();
    const run = await adminInProcess(['keys', 'create', 'first-admin', '--role', 'admin', '--env', elsewhere, '--through-lambda'], { ...cliEnv, DATABASE_URL: databaseUrl });
    expect(run.status).toBe(1);
    expect(run.out).toEqual([]);
    expect(run.err).toMatch(new RegExp(`^failed: bmx-${elsewhere}-db-admin:live did not make the key: .*Function not found`));
    expect(run.err).toContain(`(is the api app deployed to ${elsewhere}? \`nx deploy api --env ${elsewhere}\`)`);
    expect(await keyRows()).toEqual(before);
  });
});
