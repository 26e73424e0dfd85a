/** The event a deploy sends to a freshly published version before it moves the `live` alias to it. */
export interface SmokeTestEvent {
  smoke_test: true;
}

/** What a wrapped handler answers when its smoke-test checks pass. */
export interface SmokeTestAnswer {
  smoke_test: 'ok';
}

/** True for `{"smoke_test": true}` and nothing else (a record or a request that merely mentions it does not count). */
export function isSmokeTestEvent(event: unknown): event is SmokeTestEvent {
  return typeof event === 'object' && event !== null && (event as { smoke_test?: unknown }).smoke_test === true;
}

/**
 * Wraps a Lambda handler so the deploy's smoke test never reaches it: `check` runs instead (for example a round trip
 * to the database the function cannot work without) and, when it throws, the invocation fails, the deploy sees a
 * function error and `live` stays on the previous version. Real events go to `handler` untouched.
 */
export function withSmokeTest<TEvent, TResult, TContext = unknown>(
  check: () => Promise<void>,
  handler: (event: TEvent, context: TContext) => Promise<TResult>,
): (event: TEvent | SmokeTestEvent, context: TContext) => Promise<TResult | SmokeTestAnswer> {
  return async (event, context) => {
    if (isSmokeTestEvent(event)) {
      await check();
      return { smoke_test: 'ok' };
    }
    return handler(event, context);
  };
}
