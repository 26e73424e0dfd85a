import { bundleLambda, zipDirectory } from '@bmx/local-aws';
import path from 'node:path';
import { loadDeployConfig } from './config';
import { deployFunction, wireSchedule, wireSqsTrigger, type FunctionDeployResult } from './deploy-function';

/** Options for {@link deployApp}. */
export interface DeployAppOptions {
  /** Environment name substituted for `{env}`. */
  envName: string;
  /** Where bundles go; default `<repo>/dist/apps`. */
  outRoot?: string;
  /** Variables added to every function of this deploy (e.g. DATABASE_URL for the local stack). */
  extraEnv?: Record<string, string>;
  /** Lambda endpoint that accepts `/local/schedules` (the local server); schedules are skipped without it. */
  localLambdaEndpoint?: string;
  log?: (line: string) => void;
}

const repoRoot = path.resolve(__dirname, '../../..');

/** Bundles and deploys every function of one app, then wires its queues and schedules. */
export async function deployApp(appDir: string, options: DeployAppOptions): Promise<FunctionDeployResult[]> {
  const log = options.log ?? (() => undefined);
  const config = loadDeployConfig(appDir, options.envName);
  const results: FunctionDeployResult[] = [];
  for (const fn of config.functions) {
    const outDir = path.join(options.outRoot ?? path.join(repoRoot, 'dist/apps'), config.app, fn.name);
    await bundleLambda({ entry: path.join(appDir, fn.entry), outDir });
    const environment: Record<string, string> = { ...(fn.environment ?? {}) };
    for (const name of fn.passEnv ?? []) {
      const value = process.env[name];
      if (value === undefined) throw new Error(`${fn.name}: ${name} must be set in the deployer's environment`);
      environment[name] = value;
    }
    Object.assign(environment, options.extraEnv ?? {});
    const result = await deployFunction(fn, zipDirectory(outDir), environment);
    results.push(result);
    log(`${fn.name}: version ${result.version}, smoke test ${result.smokeTest}${result.error ? ` (${result.error})` : ''}`);
    if (result.smokeTest === 'passed') {
      await wireSqsTrigger(fn);
      if (options.localLambdaEndpoint) await wireSchedule(fn, options.localLambdaEndpoint);
    }
  }
  return results;
}
