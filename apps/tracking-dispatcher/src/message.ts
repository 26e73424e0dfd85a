// The tracking message contract, both sides in one place: the dispatcher sends one per tracked book, the worker
// parses it (a body that does not parse is reported, never dropped).

/** The message the worker receives, one per tracked book. */
export interface TrackingMessage {
  book_id: number;
}

/**
 * Reads `{book_id}`: a positive whole number. The shape `sqsBatch` of @bmx/lambda-kit takes (as the image jobs'
 * `parseImageJobMessage` has): the message, or the reason the body is not one.
 */
export function parseTrackingMessage(body: string): { ok: true; message: TrackingMessage } | { ok: false; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const bookId = (parsed as { book_id?: unknown } | null)?.book_id;
  if (typeof bookId !== 'number' || !Number.isSafeInteger(bookId) || bookId < 1) return { ok: false, reason: 'book_id must be a positive integer' };
  return { ok: true, message: { book_id: bookId } };
}
