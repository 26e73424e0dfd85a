import { GetQueueUrlCommand, SendMessageBatchCommand, SendMessageCommand, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { getSqsClient } from './clients';
import { ConfigError, type BatchEntryFailure } from './errors';
import type { ClientProfile } from './profiles';
import { runBounded } from './concurrency';

/** Where a queue is: its URL when configured, else its name (resolved once with `GetQueueUrl`). */
export type QueueRef = { url: string } | { name: string };

const MAX_BATCH_ENTRIES = 10;
/** SQS caps a batch request at 1 MiB; leave room for the JSON envelope around the bodies. */
const MAX_BATCH_BYTES = 1_000_000;

const urlByName = new Map<string, Promise<string>>();

/**
 * Reads a queue reference from `<PREFIX>_QUEUE_URL`, else `<PREFIX>_QUEUE_NAME`.
 * Throws {@link ConfigError} naming both variables when neither is set, so a missing queue fails at start-up.
 */
export function queueRefFromEnv(prefix: string, env: NodeJS.ProcessEnv = process.env): QueueRef {
  const url = env[`${prefix}_QUEUE_URL`]?.trim();
  if (url) return { url };
  const name = env[`${prefix}_QUEUE_NAME`]?.trim();
  if (name) return { name };
  throw new ConfigError(`${prefix}_QUEUE_URL`, `set it (or ${prefix}_QUEUE_NAME) to the queue to use`);
}

/**
 * The queue's URL: the configured one, else `GetQueueUrl` by name (with the `profile` client), cached for the life
 * of the process.
 */
export function resolveQueueUrl(ref: QueueRef, profile: ClientProfile = 'default'): Promise<string> {
  if ('url' in ref) return Promise.resolve(ref.url);
  let pending = urlByName.get(ref.name);
  if (!pending) {
    pending = getSqsClient(profile)
      .send(new GetQueueUrlCommand({ QueueName: ref.name }))
      .then((out) => {
        if (!out.QueueUrl) throw new Error(`GetQueueUrl returned no URL for queue ${ref.name}`);
        return out.QueueUrl;
      });
    // A failed lookup is not cached: the next call asks again.
    pending.catch(() => urlByName.delete(ref.name));
    urlByName.set(ref.name, pending);
  }
  return pending;
}

/** Forgets resolved queue URLs. For tests. */
export function resetQueueUrlCache(): void {
  urlByName.clear();
}

/** String message attributes by name (SQS allows 10 a message); they travel beside the body, e.g. a correlation id. */
export type MessageAttributes = Readonly<Record<string, string>>;

function toSqsAttributes(attributes: MessageAttributes | undefined): Record<string, MessageAttributeValue> | undefined {
  if (!attributes) return undefined;
  const entries = Object.entries(attributes);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
}

/** Bytes SQS counts for a message's attributes: each name, type and value. */
function attributesBytes(attributes: MessageAttributes | undefined): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes ?? {})) bytes += Buffer.byteLength(name) + 'String'.length + Buffer.byteLength(value);
  return bytes;
}

/** Options for a single JSON message. */
export interface SendJsonOptions {
  /** String message attributes sent with the message. */
  attributes?: MessageAttributes;
  /** Seconds before the message becomes visible (0 to 900). */
  delaySeconds?: number;
  /** Required on FIFO queues. */
  messageGroupId?: string;
  /** FIFO deduplication id, when the queue does not deduplicate by content. */
  deduplicationId?: string;
  /** Client profile for the send. Default `default`. */
  profile?: ClientProfile;
}

/** Sends `body` as JSON and returns the message id. */
export async function sendJsonMessage(queue: QueueRef, body: unknown, options: SendJsonOptions = {}): Promise<string> {
  const out = await getSqsClient(options.profile).send(
    new SendMessageCommand({
      QueueUrl: await resolveQueueUrl(queue, options.profile),
      MessageBody: JSON.stringify(body),
      MessageAttributes: toSqsAttributes(options.attributes),
      DelaySeconds: options.delaySeconds,
      MessageGroupId: options.messageGroupId,
      MessageDeduplicationId: options.deduplicationId,
    }),
  );
  if (!out.MessageId) throw new Error('SendMessage returned no MessageId');
  return out.MessageId;
}

/** Options for {@link sendJsonMessages}. */
export interface SendJsonBatchOptions {
  /** String message attributes: the same for every message, or per message from its body and index. */
  attributes?: MessageAttributes | ((body: unknown, index: number) => MessageAttributes | undefined);
  /** Batch requests in flight at once. Default 4. */
  concurrency?: number;
  /** Times the entries in `Failed[]` are sent again (sender faults never are). Default 3. */
  retries?: number;
  /** Milliseconds before the first retry; doubled each time. Default 100. */
  retryDelayMs?: number;
  /** Client profile for the sends. Default `default`. */
  profile?: ClientProfile;
}

/** What a batched send did. */
export interface SendJsonBatchResult {
  sent: number;
  /** Entries that still failed after every retry, by their index in the input. */
  failed: BatchEntryFailure[];
}

interface PendingEntry {
  index: number;
  body: string;
  attributes?: MessageAttributes;
}

/** Splits entries into batches of at most 10 entries and {@link MAX_BATCH_BYTES} bytes. */
function toBatches(entries: PendingEntry[]): PendingEntry[][] {
  const batches: PendingEntry[][] = [];
  let current: PendingEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(entry.body) + attributesBytes(entry.attributes);
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends every body as JSON with `SendMessageBatch` (10 entries a call, several calls in flight). SQS answers
 * HTTP 200 even when some entries failed, so `Failed[]` is always read, and only those entries are sent again.
 * A request that fails as a whole counts every entry in it as failed with the error's name.
 */
export async function sendJsonMessages(
  queue: QueueRef,
  bodies: readonly unknown[],
  options: SendJsonBatchOptions = {},
): Promise<SendJsonBatchResult> {
  const { concurrency = 4, retries = 3, retryDelayMs = 100, profile = 'default' } = options;
  const queueUrl = await resolveQueueUrl(queue, profile);
  const { attributes } = options;
  let pending: PendingEntry[] = bodies.map((body, index) => ({
    index,
    body: JSON.stringify(body),
    attributes: typeof attributes === 'function' ? attributes(body, index) : attributes,
  }));
  let sent = 0;
  const permanent: BatchEntryFailure[] = [];

  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await sleep(retryDelayMs * 2 ** (attempt - 1));
    const failedNow: BatchEntryFailure[] = [];
    await runBounded(toBatches(pending), concurrency, async (batch) => {
      try {
        const out = await getSqsClient(profile).send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((entry) => ({ Id: String(entry.index), MessageBody: entry.body, MessageAttributes: toSqsAttributes(entry.attributes) })),
          }),
        );
        sent += out.Successful?.length ?? 0;
        for (const failure of out.Failed ?? []) {
          failedNow.push({
            index: Number(failure.Id),
            code: failure.Code ?? 'Unknown',
            message: failure.Message ?? '',
            senderFault: failure.SenderFault ?? false,
          });
        }
      } catch (error) {
        const err = error as Error;
        for (const entry of batch) {
          failedNow.push({ index: entry.index, code: err.name, message: err.message, senderFault: false });
        }
      }
    });
    permanent.push(...failedNow.filter((f) => f.senderFault));
    const retryable = failedNow.filter((f) => !f.senderFault);
    if (retryable.length === 0 || attempt >= retries) {
      const failed = [...permanent, ...retryable].sort((a, b) => a.index - b.index);
      return { sent, failed };
    }
    const again = new Set(retryable.map((f) => f.index));
    pending = pending.filter((entry) => again.has(entry.index));
  }
}
