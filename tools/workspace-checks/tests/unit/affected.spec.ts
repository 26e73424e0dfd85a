// `nx affected` must follow the real dependency graph: a change to the shared client lib reaches every app that
// uses it, a change inside one app reaches only that app; and the deploys it runs keep the migrations first. Asked
// with --files, so no scratch commit is needed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../../..');

const nx = (...args: string[]) =>
  execFileSync(process.execPath, [require.resolve('nx/bin/nx', { paths: [root] }), ...args], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
    encoding: 'utf8',
  });

function affectedBy(file: string): string[] {
  return (JSON.parse(nx('show', 'projects', '--affected', `--files=${file}`, '--json')) as string[]).sort();
}

/** The task graph `nx affected -t <target>` would run after a change to `file` (`--graph`: planned, not run). */
function affectedTaskGraph(target: string, file: string): { tasks: Record<string, unknown>; dependencies: Record<string, string[]> } {
  const scratch = mkdtempSync(path.join(tmpdir(), 'bmx-task-graph-'));
  try {
    const out = path.join(scratch, 'graph.json');
    nx('affected', '-t', target, `--files=${file}`, `--graph=${out}`);
    return (JSON.parse(readFileSync(out, 'utf8')) as { tasks: { tasks: Record<string, unknown>; dependencies: Record<string, string[]> } }).tasks;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('nx affected', () => {
  it('reaches every app from a change in libs/aws-clients', () => {
    expect(affectedBy('libs/aws-clients/src/lib/clients.ts')).toEqual(
      expect.arrayContaining(['aws-clients', 'api', 'tracking-dispatcher', 'image-processor', 'local-aws']),
    );
  });

  it('keeps a change inside one app to that app', () => {
    expect(affectedBy('apps/api/src/app.ts')).toEqual(['api']);
    expect(affectedBy('apps/tracking-dispatcher/README.md')).toEqual(['tracking-dispatcher']);
    expect(affectedBy('apps/image-processor/README.md')).toEqual(['image-processor']);
  });

  it('reaches the database users from a change in libs/db, and not the client lib', () => {
    const affected = affectedBy('libs/db/src/lib/schema.ts');
    expect(affected).toEqual(expect.arrayContaining(['db', 'api', 'tracking-dispatcher', 'image-processor']));
    expect(affected).not.toContain('aws-clients');
  });

  it("deploys the API (its deploy step runs the migrations) before the other database users after a migration's change", () => {
    const graph = affectedTaskGraph('deploy', 'libs/db/src/lib/migrations.ts');
    expect(Object.keys(graph.tasks)).toEqual(expect.arrayContaining(['api:deploy', 'image-processor:deploy', 'tracking-dispatcher:deploy']));
    expect(graph.dependencies['image-processor:deploy']).toContain('api:deploy');
    expect(graph.dependencies['tracking-dispatcher:deploy']).toContain('api:deploy');
    expect(graph.dependencies['api:deploy']).not.toContain('image-processor:deploy');
    expect(graph.dependencies['api:deploy']).not.toContain('tracking-dispatcher:deploy');
  });
});
