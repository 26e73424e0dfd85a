import type { SQSRecord } from 'aws-lambda';
import { parseImageJobMessage, type ImageJobMessage } from '@bmx/images';

/** A record's parsed job, or why it cannot be processed. */
export type ParsedRecord =
  | { ok: true; messageId: string; message: ImageJobMessage }
  | { ok: false; messageId: string; reason: string };

/** Parses one SQS record's body with the shared message rules; never throws. */
export function parseRecord(record: Pick<SQSRecord, 'messageId' | 'body'>): ParsedRecord {
  const result = parseImageJobMessage(typeof record.body === 'string' ? record.body : '');
  return result.ok ? { ok: true, messageId: record.messageId, message: result.message } : { ok: false, messageId: record.messageId, reason: result.reason };
}

/** The shape of an SQS event with at least a Records array, as far as the handler relies on it. */
export function sqsRecordsOf(event: unknown): SQSRecord[] | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const records = (event as { Records?: unknown }).Records;
  return Array.isArray(records) ? (records as SQSRecord[]) : undefined;
}
