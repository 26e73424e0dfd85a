import { GetObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import { getS3Client } from '@bmx/aws-clients';
import path from 'node:path';
import { ensureBucket } from './provision';

/** Written by `npm start`: where the running local stack is, so deploys from another terminal reach it. */
export const LOCAL_STACK_FILE = path.resolve(__dirname, '../../../.bmx-local/stack.json');

/** What was last deployed to an environment. */
export interface DeployState {
  /** Commit whose tree was deployed; `nx affected --base` starts from it. */
  commit: string;
  deployedAt: string;
  apps: string[];
}

const bucketFor = (envName: string) => `bmx-${envName}-deploy-state`;
const KEY = 'last-deployed.json';

/** The environment's last deploy, from its state bucket; undefined before the first. */
export async function readDeployState(envName: string): Promise<DeployState | undefined> {
  try {
    const out = await getS3Client().send(new GetObjectCommand({ Bucket: bucketFor(envName), Key: KEY }));
    return JSON.parse(await (out.Body as { transformToString(): Promise<string> }).transformToString()) as DeployState;
  } catch (error) {
    if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchBucket' || (error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Records a successful deploy of `commit` to the environment. */
export async function recordDeployState(envName: string, state: DeployState): Promise<void> {
  await ensureBucket(bucketFor(envName));
  await getS3Client().send(
    new PutObjectCommand({ Bucket: bucketFor(envName), Key: KEY, Body: JSON.stringify(state, null, 2), ContentType: 'application/json' }),
  );
}
