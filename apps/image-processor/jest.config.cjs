// The image processor ships a pinned copy of @bmx/aws-clients (see tools/deploy/README.md), so its tests run
// against that copy, not the workspace source.
const path = require('node:path');
const { pinnedWorkspaceDependencies: pins = {} } = require('./package.json');

const awsClients = pins['@bmx/aws-clients'];
module.exports = require('../../jest.project.js')(__dirname, 'image-processor', {
  ...(awsClients ? { moduleNameMapper: { '^@bmx/aws-clients$': path.join(__dirname, 'pinned', `aws-clients-${awsClients}.js`) } } : {}),
});
