// Integration tests only: the whole pipeline through faults takes minutes (bundling, deploys, an outage, the image
// processor at work).
const jestProject = require('../../jest.project.js');

module.exports = jestProject.e2e(jestProject(__dirname, 'dev-stack'), { testTimeout: 300_000 });
