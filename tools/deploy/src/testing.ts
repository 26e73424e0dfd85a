// `@bmx/deploy/testing`: the one way an e2e test deploys Lambdas. An app's functions go to the test's local stack
// through the path every local deploy takes (bundle → tools/infra synth → provisionAssembly), into an environment of
// their own (`local-<id>`, a copy of `local`), so tests running side by side never share a function, a queue or a secret.
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { getSqsClient } from '@bmx/aws-clients';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appStackName, sharedExports } from './aws-deploy';
import { bundleApp, repoRoot, type BundleManifest } from './bundle-app';
import { loadDeployConfig, applyVariant, type DeployConfig, type DeployVariant } from './config';
import { destroyStacks, type StackProvisionResult } from './cloudformation/provision-assembly';
import { deployToLocalStack, synthesize, versionsNotMadeLive, type LocalSecretValues, type SynthTarget } from './local-deploy';

/** What to deploy for a test. */
export interface TestDeployOptions {
  /** The app's folder name under `apps/` (`tracking-dispatcher`). */
  app: string;
  /** The environment, `local-<id>`; default a random one. Name it when the test needs the resource names up front. */
  envName?: string;
  /** Function ids to deploy; default every function the app has locally. */
  only?: string[];
  /** Per function id: variables merged into its environment, its memory, timeout and schedule (tools/deploy DeployVariant). */
  overrides?: DeployVariant['overrides'];
  /**
   * Values of the environment's secrets by name, seeded under the ARNs the templates import: `database` (see
   * `databaseSecretFromUrl` of @bmx/db: the functions read their database by `DATABASE_SECRET_ARN`), `tracking-carriers`…
   */
  secrets?: LocalSecretValues;
  /** Fail the deploy when a new version does not go live (its smoke test or a deploy step failed; default true); false for functions broken on purpose. */
  requireSmokeTests?: boolean;
  log?: (line: string) => void;
}

/** A test's deployment of one app. */
export interface TestDeployment {
  /** The environment it went to (`local-<id>`). */
  envName: string;
  /** The app's functions as deployed (`{env}` substituted, the variant applied). */
  config: DeployConfig;
  results: StackProvisionResult[];
  /** The bundle's manifest.json: which aws-clients it inlined, its packages and sizes. */
  manifest: BundleManifest;
  /** The ARN a secret of the environment (`database`, …) has, as the shared stack exports it. */
  secretArn(name: string): string;
  /** The function's name in this environment, by its id in lambda.deploy.json. */
  functionName(id: string): string;
  /** The function's SQS trigger queue and its DLQ. */
  triggerQueue(id: string): Promise<{ url: string; arn: string; dlqUrl: string; dlqArn: string }>;
  /** Removes its schedules, mappings, functions (and their warm processes), queues and secrets. */
  remove(): Promise<void>;
}

/** A fresh `local-<id>` environment name, for a test that needs its resource names before it deploys. */
export const testEnvironmentName = (): string => `local-${randomBytes(4).toString('hex')}`;

const scratchRoot = () => mkdtempSync(path.join(tmpdir(), 'bmx-test-deploy-'));

async function queueUrlAndArn(name: string): Promise<{ url: string; arn: string }> {
  const url = (await getSqsClient().send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl as string;
  const { Attributes } = await getSqsClient().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: Attributes?.['QueueArn'] as string };
}

/**
 * Deploys several apps (or one app several times) for a test, each into an environment of its own, with one synth
 * for all of them. Each resolves once its stacks are provisioned and its secrets seeded.
 */
export async function deployAllForTest(deploys: TestDeployOptions[]): Promise<TestDeployment[]> {
  const scratch = scratchRoot();
  try {
    const planned = deploys.map((options, i) => {
      const envName = options.envName ?? testEnvironmentName();
      if (!/^local-[a-z0-9]+$/.test(envName)) throw new Error(`test deploys go to a local-<id> environment (lowercase letters and digits), got "${envName}"`);
      const appDir = path.join(repoRoot, 'apps', options.app);
      const variant: DeployVariant = { ...(options.only ? { only: options.only } : {}), ...(options.overrides ? { overrides: options.overrides } : {}) };
      const config = applyVariant(loadDeployConfig(appDir, envName), variant);
      const dir = path.join(scratch, String(i));
      return { options, envName, appDir, variant, config, dir, shared: path.join(dir, 'shared.cdk.out'), app: path.join(dir, 'app.cdk.out'), bundles: path.join(dir, 'bundles') };
    });
    // One bundle per app and function set: several deploys of one app share its zips.
    const bundled = new Map<string, string>();
    for (const deploy of planned) {
      const key = `${deploy.options.app}:${deploy.options.only?.join(',') ?? '*'}`;
      if (!bundled.has(key)) {
        await bundleApp(deploy.appDir, { outRoot: deploy.bundles, ...(deploy.options.only ? { only: deploy.options.only } : {}) });
        bundled.set(key, path.join(deploy.bundles, deploy.options.app));
      }
      deploy.bundles = bundled.get(key) as string;
    }
    const targets: SynthTarget[] = planned.flatMap((deploy) => [
      { env: deploy.envName, outdir: deploy.shared, nag: false },
      { env: deploy.envName, appDir: deploy.appDir, outdir: deploy.app, bundleDir: deploy.bundles, variant: deploy.variant, nag: false },
    ]);
    await synthesize(targets);
    return await Promise.all(
      planned.map(async (deploy): Promise<TestDeployment> => {
        const results = await deployToLocalStack({
          envName: deploy.envName,
          sharedAssembly: deploy.shared,
          appAssemblies: [deploy.app],
          secrets: deploy.options.secrets ?? {},
          ...(deploy.options.log ? { log: deploy.options.log } : {}),
        });
        const manifest = JSON.parse(readFileSync(path.join(deploy.bundles, 'manifest.json'), 'utf8')) as BundleManifest;
        const failed = versionsNotMadeLive(results);
        if (failed.length > 0 && deploy.options.requireSmokeTests !== false) throw new Error(`test deploy of ${deploy.options.app}: not made live: ${failed.join(', ')}`);
        const byId = (id: string) => {
          const fn = deploy.config.functions.find((candidate) => candidate.id === id);
          if (!fn) throw new Error(`${deploy.options.app} deployed no function "${id}" (it has ${deploy.config.functions.map((f) => f.id).join(', ')})`);
          return fn;
        };
        const exports = Object.assign({}, ...results.map((stack) => stack.exports)) as Record<string, string>;
        return {
          envName: deploy.envName,
          config: deploy.config,
          results,
          manifest,
          secretArn(name) {
            const arn = exports[sharedExports(deploy.envName).secretArn(name)];
            if (!arn) throw new Error(`${deploy.envName} has no secret ${name}`);
            return arn;
          },
          functionName: (id) => byId(id).name,
          async triggerQueue(id) {
            const queue = byId(id).sqs?.queue;
            if (!queue) throw new Error(`${byId(id).name} has no SQS trigger`);
            const [main, dlq] = await Promise.all([queueUrlAndArn(queue), queueUrlAndArn(`${queue}-dlq`)]);
            return { ...main, dlqUrl: dlq.url, dlqArn: dlq.arn };
          },
          remove: () => destroyStacks(deploy.envName, [appStackName(deploy.envName, deploy.options.app)]),
        };
      }),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Deploys one app for a test (see {@link deployAllForTest}). */
export async function deployForTest(options: TestDeployOptions): Promise<TestDeployment> {
  const [deployment] = await deployAllForTest([options]);
  return deployment as TestDeployment;
}
