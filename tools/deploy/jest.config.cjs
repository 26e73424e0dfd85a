module.exports = require('../../jest.project.js')(__dirname, 'deploy', { testTimeout: 120000 });
