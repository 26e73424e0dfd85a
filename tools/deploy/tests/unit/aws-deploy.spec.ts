// Deploys to AWS: which environments go there, and the CDK CLI calls (one stack, pre-synthesized, no prompt).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assemblyHasStack, cdkBootstrapArgs, cdkDeployArgs, deploysToLocalStack, isLoopbackEndpoint } from '../../src';

describe('deploys to AWS', () => {
  it('goes to the local stack for local, or for any environment whose Lambda endpoint is on loopback', () => {
    expect(deploysToLocalStack('local', {})).toBe(true);
    expect(deploysToLocalStack('affx1', { AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:4567' })).toBe(true);
    expect(deploysToLocalStack('affx1', { AWS_ENDPOINT_URL: 'http://localhost:4566' })).toBe(true);
    expect(deploysToLocalStack('sandbox', {})).toBe(false);
    expect(deploysToLocalStack('sandbox', { AWS_ENDPOINT_URL_LAMBDA: 'https://lambda.eu-west-1.amazonaws.com' })).toBe(false);
    expect(isLoopbackEndpoint('http://[::1]:9000')).toBe(true);
    expect(isLoopbackEndpoint(undefined)).toBe(false);
  });

  it('deploys one stack of the pre-synthesized assembly, without approval prompts or notices', () => {
    expect(cdkDeployArgs('/repo/dist/apps/api/cdk.out', 'bmx-sandbox-api')).toEqual([
      'deploy',
      '--app',
      '/repo/dist/apps/api/cdk.out',
      'bmx-sandbox-api',
      '--exclusively',
      '--require-approval',
      'never',
      '--no-notices',
      '--progress',
      'events',
    ]);
    expect(cdkBootstrapArgs('/repo/dist/tools/infra/cdk.out')).toEqual(['bootstrap', '--app', '/repo/dist/tools/infra/cdk.out', '--no-notices']);
  });

  it('knows whether an assembly holds the stack (a synth for another environment does not)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bmx-assembly-'));
    expect(assemblyHasStack(dir, 'bmx-sandbox-api')).toBe(false);
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ artifacts: { 'bmx-local-api': { type: 'aws:cloudformation:stack' } } }));
    expect(assemblyHasStack(dir, 'bmx-sandbox-api')).toBe(false);
    expect(assemblyHasStack(dir, 'bmx-local-api')).toBe(true);
  });
});
