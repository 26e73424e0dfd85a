/** Thrown at start-up when an environment variable is missing or malformed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** The environment variable at fault, e.g. `AWS_REGION`. */
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
  }
}

/** A Lambda invocation whose function raised (the `FunctionError` response header was set). */
export class LambdaFunctionError extends Error {
  override readonly name = 'LambdaFunctionError';
  constructor(
    readonly functionName: string,
    /** `Unhandled` or `Handled`, as the service reports it. */
    readonly functionError: string,
    /** `errorType` from the function's error payload, when it has one. */
    readonly errorType: string | undefined,
    message: string,
  ) {
    super(`${functionName} failed (${functionError}${errorType ? `, ${errorType}` : ''}): ${message}`);
  }
}

/** A Lambda invocation that returned normally but whose payload carries an error `statusCode` (>= 400). */
export class LambdaStatusError extends Error {
  override readonly name = 'LambdaStatusError';
  constructor(
    readonly functionName: string,
    readonly statusCode: number,
    /** The payload's `body`, parsed when it is JSON. */
    readonly body: unknown,
    message: string,
  ) {
    super(`${functionName} answered ${statusCode}: ${message}`);
  }
}

/** One entry of a batched send that SQS refused. */
export interface BatchEntryFailure {
  /** Index of the message in the array passed to `sendJsonMessages`. */
  index: number;
  code: string;
  message: string;
  /** SQS's verdict: true when the request itself was wrong and a retry cannot succeed. */
  senderFault: boolean;
}
