import { GetObjectCommand, ListBucketsCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import { getS3Client, readAwsEnvironment } from '@bmx/aws-clients';
import { isLoopbackEndpoint } from './aws-deploy';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureBucket } from './provision';

/** Written by `npm start`: where the running local stack is, so deploys from another terminal reach it. */
export const LOCAL_STACK_FILE = path.resolve(__dirname, '../../../.bmx-local/stack.json');

/**
 * Points this process at the environment: for `local` without endpoints set, the running local stack's endpoints
 * and database from {@link LOCAL_STACK_FILE}; any other environment is AWS, through the usual configuration.
 */
export function useEnvironment(envName: string): void {
  if (envName !== 'local' || process.env['AWS_ENDPOINT_URL_LAMBDA']) return;
  if (!existsSync(LOCAL_STACK_FILE)) throw new Error('no local stack is running: start one with `npm start` (or set AWS_ENDPOINT_URL_*)');
  Object.assign(process.env, JSON.parse(readFileSync(LOCAL_STACK_FILE, 'utf8')) as Record<string, string>);
}

/** What was last deployed to an environment. */
export interface DeployState {
  /** Commit whose tree was deployed; `nx affected --base` starts from it. */
  commit: string;
  deployedAt: string;
  apps: string[];
}

const KEY = 'last-deployed.json';
/** The local stack's state bucket (the local provisioner's stack records live there too); on AWS the shared stack's is `bmx-<env>-deploy-state-<account>-<region>`. */
export const localDeployStateBucket = (envName: string) => `bmx-${envName}-deploy-state`;
const localBucket = localDeployStateBucket;
export const deployStateBucketPrefix = (envName: string): string => `bmx-${envName}-deploy-state-`;

/**
 * The environment's state bucket. Local: made on first use. AWS: the one the shared stack made (found by its name's
 * prefix, which holds no account id, so no other client is needed); none is an error saying to run aws:setup.
 */
async function bucketFor(envName: string, { create }: { create: boolean }): Promise<string> {
  if (envName === 'local' || isLoopbackEndpoint(readAwsEnvironment().endpoints.s3)) {
    if (create) await ensureBucket(localBucket(envName));
    return localBucket(envName);
  }
  const prefix = deployStateBucketPrefix(envName);
  const out = await getS3Client().send(new ListBucketsCommand({ Prefix: prefix }));
  const names = (out.Buckets ?? []).map((bucket) => bucket.Name ?? '').filter((name) => name.startsWith(prefix));
  if (names.length !== 1) {
    throw new Error(`${names.length === 0 ? 'no' : 'more than one'} deploy-state bucket ${prefix}* in this account: run \`npm run aws:setup -- --env ${envName}\` first`);
  }
  return names[0] as string;
}

/** The environment's last deploy, from its state bucket; undefined before the first. */
export async function readDeployState(envName: string): Promise<DeployState | undefined> {
  try {
    const out = await getS3Client().send(new GetObjectCommand({ Bucket: await bucketFor(envName, { create: false }), Key: KEY }));
    return JSON.parse(await (out.Body as { transformToString(): Promise<string> }).transformToString()) as DeployState;
  } catch (error) {
    if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchBucket' || (error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Records a successful deploy of `commit` to the environment. */
export async function recordDeployState(envName: string, state: DeployState): Promise<void> {
  const bucket = await bucketFor(envName, { create: true });
  await getS3Client().send(
    new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: JSON.stringify(state, null, 2), ContentType: 'application/json' }),
  );
}
