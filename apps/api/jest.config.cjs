// Some dependencies ship only ES modules (typebox 1.x under @fastify/type-provider-typebox; content-disposition,
// cookie and set-cookie-parser under @fastify/static and light-my-request). Node 20 can require() them, Jest's
// CommonJS runtime cannot, so those packages are transformed like our own sources.
const { readFileSync } = require('node:fs');
const path = require('node:path');

const swc = JSON.parse(readFileSync(path.join(__dirname, '.spec.swcrc'), 'utf-8'));
swc.swcrc = false;

module.exports = require('../../jest.project.js')(__dirname, 'api', {
  transform: { '^.+\\.(m?js|ts)$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!(typebox|@fastify/type-provider-typebox|content-disposition|cookie|set-cookie-parser)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs'],
});
