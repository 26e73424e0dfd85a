import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleApp, repoRoot } from './bundle-app';
import { functionEnvironment, loadDeployConfig } from './config';
import { deployFunction, schedulerRoleArn, wireSchedule, wireSqsTrigger, type FunctionDeployResult } from './deploy-function';

/** Options for {@link deployApp}. */
export interface DeployAppOptions {
  /** Environment name substituted for `{env}`. */
  envName: string;
  /** Where bundles are; default `<repo>/dist/apps`. */
  outRoot?: string;
  /** Deploy the zips already in `outRoot` (what `nx bundle` built and budget-checked) instead of bundling again. */
  useExistingBundles?: boolean;
  /** Variables added to every function of this deploy (e.g. DATABASE_URL for the local stack). */
  extraEnv?: Record<string, string>;
  log?: (line: string) => void;
}

/** Deploys every function of one app from its zips, then wires its queues and schedules. */
export async function deployApp(appDir: string, options: DeployAppOptions): Promise<FunctionDeployResult[]> {
  const log = options.log ?? (() => undefined);
  const config = loadDeployConfig(appDir, options.envName);
  const appOut = path.join(options.outRoot ?? path.join(repoRoot, 'dist/apps'), config.app);
  // Checked before anything is deployed, so a deploy to AWS without the scheduler's role fails up front.
  const roleArn = config.functions.some((fn) => fn.schedule) ? schedulerRoleArn() : undefined;
  if (!options.useExistingBundles) await bundleApp(appDir, { outRoot: options.outRoot, log });
  const results: FunctionDeployResult[] = [];
  for (const fn of config.functions) {
    const zipPath = path.join(appOut, `${fn.id}.zip`);
    if (!existsSync(zipPath)) throw new Error(`${path.relative(repoRoot, zipPath)} is missing: run \`nx bundle ${config.app}\` first`);
    const environment = functionEnvironment(fn, process.env, options.extraEnv);
    const result = await deployFunction(fn, readFileSync(zipPath), environment);
    results.push(result);
    const outcome = result.unchanged
      ? 'unchanged, not redeployed'
      : `version ${result.version}${result.changed ? ` (changed: ${result.changed.join(', ')})` : ''}, smoke test ${result.smokeTest}`;
    log(`${fn.name}: ${outcome}${result.error ? ` (${result.error})` : ''}`);
    if (result.smokeTest === 'passed') {
      await wireSqsTrigger(fn);
      result.schedule = await wireSchedule(fn, roleArn);
      if (result.schedule !== 'none') log(`${fn.name}: schedule ${fn.schedule?.expression ?? ''} ${result.schedule}`);
    }
  }
  return results;
}
