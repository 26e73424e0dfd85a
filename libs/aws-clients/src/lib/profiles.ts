/** How a client's HTTP handler and retries are set. Every field is a deliberate choice, not an SDK default. */
export interface ClientProfileSettings {
  /** Milliseconds to wait for the TCP (and TLS) connection. The SDK's default is no limit. */
  connectionTimeoutMs: number;
  /** Milliseconds a request may wait for the response after connecting. The SDK's default is no limit. */
  requestTimeoutMs: number;
  /** Sockets kept per host. Lambda runs one request at a time, the API and fan-outs run many. */
  maxSockets: number;
  /** Total attempts including the first; 1 means no SDK retry. */
  maxAttempts: number;
  /** `standard` backs off with jitter and a retry quota; `adaptive` also rate-limits on throttling. */
  retryMode: 'standard' | 'adaptive';
}

/** The named configurations. Each profile gets its own cached client per service. */
export type ClientProfile = 'default' | 'interactive' | 'healthCheck' | 'longCall';

/** The settings behind each {@link ClientProfile}. */
export const CLIENT_PROFILES: Readonly<Record<ClientProfile, Readonly<ClientProfileSettings>>> = {
  /** Ordinary calls: short connect, 30 s per attempt, three attempts with backoff. */
  default: {
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: 30_000,
    maxSockets: 50,
    maxAttempts: 3,
    retryMode: 'standard',
  },
  /**
   * Calls made while an HTTP caller waits (the API's S3 and SQS calls). Two attempts of at most 1 s + 5 s stay well
   * inside API Gateway's 29 s integration limit, so the caller gets our clear 503 instead of the gateway's timeout.
   * The request timeout is the socket's idle time, so a large upload that keeps moving is not cut off.
   */
  interactive: {
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 5_000,
    maxSockets: 50,
    maxAttempts: 2,
    retryMode: 'standard',
  },
  /** Health checks: 1 s to connect plus 4 s to answer fits the 5 s budget; a retry would blow it. */
  healthCheck: {
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 4_000,
    maxSockets: 10,
    maxAttempts: 1,
    retryMode: 'standard',
  },
  /**
   * Synchronous calls that run for minutes (the scraper's 120 s invoke). The read timeout outlasts the
   * longest Lambda timeout we use, and the SDK never retries, so it can never start a duplicate call.
   */
  longCall: {
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: 540_000,
    maxSockets: 10,
    maxAttempts: 1,
    retryMode: 'standard',
  },
};

/**
 * The profile of every call made while an HTTP caller waits (the API's S3, SQS and Lambda calls): a dependency that
 * hangs becomes a clear 503 within the profile's bound instead of outlasting the Lambda's 29 s and API Gateway's limit.
 */
export const REQUEST_PATH_PROFILE: ClientProfile = 'interactive';
