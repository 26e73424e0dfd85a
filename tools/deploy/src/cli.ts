// The deploy tool's command line, behind the `bundle` and `deploy` targets that nx-plugin.cjs gives every app with a
// lambda.deploy.json:
//   bundle <appDir>               bundle, zip, manifest, budgets, pin check
//   deploy <appDir> [--env E]     local stack: provision the synthesized shared and app templates (publish only what
//                                 changed, smoke test before `live` moves, triggers, schedules); AWS: `cdk deploy` of
//                                 the app's stack from its synthesized assembly
//   setup --env E                 AWS: cdk bootstrap of the credentials' account and region, then the shared stack
//   affected [--env E]            nx affected -t deploy since the environment's last deployed commit, then record HEAD
//   pin <appDir>                  write the app's pinned copy of @bmx/aws-clients at the lib's current version
//   provision <cdk.out> [--env E] make the local stack match a synthesized cloud assembly (every stack in it)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  appAssemblyDir,
  appStackName,
  deployAppToAws,
  deploysToLocalStack,
  ensureAssembly,
  setupAwsEnvironment,
  sharedAssemblyDir,
  sharedStackName,
} from './aws-deploy';
import { bundleApp, repoRoot } from './bundle-app';
import { parseCliArgs, type CliArgs } from './cli-args';
import { provisionAssembly } from './cloudformation/provision-assembly';
import { deployToLocalStack, localSecretValuesFromEnv, versionsNotMadeLive } from './local-deploy';
import { pinAwsClients } from './pin';
import { readDeployState, recordDeployState, useEnvironment } from './state';

const log = (line: string) => process.stdout.write(`${line}\n`);

function appDirArg(args: CliArgs): string {
  const arg = args.appDir;
  if (!arg) throw new Error(`usage: cli.ts ${args.command} <appDir>`);
  const dir = path.resolve(repoRoot, arg);
  if (!existsSync(path.join(dir, 'package.json'))) throw new Error(`${arg} is not an app folder`);
  return dir;
}

async function main(): Promise<void> {
  const args = parseCliArgs(process.argv.slice(2));
  const { command, envName } = args;
  if (command === 'bundle') {
    await bundleApp(appDirArg(args), { log });
  } else if (command === 'deploy') {
    const appDir = appDirArg(args);
    useEnvironment(envName);
    if (!deploysToLocalStack(envName)) {
      deployAppToAws(appDir, envName);
      return;
    }
    // The synth targets ran already under Nx (deploy depends on them); a direct run synthesizes what is missing.
    const app = path.basename(appDir);
    ensureAssembly(sharedAssemblyDir(), sharedStackName(envName), envName);
    ensureAssembly(appAssemblyDir(app), appStackName(envName, app), envName, appDir);
    const results = await deployToLocalStack({
      envName,
      sharedAssembly: sharedAssemblyDir(),
      appAssemblies: [appAssemblyDir(app)],
      secrets: localSecretValuesFromEnv(),
      log,
    });
    const failed = versionsNotMadeLive(results);
    if (failed.length > 0) throw new Error(`live alias kept on the previous version: ${failed.join(', ')}`);
  } else if (command === 'setup') {
    if (deploysToLocalStack(envName)) throw new Error('setup is for AWS environments (--env NAME); the local stack is `npm start`');
    setupAwsEnvironment(envName);
  } else if (command === 'affected') {
    useEnvironment(envName);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const last = await readDeployState(envName);
    const nxArgs = last ? ['affected', '-t', 'deploy', `--base=${last.commit}`, `--head=${head}`] : ['run-many', '-t', 'deploy'];
    log(last ? `deploying what changed since ${last.commit.slice(0, 12)} (last deploy to ${envName})` : `first deploy to ${envName}: everything`);
    const run = spawnSync(process.execPath, [require.resolve('nx/bin/nx', { paths: [repoRoot] }), ...nxArgs, '--parallel=1', '--outputStyle=stream'], {
      cwd: repoRoot,
      stdio: 'inherit',
      env: { ...process.env, BMX_ENV: envName, NX_DAEMON: 'false' },
    });
    if (run.status !== 0) throw new Error(`nx ${nxArgs.join(' ')} failed; ${envName} stays recorded at ${last?.commit ?? 'nothing'}`);
    await recordDeployState(envName, { commit: head, deployedAt: new Date().toISOString(), apps: [] });
    log(`recorded ${head.slice(0, 12)} as deployed to ${envName}`);
  } else if (command === 'provision') {
    if (!args.appDir) throw new Error('usage: cli.ts provision <cdk.out folder> [--env name]');
    useEnvironment(envName);
    const failed = versionsNotMadeLive(await provisionAssembly(path.resolve(repoRoot, args.appDir), { envName, log }));
    if (failed.length > 0) throw new Error(`live alias kept on the previous version: ${failed.join(', ')}`);
  } else if (command === 'pin') {
    log(`wrote ${path.relative(repoRoot, await pinAwsClients(appDirArg(args)))}`);
  } else {
    throw new Error('usage: cli.ts <bundle|deploy|setup|affected|pin|provision> [appDir | cdk.out] [--env name]');
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
