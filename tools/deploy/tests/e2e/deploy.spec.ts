import { GetAliasCommand, GetFunctionConfigurationCommand, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { getLambdaClient, invokeJson, resetAwsClients } from '@bmx/aws-clients';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployApp, LIVE_ALIAS } from '../../src';

const appDir = path.join(__dirname, '../fixtures/sample-app');
const envName = `t${Date.now().toString(36)}`;
const name = `sample-${envName}-worker`;
let outRoot: string;

beforeAll(() => {
  resetAwsClients();
  outRoot = mkdtempSync(path.join(tmpdir(), 'bmx-deploy-'));
});
afterAll(() => {
  rmSync(outRoot, { recursive: true, force: true });
  resetAwsClients();
});

describe('deployApp against the local Lambda server', () => {
  it('creates the function, publishes, smoke-tests, points live at it and wires its queue', async () => {
    const [result] = await deployApp(appDir, { envName, outRoot });
    expect(result).toMatchObject({ name, created: true, version: '1', smokeTest: 'passed', rolledBack: false });
    const config = await getLambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(config).toMatchObject({ Handler: 'index.handler', MemorySize: 256, Timeout: 5, Environment: { Variables: { GREETING: `hello from ${envName}` } } });
    const alias = await getLambdaClient().send(new GetAliasCommand({ FunctionName: name, Name: LIVE_ALIAS }));
    expect(alias.FunctionVersion).toBe('1');
    const mappings = await getLambdaClient().send(new ListEventSourceMappingsCommand({ FunctionName: name }));
    expect(mappings.EventSourceMappings).toHaveLength(1);
    expect(mappings.EventSourceMappings![0]).toMatchObject({ BatchSize: 5, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('redeploys idempotently: a new version, the same single mapping', async () => {
    const [result] = await deployApp(appDir, { envName, outRoot });
    expect(result).toMatchObject({ created: false, version: '2', previousVersion: '1', smokeTest: 'passed' });
    const mappings = await getLambdaClient().send(new ListEventSourceMappingsCommand({ FunctionName: name }));
    expect(mappings.EventSourceMappings).toHaveLength(1);
  });

  it('keeps live on the previous version when the new build fails its smoke test', async () => {
    const [result] = await deployApp(appDir, { envName, outRoot, extraEnv: { SAMPLE_BROKEN: 'yes' } });
    expect(result).toMatchObject({ version: '3', previousVersion: '2', smokeTest: 'failed', rolledBack: true });
    expect(result!.error).toMatch(/this build is broken/);
    const alias = await getLambdaClient().send(new GetAliasCommand({ FunctionName: name, Name: LIVE_ALIAS }));
    expect(alias.FunctionVersion).toBe('2');
    await expect(invokeJson(name, { smoke_test: true }, { qualifier: LIVE_ALIAS })).resolves.toMatchObject({ ok: true });
  });
});
