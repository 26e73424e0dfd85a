module.exports = require('../../jest.project.js')(__dirname, 'infra', { testTimeout: 120000 });
