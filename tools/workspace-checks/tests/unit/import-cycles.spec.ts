// No two files of a project import each other, directly or around a loop; type-only imports count (apps/api's
// app.ts and routes/*.ts did, for the ApiApp/AppDeps types, until those moved to app-deps.ts).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findImportCycles } from '../support/import-cycles';

const root = path.resolve(__dirname, '../../../..');
const sourceDirs = ['apps', 'libs', 'tools'].flatMap((group) =>
  readdirSync(path.join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${group}/${entry.name}/src`)
    .filter((dir) => readdirSync(path.join(root, path.dirname(dir))).includes('src')),
);

describe('import cycles', () => {
  it('finds a cycle through a type-only import and an index file, and names its files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bmx-cycles-'));
    try {
      mkdirSync(path.join(dir, 'routes'));
      writeFileSync(path.join(dir, 'app.ts'), "import { routes } from './routes';\nexport interface App { name: string }\nexport const app = routes;\n");
      writeFileSync(path.join(dir, 'routes/index.ts'), "import type { App } from '../app';\nexport const routes = (app: App) => app.name;\n");
      writeFileSync(path.join(dir, 'alone.ts'), "import { routes } from './routes';\nexport const x = routes;\n");
      expect(findImportCycles(dir)).toEqual([['app.ts', path.join('routes', 'index.ts'), 'app.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks apps/api among every project with a src folder', () => {
    expect(sourceDirs).toEqual(expect.arrayContaining(['apps/api/src', 'libs/db/src', 'tools/deploy/src']));
  });

  it.each(sourceDirs)('%s has none', (dir) => {
    expect(findImportCycles(path.join(root, dir))).toEqual([]);
  });
});
