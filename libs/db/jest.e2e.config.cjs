module.exports = require('../../jest.project.js').e2e(require('./jest.config.cjs'));
