module.exports = require('../../jest.project.js')(__dirname, 'workspace-checks', { globalSetup: undefined, globalTeardown: undefined, testTimeout: 120000 });
