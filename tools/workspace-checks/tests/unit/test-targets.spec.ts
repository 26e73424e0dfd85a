// `test` is the fast loop: unit tests only, nothing started. Integration tests (tests/e2e, against the local AWS and
// PostgreSQL) are the `e2e` target. Checked on what Jest would really run for each project `nx affected -t test`
// picks after a change in libs/images.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const env = { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true', NODE_OPTIONS: '' };

const nx = (...args: string[]): unknown =>
  JSON.parse(execFileSync(process.execPath, [require.resolve('nx/bin/nx', { paths: [root] }), ...args, '--json'], { cwd: root, env, encoding: 'utf8' }));

interface JestRun {
  files: string[];
  globalSetup: string | null;
}

/** The test files and global setup of one Nx target that runs Jest, as Jest itself resolves them. */
function jestRun(project: string, target: 'test' | 'e2e'): JestRun {
  const { targets } = nx('show', 'project', project) as { targets: Record<string, { options: { command: string; cwd: string } }> };
  const { command, cwd } = targets[target].options;
  const [program, ...args] = command.split(' ');
  expect(program).toBe('jest');
  const jest = (...extra: string[]) =>
    execFileSync(process.execPath, [require.resolve('jest/bin/jest', { paths: [root] }), ...args, ...extra], { cwd: path.join(root, cwd), env, encoding: 'utf8' });
  const files = (JSON.parse(jest('--listTests', '--json')) as string[]).map((file) => path.relative(path.join(root, cwd), file));
  const { configs } = JSON.parse(jest('--showConfig')) as { configs: { globalSetup?: string | null }[] };
  return { files, globalSetup: configs[0].globalSetup ?? null };
}

describe('test and e2e targets', () => {
  it('runs no integration test and starts nothing for `nx affected -t test` after a change in libs/images', () => {
    const projects = nx('show', 'projects', '--affected', '--files=libs/images/src/index.ts', '-t', 'test') as string[];
    expect(projects).toEqual(expect.arrayContaining(['images', 'api', 'image-processor']));
    for (const project of projects) {
      const run = jestRun(project, 'test');
      expect({ project, globalSetup: run.globalSetup }).toEqual({ project, globalSetup: null });
      expect(run.files.length).toBeGreaterThan(0);
      expect(run.files.filter((file) => !file.startsWith('tests/') || file.startsWith('tests/e2e/'))).toEqual([]);
    }
  });

  it('runs the integration tests, with the local AWS, as e2e', () => {
    const run = jestRun('api', 'e2e');
    expect(run.globalSetup).toMatch(/tools\/local-aws\/src\/jest\/global-setup\.ts$/);
    expect(run.files.length).toBeGreaterThan(0);
    expect(run.files.filter((file) => !file.startsWith('tests/e2e/'))).toEqual([]);
  });

  it("keeps this project's own test inputs those of every project, plus the files its checks read", () => {
    // Nx does not merge a project's inputs into targetDefaults: this project repeats them to add its own, so a change
    // to targetDefaults must reach it too, or its tests stop rerunning when the workspace's inputs change.
    const readJson = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));
    const defaults = readJson('nx.json').targetDefaults.test.inputs as unknown[];
    const own = readJson('tools/workspace-checks/package.json').nx.targets.test.inputs as unknown[];
    expect(own.slice(0, defaults.length)).toEqual(defaults);
  });
});
