import { DeleteMessageCommand, GetQueueAttributesCommand, QueueDoesNotExist, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { getSqsClient, resolveQueueUrl } from '@bmx/aws-clients';
import { positiveInteger, type CommandGroup } from '../command';
import { QUEUES, queueName, UsageError, type AdminContext, type QueueKey } from '../context';

const queueKeys = Object.keys(QUEUES) as QueueKey[];

function queueKeyOf(value: string | undefined): QueueKey {
  if (!value || !queueKeys.includes(value as QueueKey)) throw new UsageError(`give the queue: ${queueKeys.join(' or ')}`);
  return value as QueueKey;
}

async function urlOrUndefined(name: string): Promise<string | undefined> {
  try {
    return await resolveQueueUrl({ name });
  } catch (error) {
    if (error instanceof QueueDoesNotExist || (error as Error).name === 'QueueDoesNotExist' || (error as Error).name === 'AWS.SimpleQueueService.NonExistentQueue') return undefined;
    throw error;
  }
}

async function depth(url: string): Promise<{ messages: number; in_flight: number }> {
  const { Attributes: attributes = {} } = await getSqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { messages: Number(attributes['ApproximateNumberOfMessages'] ?? 0), in_flight: Number(attributes['ApproximateNumberOfMessagesNotVisible'] ?? 0) };
}

/** Moves up to `max` messages from the DLQ back to its queue, body and attributes unchanged; returns how many. */
async function redrive(context: AdminContext, key: QueueKey, max: number): Promise<number> {
  const source = queueName(context, key);
  const [sourceUrl, dlqUrl] = await Promise.all([urlOrUndefined(source), urlOrUndefined(`${source}-dlq`)]);
  if (!sourceUrl) throw new UsageError(`queue ${source} does not exist in ${context.envName}`);
  if (!dlqUrl) throw new UsageError(`queue ${source}-dlq does not exist in ${context.envName}`);
  const sqs = getSqsClient();
  let moved = 0;
  while (moved < max) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: Math.min(10, max - moved), WaitTimeSeconds: 1, VisibilityTimeout: 60, MessageAttributeNames: ['All'] }),
    );
    if (messages.length === 0) break;
    for (const message of messages) {
      // Sent before it is deleted: a crash in between leaves a copy in both queues, never in neither.
      await sqs.send(new SendMessageCommand({ QueueUrl: sourceUrl, MessageBody: message.Body ?? '', MessageAttributes: message.MessageAttributes }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle }));
      moved++;
    }
  }
  return moved;
}

/** `admin dlq list|redrive`: the dead-letter queues (`<queue>-dlq`) of an environment's queues. */
export const dlqCommands: CommandGroup = {
  summary: "dead-letter queues: how many messages each holds, and moving them back to their queue",
  commands: {
    list: {
      usage: '',
      summary: `Prints one JSON line per queue (${queueKeys.join(', ')}): queue, dlq, messages and in_flight in the DLQ (exists: false when it is not there).`,
      async run({ positionals }, context) {
        if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
        for (const key of queueKeys) {
          const queue = queueName(context, key);
          const url = await urlOrUndefined(`${queue}-dlq`);
          context.out(JSON.stringify({ queue: key, dlq: `${queue}-dlq`, ...(url ? { exists: true, ...(await depth(url)) } : { exists: false }) }));
        }
      },
    },
    redrive: {
      usage: `<${queueKeys.join('|')}> [--max N]`,
      summary: 'Moves the DLQ\'s messages back to the queue they came from, body and attributes (the correlation id) unchanged; prints how many.',
      options: { max: { type: 'string', help: 'move at most this many (default all)' } },
      async run({ values, positionals }, context) {
        if (positionals.length !== 1) throw new UsageError(`give exactly one queue: ${queueKeys.join(' or ')}`);
        const key = queueKeyOf(positionals[0]);
        const max = values['max'] === undefined ? Number.POSITIVE_INFINITY : positiveInteger(values['max'], '--max');
        const moved = await redrive(context, key, max);
        context.out(JSON.stringify({ queue: key, moved }));
      },
    },
  },
};
