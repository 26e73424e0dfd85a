// The sample app fixture, copied where a test can change its lambda.deploy.json without touching the fixture.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDeployConfig } from '../../src';

const FIXTURE = path.join(__dirname, '../fixtures/sample-app');

/**
 * Copies the sample app to `<parent>/sample-app` (the folder name is the app's name, so it stays `sample-app`) and
 * returns that path. Without `parent`, a new temporary folder holds it: the caller removes `path.dirname(appDir)`.
 */
export function copySampleApp(parent: string = mkdtempSync(path.join(tmpdir(), 'bmx-sample-app-'))): string {
  const appDir = path.join(parent, 'sample-app');
  cpSync(FIXTURE, appDir, { recursive: true });
  return appDir;
}

/** Sets one field of the app's first function in its lambda.deploy.json; `undefined` removes the field. */
export function setFirstFunctionField(appDir: string, field: string, value: unknown): void {
  const file = path.join(appDir, 'lambda.deploy.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as { functions: Record<string, unknown>[] };
  config.functions[0]![field] = value;
  writeFileSync(file, JSON.stringify(config, null, 2));
}

/**
 * A loader of the sample app's config (environment `test`) with one field of its first function set. Each call
 * loads a fresh copy and removes it, so a test can `expect(loader).toThrow(...)` on a bad value.
 */
export function sampleConfigWith(field: string, value: unknown): () => ReturnType<typeof loadDeployConfig> {
  return () => {
    const appDir = copySampleApp();
    try {
      setFirstFunctionField(appDir, field, value);
      return loadDeployConfig(appDir, 'test');
    } finally {
      rmSync(path.dirname(appDir), { recursive: true, force: true });
    }
  };
}
