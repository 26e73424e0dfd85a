// The synth itself: offline and deterministic (an unchanged zip changes nothing), cdk-nag really gating it, and a
// lambda.deploy.json that AWS would punish refused before anything deploys.
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { loadEnvironment, repoRoot, synth } from '../src';

const api = path.join(repoRoot, 'apps/api');
const temp = () => mkdtempSync(path.join(tmpdir(), 'bmx-synth-'));
const templateOf = (outdir: string) => JSON.parse(readFileSync(path.join(outdir, 'bmx-sandbox-api.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

describe('synth', () => {
  it('writes the same template for the same zips, and changes only the rebuilt function when one zip changes', () => {
    const first = temp();
    const second = temp();
    synth({ environment: 'sandbox', appDir: api, outdir: first });
    synth({ environment: 'sandbox', appDir: api, outdir: second });
    expect(templateOf(second)).toEqual(templateOf(first));

    const bundles = path.join(temp(), 'api');
    cpSync(path.join(repoRoot, 'dist/apps/api'), bundles, { recursive: true, filter: (source) => !source.includes('cdk.out') });
    appendFileSync(path.join(bundles, 'image-job-retry.zip'), Buffer.from([0]));
    const changed = temp();
    synth({ environment: 'sandbox', appDir: api, bundleDir: bundles, outdir: changed });
    const before = templateOf(first).Resources;
    const after = templateOf(changed).Resources;
    const differing = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((id) => JSON.stringify(before[id]) !== JSON.stringify(after[id]));
    // The retry function's code, its new version (logical id from the code hash) and the alias and schedule pointing at it.
    expect(differing.every((id) => /^ImageJobRetry/.test(id))).toBe(true);
    expect(differing.filter((id) => after[id]?.Type === 'AWS::Lambda::Function')).toHaveLength(1);
    expect(differing.filter((id) => after[id]?.Type === 'AWS::Lambda::Version' || before[id]?.Type === 'AWS::Lambda::Version')).toHaveLength(2);
  });

  it('needs no account, credentials or network: the assembly has no lookups and no missing context', () => {
    const outdir = temp();
    synth({ environment: 'sandbox', outdir });
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { missing?: unknown[] };
    expect(manifest.missing ?? []).toEqual([]);
    expect(readdirSync(outdir)).toContain('bmx-sandbox-shared.template.json');
    // The pinned CDK CLI reads this assembly as it is (what `nx deploy --env NAME` hands to `cdk deploy --app`).
    const listed = execFileSync(process.execPath, [require.resolve('aws-cdk/bin/cdk'), 'ls', '--app', outdir, '--no-notices'], { encoding: 'utf8', env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' } });
    expect(listed.trim()).toBe('bmx-sandbox-shared');
  });

  it('fails on any AwsSolutions finding that is not acknowledged with a reason', () => {
    // Every acknowledgement goes through Validations.of(construct).acknowledge (src/nag.ts): turn them all off.
    const spy = jest.spyOn(Validations, 'of').mockReturnValue({ acknowledge: () => undefined } as unknown as ReturnType<typeof Validations.of>);
    try {
      expect(() => synth({ environment: 'sandbox', appDir: api, outdir: temp() })).toThrow(/cdk-nag \(AwsSolutions\) found \d+ problem\(s\) in bmx-sandbox-api:[\s\S]*AwsSolutions-IAM5\[Resource::\*\][\s\S]*AwsSolutions-APIG4/);
      expect(() => synth({ environment: 'sandbox', outdir: temp() })).toThrow(/AwsSolutions-SMG4/);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a trigger queue whose visibility is under 6 × the function timeout', () => {
    const sample = path.join(repoRoot, 'tools/deploy/tests/fixtures/sample-app');
    const bundles = temp();
    writeFileSync(path.join(bundles, 'worker.zip'), 'not a real zip: the stack is refused before it is read');
    expect(() => synth({ environment: 'sandbox', appDir: sample, bundleDir: bundles, outdir: temp(), nag: false })).toThrow(
      'sample-sandbox-worker: sqs.visibilityTimeoutSeconds 2 is under 6 × timeout (30)',
    );
  });

  it('names the known environments when asked for another', () => {
    expect(() => loadEnvironment('nowhere')).toThrow(/environment "nowhere" is not in .*environments.json; known: local, sandbox/);
  });
});
