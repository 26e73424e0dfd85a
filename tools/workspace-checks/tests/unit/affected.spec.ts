// `nx affected` must follow the real dependency graph: a change to the shared client lib reaches every app that
// uses it, a change inside one app reaches only that app. Asked with --files, so no scratch commit is needed.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../../..');

function affectedBy(file: string): string[] {
  const out = execFileSync(process.execPath, [require.resolve('nx/bin/nx', { paths: [root] }), 'show', 'projects', '--affected', `--files=${file}`, '--json'], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
    encoding: 'utf8',
  });
  return (JSON.parse(out) as string[]).sort();
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
});
