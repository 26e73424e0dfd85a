/** The SQS message that asks the image processor to process one image. */
export interface ImageJobMessage {
  job_id: string;
  book_id: number;
  image_id: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses and checks a message body; the error names what is wrong, for the failure report. */
export function parseImageJobMessage(body: string): { ok: true; message: ImageJobMessage } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'body is not a JSON object' };
  const record = value as Record<string, unknown>;
  if (typeof record['job_id'] !== 'string' || !UUID.test(record['job_id'])) return { ok: false, reason: 'job_id must be a UUID string' };
  for (const field of ['book_id', 'image_id'] as const) {
    const id = record[field];
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) return { ok: false, reason: `${field} must be a positive integer` };
  }
  return { ok: true, message: { job_id: record['job_id'], book_id: record['book_id'] as number, image_id: record['image_id'] as number } };
}
