// What each resource handler gets and gives back; shared by the handlers and the stack provisioner.
import { createHash } from 'node:crypto';
import type { AssemblyStack, TemplateResource } from './assembly';
import { partitionOf, TemplateError, type StackEnvironment } from './intrinsics';

/** The alias that traffic and triggers use; templates make it wait for the new version's `Custom::SmokeTest`. */
export const LIVE_ALIAS = 'live';

/** What the deploy did to a function's schedule. */
export type ScheduleOutcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'none';

/** What one function's deploy did, over its Function, Version and Alias resources. */
export interface FunctionDeployResult {
  name: string;
  created: boolean;
  /** True when `live` already runs this exact code and configuration: nothing was published. */
  unchanged: boolean;
  /** Why a function that existed was deployed again: what differed from what `live` runs. */
  changed?: string[];
  /** The version this deploy made live, or would have (the new one when it did not go live). */
  version: string;
  /** The version `live` pointed at before, when there was one. */
  previousVersion?: string;
  /** The new version's `Custom::SmokeTest` in this deploy; `not run` when there was none (nothing new, or no such resource). */
  smokeTest: 'passed' | 'failed' | 'not run';
  /** True when the new version did not go live: its smoke test, or a deploy step before it, failed. */
  rolledBack: boolean;
  /** Why it did not go live. */
  error?: string;
  /** What the deploy did to the function's schedule; absent when it has none. */
  schedule?: ScheduleOutcome;
}

/** What provisioning did to one resource. `checked`: read and checked for shape, not created locally. */
export type ResourceOutcome = 'created' | 'updated' | 'unchanged' | 'checked' | 'skipped' | 'failed';

/** A provisioned (or checked) resource: what `Ref` and `Fn::GetAtt` of it return, and what happened. */
export interface Provisioned {
  /** What `Ref` returns; empty when nothing was made (a failed custom resource, or a resource skipped because of one). */
  physicalId: string;
  attributes: Record<string, unknown>;
  outcome: ResourceOutcome;
  /** What changed, or why it failed or was skipped. */
  detail?: string;
}

/** One function's deploy as it unfolds over its Function, Version and Alias resources. */
export interface FunctionProgress {
  logicalId: string;
  /** `live`'s configuration before this deploy, when the function had one. */
  liveVersion?: string;
  /** What differs from what `live` runs; empty when nothing does. */
  changedFromLive: string[];
  created: boolean;
  /** True once a Version of it was provisioned: only such functions have a `live` to report on (a smoke-test hook has none). */
  versioned: boolean;
  result: FunctionDeployResult;
}

/** State shared by every resource of one provisioning run. */
export interface ProvisionRun {
  envName: string;
  /** By function name. */
  functions: Map<string, FunctionProgress>;
  log(line: string): void;
}

/** Everything a handler needs about the resource it makes. */
export interface ResourceContext {
  logicalId: string;
  type: string;
  /** Properties with every intrinsic evaluated. */
  properties: Record<string, unknown>;
  resource: TemplateResource;
  stack: AssemblyStack;
  env: StackEnvironment;
  run: ProvisionRun;
  /** `<template>: Resources.<logicalId>`, for errors. */
  where: string;
}

/** A resource type the local stack makes (or only checks). */
export interface ResourceType {
  /** Properties a template must give (checked before anything is provisioned). */
  required: string[];
  /** Makes the resource match its properties (or checks them) and says what `Ref` and `Fn::GetAtt` return. */
  apply(context: ResourceContext): Promise<Provisioned>;
  /** Removes it once a template no longer has it (absent: nothing to remove locally). */
  remove?(physicalId: string): Promise<void>;
  /**
   * Told that it was not provisioned because `cause` (a resource it depends on failed or was skipped), for what it
   * reports: an alias left where it was says why.
   */
  skipped?(context: Omit<ResourceContext, 'properties'>, cause: string): void;
}

/**
 * The name CloudFormation would generate for a resource without an explicit one (`<stack>-<logicalId>-<suffix>`),
 * with a suffix derived from the names rather than random, so a rerun finds the same resource.
 */
export function generatedName(context: Pick<ResourceContext, 'env' | 'logicalId'>, maxLength: number, lowercase = false): string {
  const suffix = createHash('sha256').update(`${context.env.stackName}/${context.logicalId}`).digest('hex').slice(0, 12).toUpperCase();
  const room = maxLength - suffix.length - 2;
  const name = `${context.env.stackName}-${context.logicalId}`.slice(0, Math.max(1, room));
  const full = `${name}-${suffix}`;
  return lowercase ? full.toLowerCase().replace(/[^a-z0-9.-]/g, '-') : full;
}

/** An ARN in this stack's partition, region and account (`region: ''` for global services such as IAM). */
export function arn(env: StackEnvironment, service: string, resource: string, region: string = env.region): string {
  // S3 bucket ARNs name neither region nor account.
  const account = service === 's3' ? '' : env.account;
  return `arn:${partitionOf(env.region)}:${service}:${region}:${account}:${resource}`;
}

export function optionalString(context: ResourceContext, name: string): string | undefined {
  const value = context.properties[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new TemplateError(`${context.where}.Properties.${name} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

export function requiredString(context: ResourceContext, name: string): string {
  const value = optionalString(context, name);
  if (value === undefined || value === '') throw new TemplateError(`${context.where}.Properties.${name} is required`);
  return value;
}

export function optionalNumber(context: ResourceContext, name: string): number | undefined {
  const value = context.properties[name];
  if (value === undefined) return undefined;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) throw new TemplateError(`${context.where}.Properties.${name} must be a number, got ${JSON.stringify(value)}`);
  return number;
}

/** The function name in a name, a function ARN, or a qualified one; and its qualifier. */
export function functionRef(value: string): { name: string; qualifier?: string } {
  const match = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::(.+))?$/.exec(value);
  if (match) return { name: match[1] as string, ...(match[2] ? { qualifier: match[2] } : {}) };
  const [name, qualifier] = value.split(':');
  return { name: name as string, ...(qualifier ? { qualifier } : {}) };
}
