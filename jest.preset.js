const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // Resolve workspace packages to their TypeScript source, as tsc and esbuild do.
  testEnvironmentOptions: { customExportConditions: ['@bmx/source', 'node', 'require', 'default'] },
};
