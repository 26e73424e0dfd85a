// Deploys to the local stack from the synthesized templates, the one definition of the resources: the shared stack
// first, then the secrets the templates import by ARN stood in for (seeded), then each app's stack. `npm start`,
// `nx deploy <app> --env local` and the e2e tests' deployForTest all come through here.
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { getSecretsManagerClient } from '@bmx/aws-clients';
import { databaseSecretFromUrl } from '@bmx/db';
import { seedSecret } from '@bmx/local-aws';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { sharedExports } from './aws-deploy';
import { repoRoot } from './bundle-app';
import type { DeployVariant } from './config';
import { provisionAssembly, type StackProvisionResult } from './cloudformation/provision-assembly';
import { readCloudAssembly } from './cloudformation/assembly';
import { TemplateError } from './cloudformation/intrinsics';

/** SecretString per secret name (`database`, `tracking-carriers`, …: the names functions use in `secrets`). */
export type LocalSecretValues = Record<string, string>;

/** Options for {@link deployToLocalStack}. */
export interface LocalDeployOptions {
  envName: string;
  /** The shared stack's cloud assembly (`dist/tools/infra/cdk.out`). */
  sharedAssembly: string;
  /** The apps' cloud assemblies (`dist/apps/<app>/cdk.out`), provisioned in this order. */
  appAssemblies: string[];
  /** Values of the secrets the shared stack exports by ARN only (imported ones): seeded, or put when they differ. */
  secrets?: LocalSecretValues;
  log?: (line: string) => void;
}

/** The variable a secret's local value can come from: `BMX_LOCAL_SECRET_<NAME>` (`tracking-carriers` → `…_TRACKING_CARRIERS`). */
export const localSecretVariable = (name: string): string => `BMX_LOCAL_SECRET_${name.toUpperCase().replace(/-/g, '_')}`;

/** The secret's current SecretString, or undefined when the local Secrets Manager has none at that ARN. */
async function currentValue(arn: string): Promise<string | undefined> {
  try {
    await getSecretsManagerClient().send(new DescribeSecretCommand({ SecretId: arn }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
  return (await getSecretsManagerClient().send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '';
}

/**
 * Makes the environment's exported secrets exist locally under their exact ARNs: those in `values` are seeded
 * (`seedSecret`), or put when their value differs; the others that `needed` (export names the app templates import)
 * names must exist already (made by the shared stack, or seeded by `npm start`), else the error names the secret and
 * how to give it a value.
 */
export async function seedLocalSecrets(
  envName: string,
  exports: Record<string, string>,
  values: LocalSecretValues,
  log: (line: string) => void,
  needed: Set<string> = new Set(Object.keys(exports)),
): Promise<void> {
  // sharedExports(env).secretArn(name) is `<prefix><name><suffix>`: read the names back from the export names.
  const [prefix, suffix] = sharedExports(envName).secretArn('\u0000').split('\u0000') as [string, string];
  const exported = Object.entries(exports)
    .filter(([exportName]) => exportName.startsWith(prefix) && exportName.endsWith(suffix))
    .map(([exportName, arn]) => ({ name: exportName.slice(prefix.length, -suffix.length), arn, exportName }));
  const unknown = Object.keys(values).filter((name) => !exported.some((entry) => entry.name === name));
  if (unknown.length > 0) throw new TemplateError(`the ${envName} shared stack exports no secret ${unknown.join(', ')} (it has ${exported.map((e) => e.name).join(', ') || 'none'})`);
  for (const { name, arn, exportName } of exported) {
    const wanted = values[name];
    if (wanted === undefined && !needed.has(exportName)) continue;
    const current = await currentValue(arn);
    if (wanted === undefined) {
      if (current === undefined) {
        throw new TemplateError(`secret ${name} (${arn}) is not in the local Secrets Manager: npm start seeds it; a deploy seeds it from ${name === 'database' ? 'DATABASE_URL or ' : ''}${localSecretVariable(name)}`);
      }
      continue;
    }
    if (current === undefined) {
      await seedSecret(arn, wanted);
      log(`secret ${name}: seeded at ${arn}`);
    } else if (current !== wanted) {
      await getSecretsManagerClient().send(new PutSecretValueCommand({ SecretId: arn, SecretString: wanted }));
      log(`secret ${name}: updated`);
    }
  }
}

/**
 * Provisions the shared stack, stands in for its imported secrets, then provisions each app's stack. A failed smoke
 * test or deploy step is in the results (`live` stays where it was: {@link versionsNotMadeLive}), not thrown.
 */
export async function deployToLocalStack(options: LocalDeployOptions): Promise<StackProvisionResult[]> {
  const log = options.log ?? (() => undefined);
  const common = { envName: options.envName, log };
  const shared = await provisionAssembly(options.sharedAssembly, common);
  const imported = new Set(
    options.appAssemblies.flatMap((dir) => readCloudAssembly(dir).flatMap((stack) => [...JSON.stringify(stack.template).matchAll(/"Fn::ImportValue":"([^"]+)"/g)].map((m) => m[1] as string))),
  );
  await seedLocalSecrets(options.envName, Object.assign({}, ...shared.map((stack) => stack.exports)) as Record<string, string>, options.secrets ?? {}, log, imported);
  const results = [...shared];
  for (const assembly of options.appAssemblies) results.push(...(await provisionAssembly(assembly, common)));
  return results;
}

/**
 * Secret values a local deploy takes from its environment: `database` from `DATABASE_URL` (as the RDS-style JSON
 * the functions read), any other from `BMX_LOCAL_SECRET_<NAME>`.
 */
export function localSecretValuesFromEnv(env: NodeJS.ProcessEnv = process.env): LocalSecretValues {
  const values: LocalSecretValues = {};
  const databaseUrl = env['DATABASE_URL']?.trim();
  if (databaseUrl) values['database'] = databaseSecretFromUrl(databaseUrl);
  for (const [variable, value] of Object.entries(env)) {
    const match = /^BMX_LOCAL_SECRET_([A-Z0-9_]+)$/.exec(variable);
    if (match && value !== undefined) values[(match[1] as string).toLowerCase().replace(/_/g, '-')] = value;
  }
  return values;
}

/**
 * Functions whose new version did not go live (its smoke test, or a deploy step such as the migrations, failed), one
 * line each: what fails a local deploy, as the stack's rollback fails `cdk deploy`, so that Nx runs no deploy that
 * waits for this one.
 */
export function versionsNotMadeLive(results: StackProvisionResult[]): string[] {
  return results.flatMap((stack) => stack.functions).filter((fn) => fn.rolledBack).map((fn) => `${fn.name} (${fn.error ?? 'failed'})`);
}

/** One stack for tools/infra's `main.ts synth-plan` to synthesize. */
export interface SynthTarget {
  /** Environment name (environments.json, or `local-<id>`). */
  env: string;
  /** The app's folder; absent: the environment's shared stack. */
  appDir?: string;
  /** The cloud assembly's folder. */
  outdir: string;
  /** Where the app's zips are (`<bundleDir>/<id>.zip`). Default `<repo>/dist/apps/<app>`. */
  bundleDir?: string;
  variant?: DeployVariant;
  /** cdk-nag; default true. Test deploys leave it out: the infra project's tests and every real synth run it. */
  nag?: boolean;
}

/**
 * Synthesizes the targets with tools/infra in one child process (tools/infra depends on this project, so it is run,
 * not imported; and loading the CDK costs more than a stack does).
 */
export async function synthesize(targets: SynthTarget[], log: (line: string) => void = () => undefined): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'bmx-synth-plan-'));
  const plan = path.join(scratch, 'plan.json');
  writeFileSync(plan, JSON.stringify(targets));
  const args = ['--conditions=@bmx/source', '--import', 'tsx', path.join(repoRoot, 'tools/infra/src/main.ts'), 'synth-plan', plan];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      createInterface({ input: child.stdout }).on('line', (line) => log(`synth: ${line}`));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        const what = targets.map((t) => `${t.appDir ? path.basename(t.appDir) : 'shared'}@${t.env}`).join(', ');
        if (code === 0) resolve();
        else reject(new Error(`synth of ${what} failed (${signal ?? `exit ${code}`}):\n${stderr.trim()}`));
      });
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
