// Synthesizes one environment's shared stack or one app's stack into a cloud assembly, offline: no lookups, no
// credentials, every context value committed (environments.json). cdk-nag's AwsSolutions pack runs on every stack;
// an unsuppressed finding fails the synth.
import { App, type Stack } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DeployVariant } from '@bmx/deploy';
import path from 'node:path';
import { AppStack } from './app-stack';
import { loadEnvironment, type EnvironmentSettings } from './environments';
import { SharedStack } from './shared-stack';

/** What to synthesize. */
export interface SynthOptions {
  /** Environment name in environments.json (or the settings themselves, for tests). */
  environment: string | EnvironmentSettings;
  /** The app's folder; absent: the shared stack. */
  appDir?: string;
  /** Where `nx bundle` wrote the app's zips. Default `<repo>/dist/apps/<app>`. */
  bundleDir?: string;
  /** The cloud assembly's folder. */
  outdir: string;
  /** Run cdk-nag (default true). */
  nag?: boolean;
  /** A test deploy's changes to the app's functions (tools/deploy `applyVariant`). */
  variant?: DeployVariant;
}

export const repoRoot = path.join(__dirname, '../../..');

/** A synthesized stack: its assembly and the construct, for assertions. */
export interface Synthesized {
  assembly: CloudAssembly;
  stack: Stack;
}

/** Builds the stack, runs cdk-nag, writes the assembly; throws listing every unsuppressed nag finding. */
export function synth(options: SynthOptions): Synthesized {
  const environment =
    typeof options.environment === 'string'
      ? loadEnvironment(options.environment)
      : options.environment;
  const app = new App({
    outdir: options.outdir,
    context: { 'aws:cdk:enable-path-metadata': true },
  });
  const env =
    environment.account || environment.region
      ? { account: environment.account, region: environment.region }
      : undefined;
  const stack: Stack = options.appDir
    ? new AppStack(app, {
        environment,
        env,
        appDir: options.appDir,
        bundleDir:
          options.bundleDir ??
          path.join(repoRoot, 'dist/apps', path.basename(options.appDir)),
        variant: options.variant,
      })
    : new SharedStack(app, { environment, env });
  if (options.nag !== false) {
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map(
        (resource) =>
          `${violation.ruleName} at ${resource.constructPath}: ${violation.description.split('\n')[0]}`,
      ),
    );
    if (findings.length > 0)
      throw new Error(
        `cdk-nag (AwsSolutions) found ${findings.length} problem(s) in ${stack.stackName}:\n  ${findings.join('\n  ')}`,
      );
  }
  return { assembly: app.synth(), stack };
}
