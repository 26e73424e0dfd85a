// The tracking message contract, both sides in one place: the dispatcher sends one per tracked book, the worker
// parses it (a body that does not parse is reported, never dropped).

/** The message the worker receives, one per tracked book. */
export interface TrackingMessage {
  book_id: number;
}

/** Reads `{book_id}`: a positive whole number. Returns a reason string when the body is not that. */
export function parseTrackingMessage(body: string): { bookId: number } | { reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { reason: 'body is not JSON' };
  }
  const bookId = (parsed as { book_id?: unknown } | null)?.book_id;
  if (typeof bookId !== 'number' || !Number.isSafeInteger(bookId) || bookId < 1) return { reason: 'book_id must be a positive integer' };
  return { bookId };
}
