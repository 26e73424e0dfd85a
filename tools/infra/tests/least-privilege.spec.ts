// Least privilege, checked both ways: the AWS SDK commands each function's bundle can send (read from the zip's
// index.js that `nx bundle` wrote) need exactly the actions its role grants for its code: nothing sent that is not
// granted, nothing granted that is not sent. What Lambda itself does with the role (logs, polling the trigger queue,
// VPC interfaces) is not the code's and is left out, by statement id.
import { esbuildTarget, loadDeployConfig, SMOKE_TEST_HOOK, type Runtime } from '@bmx/deploy';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadEnvironment, repoRoot, SDK_COMMAND_ACTIONS, SERVICE_STATEMENT_IDS } from '../src';
import { appsDir, resourcesOf, synthesizeAll, type SynthesizedStack } from './support/synthesized';

/**
 * The SDK commands a bundle constructs. The SDK is inlined from its CommonJS builds, so a call site reads
 * `new <module>.<Name>Command(` even minified (a property of the client module, never renamed); the command classes
 * the module merely defines (all of them) never appear that way.
 */
export function commandsSentBy(bundle: string): string[] {
  return [...new Set([...bundle.matchAll(/new [A-Za-z0-9_$]+\.([A-Za-z0-9]+Command)\(/g)].map((match) => match[1] as string))].sort();
}

type Statement = { Sid?: string; Action: string | string[] };

/** The actions a function's role grants for its code: every statement of its role's policies but Lambda's own. */
function codeActions(stack: SynthesizedStack, functionName: string): string[] {
  const [, fn] = resourcesOf(stack, 'AWS::Lambda::Function').find(([, resource]) => resource.Properties?.['FunctionName'] === functionName)!;
  const roleId = (fn.Properties?.['Role'] as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  const statements = resourcesOf(stack, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties?.['Roles'] as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => (policy.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement);
  const service = new Set<string>(SERVICE_STATEMENT_IDS);
  return [...new Set(statements.filter((statement) => !service.has(statement.Sid ?? '')).flatMap((statement) => [statement.Action].flat()))].sort();
}

const stacks = synthesizeAll([loadEnvironment('local'), loadEnvironment('sandbox')]).filter((stack) => stack.app !== 'shared');
const cases = stacks.flatMap((stack) => [
  ...loadDeployConfig(path.join(appsDir, stack.app), stack.env).functions.map((fn) => [`${stack.env}/${stack.app}/${fn.id}`, stack, fn.name, fn.id] as const),
  // Each function's smoke-test hook, all from the app's one hook bundle.
  ...resourcesOf(stack, 'AWS::Lambda::Function')
    .filter(([, resource]) => resource.Metadata?.['bmx:deployHook'] === 'smoke-test')
    .map(([, resource]) => [`${stack.env}/${stack.app}/${String(resource.Properties?.['FunctionName'])}`, stack, String(resource.Properties?.['FunctionName']), SMOKE_TEST_HOOK.id] as const),
]);

describe('commandsSentBy', () => {
  it('finds the commands a bundle constructs, not the ones its SDK module only defines', () => {
    const bundle = 'var E={GetObjectCommand:Wf,PutObjectCommand:Vf};E.DeleteObjectCommand=Xy;await c.send(new q.GetObjectCommand({Bucket:b}));new Ab.ListObjectsV2Command({});';
    expect(commandsSentBy(bundle)).toEqual(['GetObjectCommand', 'ListObjectsV2Command']);
  });
});

describe.each(cases)('%s', (_, stack, functionName, functionId) => {
  const bundle = readFileSync(path.join(repoRoot, 'dist/apps', stack.app, functionId, 'index.js'), 'utf8');
  const commands = commandsSentBy(bundle);

  it('sends only commands whose IAM actions are known', () => {
    expect(commands.filter((command) => !(command in SDK_COMMAND_ACTIONS))).toEqual([]);
  });

  it("is granted exactly the actions its bundle's commands need", () => {
    const needed = [...new Set(commands.flatMap((command) => SDK_COMMAND_ACTIONS[command] ?? []))].sort();
    const granted = codeActions(stack, functionName);
    expect({ sentButNotGranted: needed.filter((action) => !granted.includes(action)), grantedButNotSent: granted.filter((action) => !needed.includes(action)) }).toEqual({
      sentButNotGranted: [],
      grantedButNotSent: [],
    });
  });
});

describe.each([...new Set(stacks.map((stack) => stack.app))])('%s bundles', (app) => {
  it("target each function's runtime (nodejs24.x → node24)", () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'dist/apps', app, 'manifest.json'), 'utf8')) as { functions: { id: string; target: string }[] };
    const local = stacks.find((stack) => stack.app === app && stack.env === 'local')!;
    for (const fn of loadDeployConfig(path.join(appsDir, app), 'local').functions) {
      const [, resource] = resourcesOf(local, 'AWS::Lambda::Function').find(([, candidate]) => candidate.Properties?.['FunctionName'] === fn.name)!;
      expect({ id: fn.id, target: manifest.functions.find((built) => built.id === fn.id)?.target }).toEqual({ id: fn.id, target: esbuildTarget(resource.Properties?.['Runtime'] as Runtime) });
    }
  });
});
