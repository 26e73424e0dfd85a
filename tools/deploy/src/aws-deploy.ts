// Deploys to an AWS account with the CDK CLI, from the cloud assemblies the `synth` targets write: one app's stack
// (`nx deploy <app> --env NAME`), or the environment's bootstrap and shared stack (`npm run aws:setup -- --env NAME`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readAwsEnvironment } from '@bmx/aws-clients';
import { repoRoot } from './bundle-app';
import { isLocalEnvironment } from './config';

const SYNTH = ['--conditions=@bmx/source', '--import', 'tsx', path.join(repoRoot, 'tools/infra/src/main.ts'), 'synth'];

/** True for an endpoint on this machine (the local stack's servers). */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  const host = endpoint ? new URL(endpoint).hostname : undefined;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/**
 * Whether a deploy goes to the local stack (the templates provisioned locally) rather than to AWS (CloudFormation
 * through the CDK CLI):
 * a local environment (`local`, a test's `local-<id>`), or Lambda's endpoint on loopback by the one endpoint rule (how tests point a deploy of any
 * environment name at their own local stack).
 */
export function deploysToLocalStack(envName: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return isLocalEnvironment(envName) || isLoopbackEndpoint(readAwsEnvironment(env).endpoints.lambda);
}

/** Stack names, shared with the infra project that makes the stacks. */
export const appStackName = (envName: string, app: string): string => `bmx-${envName}-${app}`;
export const sharedStackName = (envName: string): string => `bmx-${envName}-shared`;

/** What the shared stack exports (Fn::ImportValue names in the app stacks; the local deploy seeds secrets by them). */
export const sharedExports = (env: string) => ({
  imagesBucketName: `bmx-${env}-images-bucket-name`,
  imagesBucketArn: `bmx-${env}-images-bucket-arn`,
  alarmTopicArn: `bmx-${env}-alarm-topic-arn`,
  /** Comma-separated private subnet ids (network `new` or `imported` only). */
  privateSubnetIds: `bmx-${env}-private-subnet-ids`,
  /** Security group the database admits on its port. */
  databaseClientSecurityGroupId: `bmx-${env}-database-client-sg-id`,
  /** Security group allowing HTTPS out. */
  internetEgressSecurityGroupId: `bmx-${env}-internet-egress-sg-id`,
  /** A secret's ARN, by the name functions use in `secrets` (`database`, …). */
  secretArn: (secret: string) => `bmx-${env}-secret-${secret}-arn`,
});

/** Where the synth targets write an app's assembly, and the shared stack's. */
export const appAssemblyDir = (app: string): string => path.join(repoRoot, 'dist/apps', app, 'cdk.out');
export const sharedAssemblyDir = (): string => path.join(repoRoot, 'dist/tools/infra/cdk.out');

/** The `cdk deploy` arguments for one stack of a pre-synthesized assembly: no prompt, no notices, nothing else deployed. */
export function cdkDeployArgs(assemblyDir: string, stackName: string): string[] {
  return ['deploy', '--app', assemblyDir, stackName, '--exclusively', '--require-approval', 'never', '--no-notices', '--progress', 'events'];
}

/** The `cdk bootstrap` arguments: the account and region of the deploying credentials (environment-agnostic stacks). */
export function cdkBootstrapArgs(assemblyDir: string): string[] {
  return ['bootstrap', '--app', assemblyDir, '--no-notices'];
}

/** True when the assembly in `dir` holds `stackName` (a synth for another environment does not). */
export function assemblyHasStack(dir: string, stackName: string): boolean {
  const manifest = path.join(dir, 'manifest.json');
  if (!existsSync(manifest)) return false;
  const { artifacts = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as { artifacts?: Record<string, { type: string }> };
  return artifacts[stackName]?.type === 'aws:cloudformation:stack';
}

function run(command: string, args: string[], what: string): void {
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit', env: process.env });
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status ?? result.signal})`);
}

const cdk = (args: string[], what: string) => run(process.execPath, [require.resolve('aws-cdk/bin/cdk', { paths: [repoRoot] }), ...args], what);

/** Synthesizes `stackName` into `dir` unless it is there already (the synth target ran for another BMX_ENV). */
export function ensureAssembly(dir: string, stackName: string, envName: string, appDir?: string): void {
  if (assemblyHasStack(dir, stackName)) return;
  run(process.execPath, [...SYNTH, ...(appDir ? [appDir] : []), '--env', envName, '--out', dir], `synth of ${stackName}`);
}

/** `cdk deploy` of the app's stack only, from its pre-synthesized assembly. */
export function deployAppToAws(appDir: string, envName: string): void {
  const app = path.basename(appDir);
  const stackName = appStackName(envName, app);
  ensureAssembly(appAssemblyDir(app), stackName, envName, appDir);
  cdk(cdkDeployArgs(appAssemblyDir(app), stackName), `cdk deploy ${stackName}`);
}

/** Bootstraps CDK in the credentials' account and region, then deploys the environment's shared stack. */
export function setupAwsEnvironment(envName: string): void {
  const stackName = sharedStackName(envName);
  ensureAssembly(sharedAssemblyDir(), stackName, envName);
  cdk(cdkBootstrapArgs(sharedAssemblyDir()), 'cdk bootstrap');
  cdk(cdkDeployArgs(sharedAssemblyDir(), stackName), `cdk deploy ${stackName}`);
}
