// Gives every app that has a lambda.deploy.json `bundle`, `synth` and `deploy` targets (inferred, like Nx's own plugins),
// so `nx affected -t deploy` deploys exactly the apps a change touched.
const { readFileSync } = require('node:fs');
const path = require('node:path');

const CLI = 'node --conditions=@bmx/source --import tsx tools/deploy/src/cli.ts';
const SYNTH = 'node --conditions=@bmx/source --import tsx tools/infra/src/main.ts synth';

module.exports.createNodesV2 = [
  'apps/*/lambda.deploy.json',
  async (configFiles) =>
    configFiles.map((file) => {
      const root = path.dirname(file);
      const dist = `{workspaceRoot}/dist/apps/${path.basename(root)}`;
      // Exactly what the bundle writes (per function a folder and a zip, and manifest.json): a restore from the cache
      // replaces these and leaves cdk.out beside them, which the synth target owns.
      const ids = JSON.parse(readFileSync(file, 'utf8')).functions.map((fn) => fn.id);
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
                  dependsOn: ['synth', { projects: ['infra'], target: 'synth' }],
                  cache: false,
                  metadata: { description: "Deploy the app's synthesized stack: cdk deploy on AWS, provisioned from the same templates on the local stack" },
                },
              },
            },
          },
        },
      ];
    }),
];
