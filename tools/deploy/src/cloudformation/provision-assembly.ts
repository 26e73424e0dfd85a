// Makes the local stack match a synthesized cloud assembly: every stack in dependency order, every resource after
// the ones it refers to, each intrinsic resolved as CloudFormation would, then what a template dropped is removed.
import { getAwsRegion } from '@bmx/aws-clients';
import path from 'node:path';
import { readCloudAssembly, type AssemblyStack, type TemplateResource } from './assembly';
import { CHECKED_TYPES } from './checked-resources';
import { LAMBDA_BACKED_CUSTOM_TYPES, lambdaBackedCustomResource } from './custom-resources';
import { referencedIds, resolveValue, TemplateError, type ResolveScope, type StackEnvironment } from './intrinsics';
import { eventSourceMapping, lambdaAlias, lambdaFunction, lambdaVersion } from './lambda-resources';
import { functionRef, type FunctionDeployResult, type Provisioned, type ProvisionRun, type ResourceOutcome, type ResourceType } from './resource';
import { localAccountId } from '../local-account';
import { bucket, queue, schedule, secret } from './service-resources';
import { deleteStackRecord, readExports, readStackRecord, writeStackRecord, type RecordedResource, type StackRecord } from './stack-record';

/** The types the local stack makes. */
const ENFORCED_TYPES: Record<string, ResourceType> = {
  'AWS::S3::Bucket': bucket,
  'AWS::SQS::Queue': queue,
  'AWS::SecretsManager::Secret': secret,
  'AWS::Lambda::Function': lambdaFunction,
  'AWS::Lambda::Version': lambdaVersion,
  'AWS::Lambda::Alias': lambdaAlias,
  'AWS::Lambda::EventSourceMapping': eventSourceMapping,
  'AWS::Scheduler::Schedule': schedule,
  ...Object.fromEntries(LAMBDA_BACKED_CUSTOM_TYPES.map((type) => [type, lambdaBackedCustomResource])),
};

/** CDK's own bookkeeping, which has no local counterpart. */
const IGNORED_TYPES = new Set(['AWS::CDK::Metadata']);

/**
 * What the local provisioner does with a resource type: `made` on the local stack, `checked` for shape only (with
 * the reason in checked-resources.ts), `ignored` (CDK's bookkeeping); undefined: refused, naming the type.
 */
export function localHandlingOf(type: string): 'made' | 'checked' | 'ignored' | undefined {
  if (ENFORCED_TYPES[type]) return 'made';
  if (CHECKED_TYPES[type]) return 'checked';
  return IGNORED_TYPES.has(type) ? 'ignored' : undefined;
}

/** Removal order for what a template dropped: what points at a function first, buckets last. */
const REMOVAL_ORDER = ['AWS::Scheduler::Schedule', 'AWS::Lambda::EventSourceMapping', 'AWS::Lambda::Function', 'AWS::SQS::Queue', 'AWS::SecretsManager::Secret', 'AWS::S3::Bucket'];

/** Options for {@link provisionAssembly}. */
export interface ProvisionOptions {
  /** Environment whose deploy-state bucket keeps the stack records (`bmx-<env>-deploy-state`). */
  envName: string;
  /** Only these stacks (artifact ids or stack names); default every stack of the assembly. */
  stacks?: string[];
  log?: (line: string) => void;
}

/** What happened to one resource. */
export interface ResourceResult {
  logicalId: string;
  type: string;
  physicalId: string;
  outcome: ResourceOutcome | 'removed';
  detail?: string;
}

/** What provisioning one stack did. */
export interface StackProvisionResult {
  stackName: string;
  resources: ResourceResult[];
  /** Per function: created, unchanged, what changed from `live`, version, smoke test, schedule. */
  functions: FunctionDeployResult[];
  exports: Record<string, string>;
}

async function stackEnvironment(stackName: string): Promise<StackEnvironment> {
  return { account: localAccountId(), region: await getAwsRegion(), stackName };
}

const dependsOn = (resource: TemplateResource): string[] => (resource.DependsOn === undefined ? [] : ([] as string[]).concat(resource.DependsOn));

/** Checks what can be checked before anything is made: types, required properties, references, conditions, cycles. */
function validate(stack: AssemblyStack): string[] {
  const file = path.basename(stack.templateFile);
  const { Resources: resources, Parameters: parameters = {}, Conditions: conditions = {} } = stack.template;
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    const where = `${file}: Resources.${id}`;
    if (IGNORED_TYPES.has(resource.Type)) continue;
    if (resource.Condition !== undefined) problems.push(`${where} has Condition ${resource.Condition}: the local provisioner does not evaluate conditions`);
    const type = ENFORCED_TYPES[resource.Type] ?? CHECKED_TYPES[resource.Type];
    if (!type) {
      problems.push(`${where} is ${resource.Type}, a type the local provisioner neither makes nor checks (add it to ENFORCED_TYPES, or to checked-resources.ts with the reason it need not be enforced)`);
      continue;
    }
    for (const name of type.required) if (resource.Properties?.[name] === undefined) problems.push(`${where}.Properties.${name} is required`);
    for (const ref of [...referencedIds(resource.Properties ?? {}), ...dependsOn(resource)]) {
      if (!(ref in resources) && !(ref in parameters)) problems.push(`${where} refers to ${ref}, which the template does not define`);
    }
  }
  const conditional = Object.keys(conditions).filter((name) => Object.values(resources).some((r) => r.Condition === name && !IGNORED_TYPES.has(r.Type)));
  if (conditional.length > 0) problems.push(`${file}: Conditions ${conditional.join(', ')} decide resources; the local provisioner does not evaluate them`);
  return problems;
}

/** Resource ids, each after every resource it refers to or depends on. */
function order(stack: AssemblyStack): string[] {
  const resources = stack.template.Resources;
  const ordered: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new TemplateError(`${path.basename(stack.templateFile)}: resources refer to each other in a cycle: ${[...trail, id].join(' → ')}`);
    state.set(id, 'visiting');
    const resource = resources[id] as TemplateResource;
    for (const next of [...referencedIds(resource.Properties ?? {}), ...dependsOn(resource)]) if (next in resources) visit(next, [...trail, id]);
    state.set(id, 'done');
    ordered.push(id);
  };
  for (const id of Object.keys(resources)) visit(id, []);
  return ordered;
}

/** Thrown while resolving a resource that refers to, or depends on, one that was skipped or failed. */
class MissingDependency extends Error {}

/** Why a resource that needs `dependency` cannot be made: the failure at the root of a chain of skipped resources. */
function causeOfSkip(dependency: string, applied: Map<string, Provisioned>): string {
  const done = applied.get(dependency);
  if (done?.outcome === 'skipped' && done.detail) return done.detail;
  if (done?.outcome === 'failed') return `${dependency} failed${done.detail ? ` (${done.detail})` : ''}`;
  return `${dependency} was not provisioned`;
}

function line(stackName: string, result: ResourceResult): string {
  return `${stackName}: ${result.type} ${result.physicalId || result.logicalId}: ${result.outcome}${result.detail ? ` (${result.detail})` : ''}`;
}

function functionLine(result: FunctionDeployResult): string {
  const liveStays = `live ${result.previousVersion ? `stays on version ${result.previousVersion}` : 'not created'}`;
  if (result.smokeTest === 'failed') return `${result.name}: version ${result.version}, smoke test failed (${result.error ?? ''}), ${liveStays}`;
  if (result.rolledBack) return `${result.name}: version ${result.version} not made live (${result.error ?? ''}), ${liveStays}`;
  if (result.unchanged) return `${result.name}: unchanged, not redeployed`;
  const smokeTest = result.smokeTest === 'passed' ? 'smoke test passed' : 'no smoke test in the template';
  return `${result.name}: version ${result.version}${result.changed?.length ? ` (changed: ${result.changed.join(', ')})` : ''}, ${smokeTest}`;
}

async function provisionStack(stack: AssemblyStack, run: ProvisionRun, exportsSoFar: Map<string, string>): Promise<StackProvisionResult> {
  const problems = validate(stack);
  if (problems.length > 0) throw new TemplateError(`${stack.stackName} cannot be provisioned locally:\n  ${problems.join('\n  ')}`);
  const env = await stackEnvironment(stack.stackName);
  const file = path.basename(stack.templateFile);
  const { Resources: resources, Parameters: parameters = {}, Mappings: mappings = {}, Outputs: outputs = {} } = stack.template;
  const applied = new Map<string, Provisioned>();
  const scope: ResolveScope = {
    env,
    mappings,
    ref(id, where) {
      if (id in parameters) {
        const value = parameters[id]?.Default;
        if (value === undefined) throw new TemplateError(`${where}: parameter ${id} has no Default, and the local provisioner takes no parameter values`);
        return value;
      }
      const done = applied.get(id);
      if (!done?.physicalId) throw new MissingDependency(id);
      return done.physicalId;
    },
    getAtt(id, attribute, where) {
      const done = applied.get(id);
      if (!done?.physicalId) throw new MissingDependency(id);
      if (attribute in done.attributes) return done.attributes[attribute];
      if (done.outcome === 'checked') return `${done.physicalId}.${attribute}`;
      throw new TemplateError(`${where}: Fn::GetAtt ${id}.${attribute}: the local provisioner knows ${Object.keys(done.attributes).join(', ') || 'no attributes'} of ${resources[id]?.Type}`);
    },
    importValue(name, where) {
      const value = exportsSoFar.get(name);
      if (value === undefined) throw new TemplateError(`${where}: Fn::ImportValue ${name}: no stack provisioned in this environment exports it (provision the stack that does first)`);
      return value;
    },
  };

  const results: ResourceResult[] = [];
  const functionsBefore = new Set(run.functions.keys());
  const previous = await readStackRecord(run.envName, stack.stackName);
  const recorded: Record<string, RecordedResource> = {};
  for (const id of order(stack)) {
    const resource = resources[id] as TemplateResource;
    if (IGNORED_TYPES.has(resource.Type)) continue;
    const where = `${file}: Resources.${id}`;
    const type = (ENFORCED_TYPES[resource.Type] ?? CHECKED_TYPES[resource.Type]) as ResourceType;
    let result: ResourceResult;
    try {
      for (const dependency of dependsOn(resource)) if (!applied.get(dependency)?.physicalId) throw new MissingDependency(dependency);
      const properties = (resolveValue(resource.Properties ?? {}, scope, `${where}.Properties`) ?? {}) as Record<string, unknown>;
      const done = await type.apply({ logicalId: id, type: resource.Type, properties, resource, stack, env, run, where });
      applied.set(id, done);
      result = { logicalId: id, type: resource.Type, physicalId: done.physicalId, outcome: done.outcome, ...(done.detail ? { detail: done.detail } : {}) };
      if (done.physicalId && ENFORCED_TYPES[resource.Type]) {
        const target = properties['Target'] as { Arn?: string } | undefined;
        const functionName = resource.Type === 'AWS::Scheduler::Schedule' ? functionRef(target?.Arn ?? '').name : undefined;
        recorded[id] = { type: resource.Type, physicalId: done.physicalId, ...(resource.DeletionPolicy ? { deletionPolicy: resource.DeletionPolicy } : {}), ...(functionName ? { functionName } : {}) };
      }
    } catch (error) {
      if (!(error instanceof MissingDependency)) throw error;
      const cause = causeOfSkip(error.message, applied);
      applied.set(id, { physicalId: '', attributes: {}, outcome: 'skipped', detail: cause });
      type.skipped?.({ logicalId: id, type: resource.Type, resource, stack, env, run, where }, cause);
      result = { logicalId: id, type: resource.Type, physicalId: '', outcome: 'skipped', detail: cause };
      // What a skipped resource was stays as it was, as CloudFormation's rollback would leave it: a failed smoke test
      // leaves `live`, and the mapping and schedule on it, untouched rather than removed.
      const kept = previous?.resources[id];
      if (kept?.type === resource.Type) recorded[id] = kept;
    }
    results.push(result);
    if (result.outcome !== 'checked') run.log(line(stack.stackName, result));
  }

  for (const [id, old] of Object.entries(previous?.resources ?? {}).sort(([, a], [, b]) => REMOVAL_ORDER.indexOf(a.type) - REMOVAL_ORDER.indexOf(b.type))) {
    if (id in recorded) continue;
    // A resource replaced under another logical id keeps its physical resource (a Version's id changes with its code).
    if (Object.values(recorded).some((r) => r.type === old.type && r.physicalId === old.physicalId)) continue;
    const type = ENFORCED_TYPES[old.type];
    if (!type?.remove || /^retain/i.test(old.deletionPolicy ?? '')) continue;
    await type.remove(old.physicalId);
    const progress = old.functionName ? run.functions.get(old.functionName) : undefined;
    if (progress && old.type === 'AWS::Scheduler::Schedule') progress.result.schedule = 'deleted';
    const result: ResourceResult = { logicalId: id, type: old.type, physicalId: old.physicalId, outcome: 'removed' };
    results.push(result);
    run.log(line(stack.stackName, result));
  }

  const exports: Record<string, string> = {};
  for (const [key, output] of Object.entries(outputs)) {
    if (!output.Export) continue;
    try {
      const name = String(resolveValue(output.Export.Name, scope, `${file}: Outputs.${key}.Export.Name`));
      exports[name] = String(resolveValue(output.Value, scope, `${file}: Outputs.${key}.Value`));
      exportsSoFar.set(name, exports[name] as string);
    } catch (error) {
      if (!(error instanceof MissingDependency)) throw error;
    }
  }
  await writeStackRecord(run.envName, { stackName: stack.stackName, provisionedAt: new Date().toISOString(), resources: recorded, exports } satisfies StackRecord);

  const checked = results.filter((r) => r.outcome === 'checked');
  if (checked.length > 0) {
    const byService = new Map<string, number>();
    for (const r of checked) byService.set(r.type.split('::')[1] as string, (byService.get(r.type.split('::')[1] as string) ?? 0) + 1);
    run.log(`${stack.stackName}: read and checked, not enforced locally: ${[...byService].map(([service, n]) => `${n} ${service}`).join(', ')}`);
  }
  const functions = [...run.functions.entries()].filter(([name, progress]) => !functionsBefore.has(name) && progress.versioned).map(([, progress]) => progress.result);
  for (const result of functions) run.log(functionLine(result));
  return { stackName: stack.stackName, resources: results, functions, exports };
}

/**
 * Removes what the local provisioner made of these stacks (their records say what), in the removal order, and their
 * records: a local `cdk destroy`. Resources with `DeletionPolicy: Retain` stay. For tests, which deploy stacks of
 * their own and take them down afterwards.
 */
export async function destroyStacks(envName: string, stackNames: string[], log: (line: string) => void = () => undefined): Promise<void> {
  for (const stackName of stackNames) {
    const record = await readStackRecord(envName, stackName);
    if (!record) continue;
    const resources = Object.values(record.resources).sort((a, b) => REMOVAL_ORDER.indexOf(a.type) - REMOVAL_ORDER.indexOf(b.type));
    for (const resource of resources) {
      const type = ENFORCED_TYPES[resource.type];
      if (!type?.remove || /^retain/i.test(resource.deletionPolicy ?? '')) continue;
      await type.remove(resource.physicalId);
      log(`${stackName}: ${resource.type} ${resource.physicalId}: removed`);
    }
    await deleteStackRecord(envName, stackName);
  }
}

/**
 * Provisions the cloud assembly in `assemblyDir` (a `cdk.out`) on the local stack the clients of
 * `@bmx/aws-clients` point at. A rerun with nothing changed changes nothing. Throws a {@link TemplateError} naming
 * the template and resource for what it cannot provision; a failed smoke test or deploy step is reported in the
 * result (the function's `live` alias stays where it was, `rolledBack`), not thrown.
 */
export async function provisionAssembly(assemblyDir: string, options: ProvisionOptions): Promise<StackProvisionResult[]> {
  const run: ProvisionRun = {
    envName: options.envName,
    functions: new Map(),
    log: options.log ?? (() => undefined),
  };
  const all = readCloudAssembly(assemblyDir);
  const wanted = options.stacks ? all.filter((stack) => options.stacks?.includes(stack.id) || options.stacks?.includes(stack.stackName)) : all;
  const unknown = (options.stacks ?? []).filter((name) => !all.some((stack) => stack.id === name || stack.stackName === name));
  if (unknown.length > 0) throw new TemplateError(`${assemblyDir} has no stack ${unknown.join(', ')} (it has ${all.map((s) => s.stackName).join(', ')})`);
  const exports = await readExports(options.envName);
  const results: StackProvisionResult[] = [];
  for (const stack of wanted) results.push(await provisionStack(stack, run, exports));
  return results;
}
