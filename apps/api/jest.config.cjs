// typebox 1.x (used by @fastify/type-provider-typebox) ships only ES modules; Jest runs CommonJS, so those
// two packages are transformed like our own sources.
const { readFileSync } = require('node:fs');
const path = require('node:path');

const swc = JSON.parse(readFileSync(path.join(__dirname, '.spec.swcrc'), 'utf-8'));
swc.swcrc = false;

module.exports = require('../../jest.project.js')(__dirname, 'api', {
  transform: { '^.+\\.(m?js|ts)$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!(typebox|@fastify/type-provider-typebox)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs'],
});
