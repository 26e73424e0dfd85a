// The deploy order the Nx plugin infers: an app whose functions use the database deploys after the apps whose deploy
// steps migrate it (the API's db-admin), so its new versions' smoke tests and `live` meet the schema of the commit
// being deployed, whichever apps `nx affected -t deploy` picked. Here on scratch workspaces; tools/workspace-checks
// checks the task graph of this one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMOKE_TEST_HOOK } from '../../src';

interface InferredTarget {
  dependsOn?: unknown[];
  outputs?: string[];
}
type CreateNodesResult = [string, { projects: Record<string, { targets: Record<string, InferredTarget> }> }];
type CreateNodes = (files: string[], options: unknown, context: { workspaceRoot: string }) => Promise<CreateNodesResult[]>;

const pluginFile = path.join(__dirname, '../../nx-plugin.cjs');
// Loaded as Nx loads it: the plugin is CommonJS.
const [, createNodes] = (require(pluginFile) as { createNodesV2: [string, CreateNodes] }).createNodesV2;

/** The inferred targets, by app folder. */
async function inferredTargets(workspaceRoot: string, apps: string[]): Promise<Record<string, Record<string, InferredTarget>>> {
  const results = await createNodes(apps.map((app) => `apps/${app}/lambda.deploy.json`), undefined, { workspaceRoot });
  return Object.fromEntries(results.map(([file, { projects }]) => [path.basename(path.dirname(file)), Object.values(projects)[0]?.targets ?? {}]));
}

/** The inferred `deploy` target's dependsOn, by app folder. */
async function deployDependsOn(workspaceRoot: string, apps: string[]): Promise<Record<string, unknown[]>> {
  const targets = await inferredTargets(workspaceRoot, apps);
  return Object.fromEntries(Object.entries(targets).map(([app, byName]) => [app, byName['deploy']?.dependsOn ?? []]));
}

describe('the deploy target the Nx plugin infers', () => {
  let workspace: string;
  const writeApp = (app: string, functions: Record<string, unknown>[]) => {
    mkdirSync(path.join(workspace, 'apps', app), { recursive: true });
    writeFileSync(path.join(workspace, 'apps', app, 'package.json'), JSON.stringify({ name: `@x/${app}`, nx: { name: `${app}-project` } }));
    writeFileSync(path.join(workspace, 'apps', app, 'lambda.deploy.json'), JSON.stringify({ functions }));
  };
  beforeAll(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'bmx-nx-plugin-'));
    writeApp('migrator', [
      { id: 'http', secrets: { DATABASE_SECRET_ARN: 'database' } },
      { id: 'migrate', deployStep: true, secrets: { DATABASE_SECRET_ARN: 'database' } },
    ]);
    writeApp('reader', [{ id: 'worker', secrets: { DATABASE_SECRET_ARN: 'database', OTHER_SECRET_ARN: 'tracking-carriers' } }]);
    writeApp('no-database', [{ id: 'worker', secrets: { OTHER_SECRET_ARN: 'tracking-carriers' } }]);
    writeApp('other-step', [{ id: 'warm', deployStep: true }, { id: 'worker' }]);
  });
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  it('runs a database user after the deploy of every app that migrates it (by project name, --env forwarded)', async () => {
    const dependsOn = await deployDependsOn(workspace, ['migrator', 'reader', 'no-database', 'other-step']);
    expect(dependsOn['reader']).toEqual(['synth', { projects: ['infra'], target: 'synth' }, { projects: ['migrator-project'], target: 'deploy', params: 'forward' }]);
    // The migrating app orders itself (its deploy step comes before its own aliases in its stack); the others need
    // no migrations, and a deploy step that does not use the database migrates nothing.
    for (const app of ['migrator', 'no-database', 'other-step']) expect(dependsOn[app]).toEqual(['synth', { projects: ['infra'], target: 'synth' }]);
  });

  it("declares as the bundle's outputs everything it writes, the smoke-test hook included (a cache restore brings back all of it)", async () => {
    const outputs = (await inferredTargets(workspace, ['migrator']))['migrator']?.['bundle']?.outputs;
    const dist = '{workspaceRoot}/dist/apps/migrator';
    expect([...(outputs ?? [])].sort()).toEqual(
      [...['http', 'migrate', SMOKE_TEST_HOOK.id].flatMap((id) => [`${dist}/${id}`, `${dist}/${id}.zip`]), `${dist}/manifest.json`].sort(),
    );
  });

  it('adds nothing when no app migrates the database', async () => {
    expect((await deployDependsOn(workspace, ['reader', 'no-database']))['reader']).toEqual(['synth', { projects: ['infra'], target: 'synth' }]);
  });
});
