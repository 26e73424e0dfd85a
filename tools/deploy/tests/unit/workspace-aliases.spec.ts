// Bundles take the workspace libraries from the checkout being bundled, never through node_modules symlinks that may
// point into another checkout (a git worktree has no node_modules of its own).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { workspaceAliases } from '../../src/bundle-app';

const repoRoot = path.resolve(__dirname, '../../../..');

describe('workspaceAliases', () => {
  it("maps every workspace package with a source entry to that entry in this checkout", () => {
    const aliases = workspaceAliases(repoRoot);
    expect(aliases).toMatchObject({
      '@bmx/db': path.join(repoRoot, 'libs/db/src/index.ts'),
      '@bmx/aws-clients': path.join(repoRoot, 'libs/aws-clients/src/index.ts'),
    });
  });

  it('reads the checkout it is given, whatever node_modules would resolve to', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'bmx-workspace-'));
    try {
      const pkg = (dir: string, manifest: object) => {
        mkdirSync(path.join(root, dir), { recursive: true });
        writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify(manifest));
      };
      pkg('.', { workspaces: ['libs/*', 'apps/*'] });
      pkg('libs/a', { name: '@x/a', exports: { '.': { '@bmx/source': './src/index.ts', default: './dist/index.js' } } });
      pkg('libs/built-only', { name: '@x/built-only', main: './dist/index.js' });
      expect(workspaceAliases(root)).toEqual({ '@x/a': path.join(root, 'libs/a/src/index.ts') });

      pkg('.', { workspaces: ['packages/**'] });
      expect(() => workspaceAliases(root)).toThrow(/workspace pattern packages\/\*\* is not "<folder>\/\*"/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
