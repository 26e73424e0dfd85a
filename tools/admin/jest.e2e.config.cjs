// Integration tests only: every command against the local AWS (global setup) and the machine's PostgreSQL.
const jestProject = require('../../jest.project.js');

module.exports = jestProject.e2e(jestProject(__dirname, 'admin'), { testTimeout: 90_000 });
