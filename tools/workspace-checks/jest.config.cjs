module.exports = require('../../jest.project.js')(__dirname, 'workspace-checks', { testTimeout: 120000 });
