// The whole pipeline through faults takes minutes (bundling, deploys, an outage, the image processor at work).
module.exports = require('../../jest.project.js')(__dirname, 'dev-stack', { testTimeout: 300_000 });
