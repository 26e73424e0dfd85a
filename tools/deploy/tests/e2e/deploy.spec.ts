import { GetAliasCommand, GetFunctionConfigurationCommand, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { getLambdaClient, invokeJson, resetAwsClients } from '@bmx/aws-clients';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleApp, deployApp, LIVE_ALIAS, type BundleManifest } from '../../src';
import { copySampleApp, setFirstFunctionField } from '../support/sample-app';

const appDir = path.join(__dirname, '../fixtures/sample-app');
const envName = `t${Date.now().toString(36)}`;
const name = `sample-${envName}-worker`;
let outRoot: string;

const liveVersion = async () => (await getLambdaClient().send(new GetAliasCommand({ FunctionName: name, Name: LIVE_ALIAS }))).FunctionVersion;

beforeAll(() => {
  resetAwsClients();
  outRoot = mkdtempSync(path.join(tmpdir(), 'bmx-deploy-'));
});
afterAll(() => {
  rmSync(outRoot, { recursive: true, force: true });
  resetAwsClients();
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

describe('deployApp against the local Lambda server', () => {
  it('creates the function, publishes, smoke-tests, points live at it and wires its queue', async () => {
    const [result] = await deployApp(appDir, { envName, outRoot });
    expect(result).toMatchObject({ name, created: true, unchanged: false, version: '1', smokeTest: 'passed', rolledBack: false });
    const config = await getLambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(config).toMatchObject({ Handler: 'index.handler', MemorySize: 256, Timeout: 5, Environment: { Variables: { GREETING: `hello from ${envName}` } } });
    expect(await liveVersion()).toBe('1');
    const mappings = await getLambdaClient().send(new ListEventSourceMappingsCommand({ FunctionName: name }));
    expect(mappings.EventSourceMappings).toHaveLength(1);
    expect(mappings.EventSourceMappings![0]).toMatchObject({ BatchSize: 5, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('does not redeploy identical code and configuration', async () => {
    const [result] = await deployApp(appDir, { envName, outRoot });
    expect(result).toMatchObject({ unchanged: true, version: '1' });
    expect(await liveVersion()).toBe('1');
  });

  it('publishes a new version on a change, keeping one mapping', async () => {
    const [result] = await deployApp(appDir, { envName, outRoot, extraEnv: { FEATURE: 'on' } });
    expect(result).toMatchObject({ created: false, unchanged: false, version: '2', previousVersion: '1', smokeTest: 'passed' });
    expect(await liveVersion()).toBe('2');
    const mappings = await getLambdaClient().send(new ListEventSourceMappingsCommand({ FunctionName: name }));
    expect(mappings.EventSourceMappings).toHaveLength(1);
  });

  it('keeps live on the previous version when the new build fails its smoke test', async () => {
    const [result] = await deployApp(appDir, { envName, outRoot, extraEnv: { FEATURE: 'on', SAMPLE_BROKEN: 'yes' } });
    expect(result).toMatchObject({ version: '3', previousVersion: '2', smokeTest: 'failed', rolledBack: true });
    expect(result!.error).toMatch(/this build is broken/);
    expect(await liveVersion()).toBe('2');
    await expect(invokeJson(name, { smoke_test: true }, { qualifier: LIVE_ALIAS })).resolves.toMatchObject({ ok: true });
  });
});
