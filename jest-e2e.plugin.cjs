// Gives every project that has a jest.e2e.config.cjs an `e2e` target (inferred, as @nx/jest/plugin infers `test`
// from jest.config.cjs): its integration tests, against the local AWS and PostgreSQL. Inputs, dependencies and
// environment are in nx.json's targetDefaults.e2e; a project without integration tests has no e2e target.
const path = require('node:path');

const CONFIG = 'jest.e2e.config.cjs';

module.exports.createNodesV2 = [
  `**/${CONFIG}`,
  async (configFiles) =>
    configFiles.map((file) => [
      file,
      {
        projects: {
          [path.dirname(file)]: {
            targets: {
              e2e: {
                command: `jest --config ${CONFIG}`,
                options: { cwd: path.dirname(file) },
                cache: true,
                outputs: ['{projectRoot}/test-output/jest/coverage-e2e'],
                metadata: { description: 'Integration tests (tests/e2e) against the local AWS and PostgreSQL' },
              },
            },
          },
        },
      },
    ]),
];
