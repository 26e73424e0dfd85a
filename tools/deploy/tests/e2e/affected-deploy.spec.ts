// `nx affected -t deploy` end to end, as `npm run deploy:affected` runs it: in a scratch git worktree of this repo,
// deploy everything to a fresh environment on the local Lambda server, change one app, deploy again, and only that
// app's changed function gets a new version: its unchanged sibling and the other apps keep theirs, and the schedules
// stay as they were while following the live alias.
import { ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { getLambdaClient, getSchedulerClient, resetAwsClients } from '@bmx/aws-clients';
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { fireSchedule } from '@bmx/local-aws';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../../..');
const envName = `aff${Date.now().toString(36)}`;
const worktree = path.join(repoRoot, 'tmp', `deploy-affected-${envName}`);

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=bmx-test', '-c', 'user.email=bmx-test@localhost', ...args], { cwd: worktree, encoding: 'utf8' });
}

function deployAffected(database: TestDatabase): string {
  try {
    return runDeployAffected(database);
  } catch (error) {
    // Nx prints the failing task's own output on stdout: keep it in the failure.
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`deploy:affected failed\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

function runDeployAffected(database: TestDatabase): string {
  return execFileSync(process.execPath, ['--conditions=@bmx/source', '--import', 'tsx', 'tools/deploy/src/cli.ts', 'affected', '--env', envName], {
    cwd: worktree,
    encoding: 'utf8',
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      TRACKING_CARRIERS: 'none',
      NODE_OPTIONS: '',
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      // Build every bundle here: without this Nx restores bundles the main checkout built (it shares that checkout's
      // cache), whose source maps reach node_modules by another relative path, so the first deploy's zips would not
      // match the ones the worktree builds itself later and the unchanged worker would look changed.
      NX_SKIP_NX_CACHE: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const getSchedule = (name: string) => getSchedulerClient().send(new GetScheduleCommand({ Name: name }));

async function publishedVersions(name: string): Promise<string[]> {
  const out = await getLambdaClient().send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  return (out.Versions ?? []).map((v) => v.Version as string).filter((v) => v !== '$LATEST');
}

describe('nx affected -t deploy', () => {
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

  it('deploys everything first, then only the app a commit changed', async () => {
    const first = deployAffected(database);
    expect(first).toMatch(new RegExp(`first deploy to ${envName}: everything`));
    for (const fn of ['api', 'image-job-retry', 'image-processor', 'tracking-dispatcher', 'tracking-worker']) {
      expect(await publishedVersions(`bmx-${envName}-${fn}`)).toEqual(['1']);
    }
    // The scraper stand-in is localOnly: never deployed to another environment.
    await expect(publishedVersions(`bmx-${envName}-scraper`)).rejects.toThrow(/Function not found/);
    const dispatcher = `bmx-${envName}-tracking-dispatcher`;
    const scheduled = await getSchedule(dispatcher);
    expect(scheduled).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
    expect(scheduled.Target!.Arn).toMatch(new RegExp(`:function:${dispatcher}:live$`));
    expect(await getSchedule(`bmx-${envName}-image-job-retry`)).toMatchObject({ ScheduleExpression: 'rate(5 minutes)' });

    const file = path.join(worktree, 'apps/tracking-dispatcher/src/dispatch/handler.ts');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\nexport const deployedBy = 'affected-deploy test';\n`);
    git('commit', '-q', '-am', 'change the tracking dispatcher');

    const second = deployAffected(database);
    expect(second).toMatch(/deploying what changed since/);
    expect(await publishedVersions(dispatcher)).toEqual(['1', '2']);
    // The worker is bundled again with the dispatcher (same app) but its code did not change: same zip, no new version.
    // (On failure the output names what differed from what live runs.)
    expect(second).toContain(`bmx-${envName}-tracking-worker: unchanged, not redeployed`);
    for (const fn of ['tracking-worker', 'api', 'image-job-retry', 'image-processor']) {
      expect({ fn, versions: await publishedVersions(`bmx-${envName}-${fn}`) }).toEqual({ fn, versions: ['1'] });
    }
    // The schedule was left alone, and runs what live now points at.
    expect((await getSchedule(dispatcher)).LastModificationDate).toEqual(scheduled.LastModificationDate);
    expect(await fireSchedule(dispatcher)).toMatchObject({ ExecutedVersion: '2', Payload: { dispatched: 0, failed: 0 } });
    // Two full Nx runs (every bundle built in the worktree, twice): 1.5 to 2.5 minutes on a busy 2-core machine.
  }, 300_000);
});
