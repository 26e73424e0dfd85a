module.exports = require('../../jest.project.js')(__dirname, 'infra', {
  testTimeout: 120000,
  globalSetup: undefined,
  globalTeardown: undefined,
});
