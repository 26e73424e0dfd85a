import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { getSqsClient, resolveQueueUrl } from '@bmx/aws-clients';
import { randomUUID } from 'node:crypto';
import type { InvocationOutcome } from './runner';
import { sqsEventRecord } from './sqs-event';

/** An SQS event-source mapping as the Lambda API describes it. */
export interface EventSourceMapping {
  UUID: string;
  EventSourceArn: string;
  FunctionArn: string;
  BatchSize: number;
  MaximumBatchingWindowInSeconds: number;
  FunctionResponseTypes: string[];
  State: 'Enabled' | 'Disabled';
  /** Epoch seconds, as the Lambda API reports it. */
  LastModified: number;
}

type Invoke = (functionName: string, event: unknown) => Promise<InvocationOutcome>;
type Log = (line: string) => void;

/**
 * Which messages of a batch count as failed. With ReportBatchItemFailures the handler's answer decides; an
 * answer that names an unknown id or is not of the documented shape fails the whole batch, as Lambda does.
 */
export function failedMessageIds(outcome: InvocationOutcome, ids: string[], reportsItemFailures: boolean): Set<string> {
  if (!outcome.ok) return new Set(ids);
  if (!reportsItemFailures) return new Set();
  const payload = outcome.payload as { batchItemFailures?: unknown } | null;
  if (payload === null || payload === undefined) return new Set();
  if (typeof payload !== 'object' || !('batchItemFailures' in payload)) return new Set();
  const failures = payload.batchItemFailures;
  if (failures === null || failures === undefined) return new Set();
  if (!Array.isArray(failures)) return new Set(ids);
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.includes(id)) return new Set(ids);
    failed.add(id);
  }
  return failed;
}

/**
 * Polls one queue and invokes one function with batches, the way Lambda's SQS poller does: long poll, invoke,
 * delete what succeeded, leave the rest to reappear after the visibility timeout (and, after the queue's
 * maxReceiveCount, go to its dead-letter queue).
 */
export class SqsPoller {
  private running = false;
  private loop: Promise<void> | undefined;
  private abort = new AbortController();

  constructor(
    readonly mapping: EventSourceMapping,
    private readonly functionName: string,
    private readonly region: string,
    private readonly invoke: Invoke,
    private readonly log: Log,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const queueName = this.mapping.EventSourceArn.split(':').pop() as string;
    while (this.running) {
      try {
        const queueUrl = await resolveQueueUrl({ name: queueName });
        const out = await getSqsClient().send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(this.mapping.BatchSize, 10),
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) continue;
        const records = messages.map((m) => sqsEventRecord(m, this.mapping.EventSourceArn, this.region));
        const outcome = await this.invoke(this.functionName, { Records: records });
        if (!outcome.ok) this.log(`${this.functionName} failed a batch of ${messages.length}: ${outcome.error.errorType} ${outcome.error.errorMessage}`);
        const failed = failedMessageIds(
          outcome,
          messages.map((m) => m.MessageId as string),
          this.mapping.FunctionResponseTypes.includes('ReportBatchItemFailures'),
        );
        const done = messages.filter((m) => !failed.has(m.MessageId as string));
        if (done.length > 0) {
          const deleted = await getSqsClient().send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
          for (const failure of deleted.Failed ?? []) this.log(`could not delete a message: ${failure.Code} ${failure.Message}`);
        }
      } catch (error) {
        if (!this.running) break;
        this.log(`poller for ${this.functionName}: ${(error as Error).name}: ${(error as Error).message}; retrying in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}

/** Builds a mapping record with Lambda's defaults (batch size 10). */
export function newMapping(input: {
  EventSourceArn: string;
  FunctionArn: string;
  BatchSize?: number;
  MaximumBatchingWindowInSeconds?: number;
  FunctionResponseTypes?: string[];
  Enabled?: boolean;
}): EventSourceMapping {
  return {
    UUID: randomUUID(),
    EventSourceArn: input.EventSourceArn,
    FunctionArn: input.FunctionArn,
    BatchSize: input.BatchSize ?? 10,
    MaximumBatchingWindowInSeconds: input.MaximumBatchingWindowInSeconds ?? 0,
    FunctionResponseTypes: input.FunctionResponseTypes ?? [],
    State: input.Enabled === false ? 'Disabled' : 'Enabled',
    LastModified: Date.now() / 1000,
  };
}
