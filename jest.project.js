// Shared Jest settings for every project: SWC transform from the project's .spec.swcrc, and two kinds of run.
// - unit (jest.config.cjs, the `test` target): every spec under tests/ except tests/e2e (by convention tests/unit),
//   no global setup, nothing started.
// - e2e (jest.e2e.config.cjs, the `e2e` target): tests/e2e against the local AWS (S3, SQS, Lambda on 127.0.0.1,
//   started once per project run by the global setup) and the machine's PostgreSQL.
const { readFileSync } = require('node:fs');
const path = require('node:path');

/** Unit-test config of the project in projectDir; overrides are Jest options (transforms, module mappers…). */
function jestProject(projectDir, displayName, overrides = {}) {
  const swc = JSON.parse(readFileSync(path.join(projectDir, '.spec.swcrc'), 'utf-8'));
  swc.swcrc = false;
  return {
    displayName,
    ...require('./jest.preset.js'),
    rootDir: projectDir,
    testMatch: ['<rootDir>/tests/**/*.spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/e2e/'],
    transform: { '^.+\\.[tj]s$': ['@swc/jest', swc] },
    moduleFileExtensions: ['ts', 'js', 'cjs'],
    testTimeout: 30_000,
    coverageDirectory: 'test-output/jest/coverage',
    ...overrides,
  };
}

/**
 * Integration-test config derived from the project's unit config (same transforms and mappers): tests/e2e, with the
 * local AWS started by the global setup. overrides are Jest options for these tests only (e.g. a longer timeout).
 */
function jestE2e(unitConfig, overrides = {}) {
  return {
    ...unitConfig,
    displayName: `${unitConfig.displayName}:e2e`,
    testMatch: ['<rootDir>/tests/e2e/**/*.spec.ts'],
    testPathIgnorePatterns: ['/node_modules/'],
    globalSetup: path.join(__dirname, 'tools/local-aws/src/jest/global-setup.ts'),
    globalTeardown: path.join(__dirname, 'tools/local-aws/src/jest/global-teardown.ts'),
    coverageDirectory: 'test-output/jest/coverage-e2e',
    ...overrides,
  };
}

module.exports = jestProject;
module.exports.e2e = jestE2e;
