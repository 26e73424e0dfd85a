// Every stack this repo deploys, synthesized once per test file into a temporary folder (cdk-nag included).
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  environmentNames,
  loadEnvironment,
  repoRoot,
  synth,
  type EnvironmentSettings,
} from '../../src';

export const appsDir = path.join(repoRoot, 'apps');
export const appNames = readdirSync(appsDir).filter((app) =>
  existsSync(path.join(appsDir, app, 'lambda.deploy.json')),
);

/** An environment on an imported network and database, as a user with an existing VPC would commit it. */
export const importedEnvironment: EnvironmentSettings = {
  name: 'imported',
  corsAllowedOrigins: ['https://books.example.com'],
  network: {
    mode: 'imported',
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
    databaseSecurityGroupId: 'sg-0123456789abcdef0',
  },
  database: {
    secretArn:
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:bmx-imported-database-Ab12Cd',
  },
  secrets: {},
};

export interface SynthesizedStack {
  env: string;
  /** App name, or `shared`. */
  app: string;
  stackName: string;
  template: Template;
  json: {
    Resources: Record<
      string,
      {
        Type: string;
        Properties?: Record<string, unknown>;
        Metadata?: Record<string, unknown>;
        DependsOn?: string | string[];
      }
    >;
  };
}

/** Synthesizes the shared stack and every app's stack of each environment. */
export function synthesizeAll(
  environments: EnvironmentSettings[] = [
    ...environmentNames().map((name) => loadEnvironment(name)),
    importedEnvironment,
  ],
): SynthesizedStack[] {
  const out = mkdtempSync(path.join(tmpdir(), 'bmx-synth-'));
  const stacks: SynthesizedStack[] = [];
  for (const environment of environments) {
    for (const app of [undefined, ...appNames]) {
      const { assembly, stack } = synth({
        environment,
        appDir: app && path.join(appsDir, app),
        outdir: path.join(out, environment.name, app ?? 'shared'),
      });
      const json = assembly.getStackByName(stack.stackName)
        .template as SynthesizedStack['json'];
      stacks.push({
        env: environment.name,
        app: app ?? 'shared',
        stackName: stack.stackName,
        template: Template.fromJSON(json),
        json,
      });
    }
  }
  return stacks;
}

/** The resources of one type in a template, by logical id. */
export function resourcesOf(
  stack: SynthesizedStack,
  type: string,
): [string, NonNullable<SynthesizedStack['json']['Resources'][string]>][] {
  return Object.entries(stack.json.Resources).filter(
    ([, resource]) => resource.Type === type,
  );
}
