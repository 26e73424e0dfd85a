// What the local provisioner last made of each stack, kept beside the environment's deploy state: the resources (so
// one that a template drops is removed) and the exports (so another stack's Fn::ImportValue resolves in a later run).
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import { getS3Client } from '@bmx/aws-clients';
import { ensureBucket } from '../provision';
import { localDeployStateBucket as deployStateBucket } from '../state';

/** One resource as last provisioned. */
export interface RecordedResource {
  type: string;
  physicalId: string;
  /** `Retain` keeps it when the template drops it. */
  deletionPolicy?: string;
  /** For a schedule or mapping: the function it targets, so its deploy result can say it was deleted. */
  functionName?: string;
}

/** A stack as last provisioned. */
export interface StackRecord {
  stackName: string;
  provisionedAt: string;
  resources: Record<string, RecordedResource>;
  exports: Record<string, string>;
}

const PREFIX = 'stacks/';
const keyOf = (stackName: string) => `${PREFIX}${stackName}.json`;

function missing(error: unknown): boolean {
  return error instanceof NoSuchKey || ['NoSuchKey', 'NoSuchBucket'].includes((error as Error).name);
}

async function readRecordAt(envName: string, key: string): Promise<StackRecord | undefined> {
  try {
    const out = await getS3Client().send(new GetObjectCommand({ Bucket: deployStateBucket(envName), Key: key }));
    return JSON.parse(await (out.Body as { transformToString(): Promise<string> }).transformToString()) as StackRecord;
  } catch (error) {
    if (missing(error)) return undefined;
    throw error;
  }
}

/** The stack's record; undefined before its first provisioning. */
export function readStackRecord(envName: string, stackName: string): Promise<StackRecord | undefined> {
  return readRecordAt(envName, keyOf(stackName));
}

export async function writeStackRecord(envName: string, record: StackRecord): Promise<void> {
  await ensureBucket(deployStateBucket(envName));
  await getS3Client().send(
    new PutObjectCommand({ Bucket: deployStateBucket(envName), Key: keyOf(record.stackName), Body: JSON.stringify(record, null, 2), ContentType: 'application/json' }),
  );
}

export async function deleteStackRecord(envName: string, stackName: string): Promise<void> {
  await getS3Client().send(new DeleteObjectCommand({ Bucket: deployStateBucket(envName), Key: keyOf(stackName) }));
}

/** Every export of every stack provisioned in the environment, by export name. */
export async function readExports(envName: string): Promise<Map<string, string>> {
  const exports = new Map<string, string>();
  let token: string | undefined;
  do {
    let page;
    try {
      page = await getS3Client().send(new ListObjectsV2Command({ Bucket: deployStateBucket(envName), Prefix: PREFIX, ContinuationToken: token }));
    } catch (error) {
      if (missing(error)) return exports;
      throw error;
    }
    for (const object of page.Contents ?? []) {
      const record = object.Key ? await readRecordAt(envName, object.Key) : undefined;
      for (const [name, value] of Object.entries(record?.exports ?? {})) exports.set(name, value);
    }
    token = page.NextContinuationToken;
  } while (token);
  return exports;
}
