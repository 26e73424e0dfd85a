/** A Lambda service error: its name becomes the `x-amzn-ErrorType` header. */
export class LambdaServiceError extends Error {
  constructor(
    readonly statusCode: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

