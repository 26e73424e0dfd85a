// Shared Jest settings for every project: SWC transform from the project's .spec.swcrc, and the local AWS
// (S3, SQS, Lambda on 127.0.0.1) started once per project run by the global setup.
const { readFileSync } = require('node:fs');
const path = require('node:path');

/** @returns {import('jest').Config} */
module.exports = function jestProject(projectDir, displayName, overrides = {}) {
  const swc = JSON.parse(readFileSync(path.join(projectDir, '.spec.swcrc'), 'utf-8'));
  swc.swcrc = false;
  return {
    displayName,
    ...require('./jest.preset.js'),
    rootDir: projectDir,
    transform: { '^.+\\.[tj]s$': ['@swc/jest', swc] },
    moduleFileExtensions: ['ts', 'js', 'cjs'],
    globalSetup: path.join(__dirname, 'tools/local-aws/src/jest/global-setup.ts'),
    globalTeardown: path.join(__dirname, 'tools/local-aws/src/jest/global-teardown.ts'),
    testTimeout: 30_000,
    coverageDirectory: 'test-output/jest/coverage',
    ...overrides,
  };
};
