module.exports = require('../../jest.project.js')(__dirname, 'admin', { testTimeout: 60_000 });
