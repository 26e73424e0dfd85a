// Gives every app that has a lambda.deploy.json `bundle`, `synth` and `deploy` targets (inferred, like Nx's own plugins),
// so `nx affected -t deploy` deploys the apps a change touched, each after the apps whose deploy steps migrate the
// database it uses.
const { readFileSync } = require('node:fs');
const path = require('node:path');

const CLI = 'node --conditions=@bmx/source --import tsx tools/deploy/src/cli.ts';
/** The deploy's own function bundled beside every app's (src/deploy-hooks.ts SMOKE_TEST_HOOK.id). */
const SMOKE_TEST_HOOK_ID = 'smoke-test-hook';
const SYNTH = 'node --conditions=@bmx/source --import tsx tools/infra/src/main.ts synth';

/** The environment's database secret, as functions name it in lambda.deploy.json `secrets`. */
const DATABASE_SECRET = 'database';

const usesDatabase = (fn) => Object.values(fn.secrets ?? {}).includes(DATABASE_SECRET);

/** What the deploy order needs to know of one app: its project name, and how its functions use the database. */
function readApp(workspaceRoot, file) {
  const root = path.dirname(file);
  const config = JSON.parse(readFileSync(path.join(workspaceRoot, file), 'utf8'));
  const pkg = JSON.parse(readFileSync(path.join(workspaceRoot, root, 'package.json'), 'utf8'));
  return {
    file,
    root,
    config,
    project: pkg.nx?.name ?? pkg.name,
    usesDatabase: config.functions.some(usesDatabase),
    // A deploy step that reads the database is how an app ships its migrations (the API's db-admin): every live
    // alias of its own stack already waits for it; other apps' deploys wait for its stack.
    migratesDatabase: config.functions.some((fn) => fn.deployStep && usesDatabase(fn)),
  };
}

/**
 * A deploy of an app whose functions use the database runs after the deploy of every app that migrates it, in the
 * same run: its new versions' smoke tests and `live` must meet the schema of the commit being deployed. Nx adds that
 * deploy even when the migrating app is not affected (its unchanged stack is a no-op, as `cdk deploy` of a stack
 * deploys the stacks it depends on first), and forwards `--env` to it.
 */
function migrationsFirst(app, apps) {
  if (!app.usesDatabase || app.migratesDatabase) return [];
  const migrating = apps.filter((other) => other.migratesDatabase).map((other) => other.project);
  return migrating.length > 0 ? [{ projects: migrating, target: 'deploy', params: 'forward' }] : [];
}

module.exports.createNodesV2 = [
  'apps/*/lambda.deploy.json',
  async (configFiles, _options, context) => {
    const apps = configFiles.map((file) => readApp(context.workspaceRoot, file));
    return apps.map((app) => {
      const { file, root } = app;
      const dist = `{workspaceRoot}/dist/apps/${path.basename(root)}`;
      // Exactly what the bundle writes (per function and for the smoke-test hook a folder and a zip, and
      // manifest.json): a restore from the cache replaces these and leaves cdk.out beside them, which the synth
      // target owns.
      const ids = [...app.config.functions.map((fn) => fn.id), SMOKE_TEST_HOOK_ID];
      return [
        file,
        {
          projects: {
            [root]: {
              targets: {
                bundle: {
                  command: `${CLI} bundle ${root}`,
                  cache: true,
                  inputs: ['production', '^production', '{workspaceRoot}/tools/deploy/src/**/*', { externalDependencies: ['esbuild'] }],
                  outputs: [...ids.flatMap((id) => [`${dist}/${id}`, `${dist}/${id}.zip`]), `${dist}/manifest.json`],
                  metadata: { description: 'Bundle each Lambda, zip it, write manifest.json, check budgets and the aws-clients pin' },
                },
                // An app's build is its Lambda bundles: one bundling path, so `nx affected -t build` checks them too.
                build: {
                  executor: 'nx:noop',
                  dependsOn: ['bundle'],
                  metadata: { description: 'Build = bundle (see the bundle target)' },
                },
                // The app's CloudFormation stack for BMX_ENV (default local), from lambda.deploy.json and the zips.
                synth: {
                  command: `${SYNTH} ${root}`,
                  dependsOn: ['bundle'],
                  cache: true,
                  inputs: [
                    'production',
                    '^production',
                    '{workspaceRoot}/tools/infra/src/**/*',
                    '{workspaceRoot}/tools/infra/environments.json',
                    '{workspaceRoot}/tools/deploy/src/**/*',
                    { env: 'BMX_ENV' },
                    { dependentTasksOutputFiles: '**/*.zip' },
                    { externalDependencies: ['aws-cdk-lib', 'cdk-nag'] },
                  ],
                  outputs: [`${dist}/cdk.out`],
                  metadata: { description: 'Synthesize the app stack (BMX_ENV, default local) into dist/apps/<app>/cdk.out, cdk-nag included' },
                },
                // Both environments deploy the synthesized templates: AWS through the CDK CLI, the local stack through
                // the local provisioner, which also needs the shared stack's (its exports, its secrets).
                deploy: {
                  command: `${CLI} deploy ${root}`,
                  dependsOn: ['synth', { projects: ['infra'], target: 'synth' }, ...migrationsFirst(app, apps)],
                  cache: false,
                  metadata: { description: "Deploy the app's synthesized stack: cdk deploy on AWS, provisioned from the same templates on the local stack" },
                },
              },
            },
          },
        },
      ];
    });
  },
];
