import { CarrierError } from './errors';
import type { CarrierId } from './types';

/** One carrier request. Headers may carry credentials: they are sent, never logged or put in errors. */
export interface CarrierRequest {
  carrier: CarrierId;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, for bodies that are not JSON (OAuth token requests). */
  rawBody?: { contentType: string; text: string };
  timeoutMs: number;
}

/** The parsed JSON of a carrier's answer (2xx), or of its error answer for 404/4xx, which adapters inspect. */
export interface CarrierResponse {
  status: number;
  body: unknown;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Sends the request with a hard timeout (`AbortSignal.timeout`) and classifies failures as {@link CarrierError}:
 * 5xx/429/timeout/network → `unavailable`, 401/403 → `unauthorized`, 2xx without JSON → `malformed`.
 * 404 and other 4xx come back to the adapter (parsed when JSON) so it can read the carrier's own error code.
 */
export async function requestCarrier(request: CarrierRequest): Promise<CarrierResponse> {
  const { carrier, url, method = 'GET', headers = {}, body, rawBody, timeoutMs } = request;
  const contentType = rawBody?.contentType ?? (body === undefined ? undefined : 'application/json');
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(contentType ? { 'content-type': contentType } : {}),
        ...headers,
      },
      body: rawBody?.text ?? (body === undefined ? undefined : JSON.stringify(body)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body read shares the signal: a server that sends headers and then stalls is a timeout too.
    text = await response.text();
  } catch (error) {
    const err = error as Error;
    const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
    const reason = timedOut ? `no answer within ${timeoutMs} ms` : `request failed: ${err.message}`;
    throw new CarrierError(carrier, 'unavailable', reason);
  }
  const status = response.status;
  if (status >= 500 || status === 429) throw new CarrierError(carrier, 'unavailable', `HTTP ${status}`, status);
  if (status === 401 || status === 403) throw new CarrierError(carrier, 'unauthorized', `HTTP ${status}: check the carrier credentials`, status);
  const parsed = parseJson(text);
  if (status >= 200 && status < 300) {
    if (parsed === undefined || parsed === null || typeof parsed !== 'object') {
      throw new CarrierError(carrier, 'malformed', `HTTP ${status} with a body that is not a JSON object`, status);
    }
    return { status, body: parsed };
  }
  return { status, body: parsed };
}

/** Reads `obj.a.b[0].c` style paths without throwing; undefined when any step is missing. */
export function dig(value: unknown, ...path: (string | number)[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (current === null || current === undefined || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** `value` when it is a non-empty string, else undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** A 4xx that the adapter did not recognise as "not found". */
export function rejected(carrier: CarrierId, response: CarrierResponse, carrierMessage: string | undefined): CarrierError {
  const kind = response.status === 404 ? 'not_found' : 'rejected';
  return new CarrierError(carrier, kind, `HTTP ${response.status}${carrierMessage ? `: ${carrierMessage}` : ''}`, response.status);
}
