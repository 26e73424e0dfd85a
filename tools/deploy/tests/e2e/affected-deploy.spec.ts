// `nx affected -t deploy` end to end against the local stack, as `npm run deploy:affected` runs it: in a scratch git
// worktree of this repo, one app is deployed to a fresh environment (`nx deploy tracking-dispatcher`: bundle, synth of
// its stack and the shared one, provisioned from those templates), after the API, whose deploy step migrates the
// database the tracking functions use, and recorded as deployed; then a commit changes that app, and deploy:affected
// deploys that app (and the API again, which changes nothing): its changed function gets a new version, its unchanged
// sibling keeps its own, the image processor is not deployed, and the schedule stays as it was while following the
// live alias.
import { ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { getLambdaClient, getSchedulerClient, resetAwsClients } from '@bmx/aws-clients';
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { fireSchedule } from '@bmx/local-aws';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { localSecretVariable, readDeployState, recordDeployState } from '../../src';

const repoRoot = path.resolve(__dirname, '../../../..');
const envName = `local-aff${Date.now().toString(36)}`;
const worktree = path.join(repoRoot, 'tmp', `deploy-affected-${envName}`);

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=bmx-test', '-c', 'user.email=bmx-test@localhost', ...args], { cwd: worktree, encoding: 'utf8' });
}

function run(database: TestDatabase, args: string[]): string {
  try {
    return execFileSync(process.execPath, args, {
      cwd: worktree,
      encoding: 'utf8',
      env: {
        ...process.env,
        BMX_ENV: envName,
        // What the local deploy seeds the environment's secrets with (npm start does the same with its own).
        DATABASE_URL: database.url,
        [localSecretVariable('tracking-carriers')]: JSON.stringify({ TRACKING_CARRIERS: 'none' }),
        NODE_OPTIONS: '',
        NX_DAEMON: 'false',
        NX_NO_CLOUD: 'true',
        // A cache of the worktree's own, both halves: Nx 22 shares the main checkout's cache folder and its cache
        // database (workspace-data) with every git worktree. An entry from there left dispatcher.zip missing on CI,
        // and bundles the main checkout built reach node_modules by another relative path in their source maps, which
        // would make the unchanged worker look changed; a cache folder of its own under the shared database is worse
        // (the database then records entries whose files go away with the worktree: "[local cache]", nothing
        // restored). Every bundle here is built in the worktree, so the worker's zip is the same in both runs; the
        // second run takes the API's unchanged bundle and synth from the first.
        NX_CACHE_DIRECTORY: path.join(worktree, '.nx-test-cache'),
        NX_WORKSPACE_DATA_DIRECTORY: path.join(worktree, '.nx-test-data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // Nx prints the failing task's own output on stdout: keep it in the failure.
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${args.slice(3).join(' ')} failed\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

const nx = (database: TestDatabase, ...args: string[]) => run(database, [require.resolve('nx/bin/nx', { paths: [repoRoot] }), ...args, '--outputStyle=stream']);
const deployAffected = (database: TestDatabase) => run(database, ['--conditions=@bmx/source', '--import', 'tsx', 'tools/deploy/src/cli.ts', 'affected', '--env', envName]);

const getSchedule = (name: string) => getSchedulerClient().send(new GetScheduleCommand({ Name: name }));

async function publishedVersions(name: string): Promise<string[]> {
  const out = await getLambdaClient().send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  return (out.Versions ?? []).map((v) => v.Version as string).filter((v) => v !== '$LATEST');
}

describe('nx affected -t deploy against the local stack', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    resetAwsClients();
    database = await createTestDatabase('bmx_deploy');
    mkdirSync(path.dirname(worktree), { recursive: true });
    execFileSync('git', ['worktree', 'add', '--detach', worktree, 'HEAD'], { cwd: repoRoot, stdio: 'ignore' });
  });
  afterAll(async () => {
    execFileSync('git', ['worktree', 'remove', '--force', worktree], { cwd: repoRoot, stdio: 'ignore' });
    await database.drop();
    resetAwsClients();
  });

  it('deploys only the app a commit changed, and only its changed function, after the migrations', async () => {
    const first = nx(database, 'deploy', 'tracking-dispatcher');
    const dispatcher = `bmx-${envName}-tracking-dispatcher`;
    const worker = `bmx-${envName}-tracking-worker`;
    const api = `bmx-${envName}-api`;
    // Provisioned from the templates: the shared stack, the secrets seeded, the app's functions with their smoke tests.
    expect(first).toContain(`secret database: seeded`);
    expect(first).toContain(`${dispatcher}: version 1, smoke test passed`);
    expect(first).toContain(`${worker}: version 1, smoke test passed`);
    // The API's stack first: its db-admin migrated the database before any tracking function's smoke test ran.
    const migrated = first.search(new RegExp(`${api}: Custom::DeployStep \\S+: created \\(bmx-${envName}-db-admin:1 answered SUCCESS\\)`));
    expect(migrated).toBeGreaterThanOrEqual(0);
    const trackingStack = `bmx-${envName}-tracking-dispatcher`;
    expect(migrated).toBeLessThan(first.indexOf(`${trackingStack}: Custom::SmokeTest`));
    const scheduled = await getSchedule(dispatcher);
    expect(scheduled).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
    expect(scheduled.Target!.Arn).toMatch(new RegExp(`:function:${dispatcher}:live$`));
    const base = git('rev-parse', 'HEAD').trim();
    await recordDeployState(envName, { commit: base, deployedAt: new Date().toISOString(), apps: [] });

    const file = path.join(worktree, 'apps/tracking-dispatcher/src/dispatch/handler.ts');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\nexport const deployedBy = 'affected-deploy test';\n`);
    git('commit', '-q', '-am', 'change the tracking dispatcher');

    const second = deployAffected(database);
    expect(second).toContain(`deploying what changed since ${base.slice(0, 12)}`);
    expect(second).toMatch(new RegExp(`${dispatcher}: version 2 \\(changed: code\\), smoke test passed`));
    // The worker is bundled again with the dispatcher (same app) but its code did not change: same zip, no new version.
    expect(second).toContain(`${worker}: unchanged, not redeployed`);
    expect(await publishedVersions(dispatcher)).toEqual(['1', '2']);
    expect(await publishedVersions(worker)).toEqual(['1']);
    // The API, not affected, was deployed first again and changed nothing; the image processor was not deployed.
    expect(second.indexOf(`${api}: unchanged, not redeployed`)).toBeGreaterThanOrEqual(0);
    expect(second.indexOf(`${api}: unchanged, not redeployed`)).toBeLessThan(second.indexOf(`${dispatcher}: version 2`));
    expect(await publishedVersions(api)).toEqual(['1']);
    await expect(publishedVersions(`bmx-${envName}-image-processor`)).rejects.toThrow(/Function not found/);
    expect(second).not.toMatch(/bmx-local-aff\w+-image-processor:/);
    // The schedule was left alone, and runs what live now points at.
    expect((await getSchedule(dispatcher)).LastModificationDate).toEqual(scheduled.LastModificationDate);
    expect(await fireSchedule(dispatcher)).toMatchObject({ ExecutedVersion: '2', Payload: { dispatched: 0, failed: 0 } });
    expect((await readDeployState(envName))?.commit).toBe(git('rev-parse', 'HEAD').trim());
    // Two Nx runs of two apps each (bundles, synths, the provisioning): 2 to 4 minutes on a busy 2-core machine.
  }, 420_000);
});
