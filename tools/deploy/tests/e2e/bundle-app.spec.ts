import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleApp, type BundleManifest } from '../../src';
import { copySampleApp, setFirstFunctionField } from '../support/sample-app';

const appDir = path.join(__dirname, '../fixtures/sample-app');
let outRoot: string;

beforeAll(() => {
  outRoot = mkdtempSync(path.join(tmpdir(), 'bmx-deploy-'));
});
afterAll(() => {
  rmSync(outRoot, { recursive: true, force: true });
});

describe('bundleApp', () => {
  it('writes a zip and a manifest with its size, sha256, budget and the inlined SDK version', async () => {
    const [built] = await bundleApp(appDir, { outRoot });
    const manifest = JSON.parse(readFileSync(path.join(outRoot, 'sample-app/manifest.json'), 'utf8')) as BundleManifest;
    const zip = readFileSync(built!.zipPath);
    expect(manifest.functions).toEqual([
      expect.objectContaining({ id: 'worker', sizeBytes: zip.length, sha256: createHash('sha256').update(zip).digest('hex'), budgetBytes: 64 * 1024 }),
    ]);
    expect(manifest.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(manifest.awsClients.source).toBe('workspace');
  });

  it('fails when a zip is over its budget', async () => {
    const tight = copySampleApp();
    try {
      setFirstFunctionField(tight, 'budgetKiB', 0.1);
      // Its own outRoot: the copy has the fixture's name, and the deploys below use the shared one.
      await expect(bundleApp(tight, { outRoot: path.join(path.dirname(tight), 'dist') })).rejects.toThrow(/over budget.*worker/);
    } finally {
      rmSync(path.dirname(tight), { recursive: true, force: true });
    }
  });
});
